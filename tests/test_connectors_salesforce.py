"""Salesforce connector (real httpx/tenacity client code) against the local fake."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from connectors import ConnectorError, read_source
from connectors.base import SourceConfig
from tests.fakes.salesforce import FakeSalesforce, sf_error, stamp
from tests.fakes.server import Reply

T0 = pd.Timestamp("2026-01-05 09:00", tz="UTC")


def accounts(n: int) -> list[dict]:
    return [
        {
            "Id": f"001{i:015d}",
            "Name": f"株式会社テスト{i}",
            "Phone": f"03-1234-{i:04d}",
            "SystemModstamp": stamp(T0 + pd.Timedelta(minutes=i)),
        }
        for i in range(1, n + 1)
    ]


def opportunities(n: int) -> list[dict]:
    return [
        {
            "Id": f"006{i:015d}",
            "AccountId": f"001{i:015d}",
            "StageName": "Closed Won" if i % 2 else "Closed Lost",
            "CloseDate": "2025-12-01",
            "Amount": 1200000.0,
            "Loss_Reason__c": None if i % 2 else "価格",
            "SystemModstamp": stamp(T0 + pd.Timedelta(minutes=i)),
        }
        for i in range(1, n + 1)
    ]


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("SF_CLIENT_ID", "cid")
    monkeypatch.setenv("SF_CLIENT_SECRET", "csecret")
    with FakeSalesforce({"Account": accounts(450), "Opportunity": opportunities(30)}) as server:
        yield server


def config(url: str, **extra) -> SourceConfig:
    return SourceConfig.model_validate(
        {
            "kind": "salesforce",
            "url": url,
            "secrets": {"client_id": "SF_CLIENT_ID", "client_secret": "SF_CLIENT_SECRET"},
            "page_size": 200,
            "backoff_seconds": 0.01,
            "entities": {
                "companies": {
                    "object": "Account",
                    "columns": {"source_id": "Id", "name": "Name", "phone": "Phone"},
                },
                "deals": {
                    "object": "Opportunity",
                    "columns": {
                        "source_id": "Id",
                        "company_source_id": "AccountId",
                        "deal_date": "CloseDate",
                        "stage": "StageName",
                        "amount": "Amount",
                        "loss_reason": "Loss_Reason__c",
                    },
                    "values": {"stage": {"Closed Won": "won", "Closed Lost": "lost"}},
                },
                **extra,
            },
        }
    )


def pull(fake: FakeSalesforce, state: Path | None = None) -> dict:
    return read_source(config(fake.url), Path("."), source="sfdc", state_dir=state)


def test_full_pull_follows_next_records_url(fake: FakeSalesforce) -> None:
    result = pull(fake)
    companies = result["companies"].rows
    assert len(companies) == 450 and result["companies"].rejects.empty
    assert fake.count("GET", "/query/01g") == 2  # 450 rows in pages of 200
    assert companies.loc[0].to_dict() == {
        "source_id": "001000000000000001",
        "name": "株式会社テスト1",
        "phone": "03-1234-0001",
        "row_ref": "Account:001000000000000001",
    }
    deals = result["deals"].rows
    assert set(deals["stage"]) == {"won", "lost"}
    assert deals.loc[1, "loss_reason"] == "価格"


def test_incremental_pull_fetches_only_changed_rows(fake: FakeSalesforce, tmp_path: Path) -> None:
    pull(fake, tmp_path)
    later = T0 + pd.Timedelta(days=30)
    fake.objects["Account"][4] |= {"Name": "株式会社テスト5改", "SystemModstamp": stamp(later)}
    fake.objects["Account"].append(
        {"Id": "001999", "Name": "新規商事", "Phone": None, "SystemModstamp": stamp(later)}
    )
    fake.requests.clear()
    rows = pull(fake, tmp_path)["companies"].rows
    assert "SystemModstamp > 2026-01-05T16:30:00Z" in fake.queries[-2]
    assert fake.count("GET", "/query/01g") == 0  # two changed rows: one page
    assert len(rows) == 451
    assert rows.set_index("source_id").loc["001000000000000005", "name"] == "株式会社テスト5改"


def test_429_storm_and_5xx_are_retried_honouring_retry_after(fake, caplog) -> None:
    next_page = lambda r: "/query/01g" in r.path  # noqa: E731
    storm = [Reply(429, [{"message": "busy", "errorCode": "REQUEST_LIMIT"}], {"Retry-After": "1"})]
    storm += [Reply(429, [{"message": "busy", "errorCode": "REQUEST_LIMIT"}]), Reply(503, b"")]
    fake.inject(next_page, *storm)
    with caplog.at_level(logging.WARNING, logger="connectors.http"):
        rows = pull(fake)["companies"].rows
    assert len(rows) == 450
    assert "retrying in 1.0s" in caplog.text
    assert fake.count("GET", "/query/01g") == 2 + 3


def test_expired_session_mid_pull_logs_in_again_once(fake: FakeSalesforce) -> None:
    fake.inject(lambda r: "/query/01g" in r.path, fake.expire_sessions)
    rows = pull(fake)["companies"].rows
    assert len(rows) == 450
    assert fake.logins == 2


def test_session_rejected_after_relogin_is_a_clear_error(fake: FakeSalesforce) -> None:
    dead = sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
    fake.inject(lambda r: "/query" in r.path, dead, dead)
    with pytest.raises(ConnectorError, match="credentials rejected.*INVALID_SESSION_ID"):
        pull(fake)


def test_bad_client_secret_names_the_secrets(fake, monkeypatch) -> None:
    monkeypatch.setenv("SF_CLIENT_SECRET", "wrong")
    with pytest.raises(ConnectorError, match="invalid_client.*check secrets") as error:
        pull(fake)
    assert "wrong" not in str(error.value)


def test_daily_limit_is_reported_not_retried(fake: FakeSalesforce) -> None:
    limit = sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    fake.inject(lambda r: "/query" in r.path, limit)
    with pytest.raises(ConnectorError, match="HTTP 403 .REQUEST_LIMIT_EXCEEDED"):
        pull(fake)
    assert fake.count("GET", "/query") == 1


def test_garbage_body_fails_clearly_and_keeps_previous_state(fake, tmp_path: Path) -> None:
    pull(fake, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    fake.inject(lambda r: "/query" in r.path, Reply(200, b"<html>Maintenance</html>"))
    with pytest.raises(ConnectorError, match=r"GET /services/data/v62.0/query.*not JSON.*Maint"):
        pull(fake, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_unknown_field_is_the_vendors_message(fake: FakeSalesforce) -> None:
    bad = config(fake.url).model_copy(deep=True)
    bad.entities["companies"].columns["phone"] = "Fax__c"
    with pytest.raises(ConnectorError, match="INVALID_FIELD: No such column 'Fax__c'"):
        read_source(bad, Path("."))
