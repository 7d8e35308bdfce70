"""HubSpot connector (real httpx/tenacity client code) against the local fake."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from connectors import ConnectorError, read_source
from connectors.base import SourceConfig
from tests.fakes.hubspot import FakeHubSpot, hs_time, rate_limited
from tests.fakes.server import Reply

T0 = pd.Timestamp("2026-02-01 00:00", tz="UTC")


def company(i: int, modified: pd.Timestamp) -> dict:
    return {
        "id": str(i),
        "properties": {
            "name": f"テスト工業{i}",
            "phone": f"06-6000-{i:04d}",
            "createdate": hs_time(T0),
            "hs_lastmodifieddate": hs_time(modified),
            "hs_object_id": str(i),
        },
    }


def companies(n: int, start: int = 1, at: pd.Timestamp = T0) -> list[dict]:
    return [company(i, at + pd.Timedelta(seconds=i)) for i in range(start, start + n)]


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-static")
    with FakeHubSpot({"companies": companies(250)}) as server:
        yield server


COLUMNS = {"source_id": "id", "name": "name", "phone": "phone"}


def config_dict(url: str, secrets: dict | None = None) -> dict:
    return {
        "kind": "hubspot",
        "url": url,
        "secrets": secrets or {"access_token": "HUBSPOT_TOKEN"},
        "backoff_seconds": 0.01,
        "entities": {"companies": {"object": "companies", "columns": COLUMNS}},
    }


def config(url: str, secrets: dict | None = None) -> SourceConfig:
    return SourceConfig.model_validate(config_dict(url, secrets))


def pull(fake: FakeHubSpot, state: Path | None = None, **kw) -> pd.DataFrame:
    result = read_source(config(fake.url, **kw), Path("."), source="hs", state_dir=state)
    return result["companies"].rows


def test_full_pull_pages_to_the_end(fake: FakeHubSpot) -> None:
    rows = pull(fake)
    assert len(rows) == 250 and rows["source_id"].is_unique
    assert fake.count("GET", "/crm/v3/objects/companies") == 3  # pages of 100
    assert rows.loc[249].to_dict() == {
        "source_id": "250",
        "name": "テスト工業250",
        "phone": "06-6000-0250",
        "row_ref": "companies:250",
    }


def test_incremental_pull_searches_changed_rows_only(fake: FakeHubSpot, tmp_path: Path) -> None:
    pull(fake, tmp_path)
    later = T0 + pd.Timedelta(days=3)
    fake.objects["companies"][9] = company(10, later) | {
        "properties": {**company(10, later)["properties"], "name": "テスト工業10（新）"}
    }
    fake.objects["companies"].append(company(999, later))
    rows = pull(fake, tmp_path)
    assert fake.count("POST", "/search") == 1
    mark = fake.searches[0]["filterGroups"][0]["filters"][0]["value"]
    assert pd.Timestamp(int(mark), unit="ms", tz="UTC") == T0 + pd.Timedelta(seconds=250)
    assert len(rows) == 251
    assert rows.set_index("source_id").loc["10", "name"] == "テスト工業10（新）"


def test_429s_with_and_without_retry_after_and_5xx_are_retried(fake, caplog) -> None:
    page_2 = lambda r: r.arg("after") == "100"  # noqa: E731
    fake.inject(page_2, rate_limited("1"), rate_limited(None), rate_limited(None), Reply(502, b""))
    with caplog.at_level(logging.WARNING, logger="connectors.http"):
        rows = pull(fake)
    assert len(rows) == 250
    assert "retrying in 1.0s" in caplog.text
    assert sum(r.arg("after") == "100" for r in fake.requests) == 5


def test_too_many_429s_give_up_with_a_clear_error(fake: FakeHubSpot) -> None:
    fake.inject(lambda r: True, *[rate_limited(None)] * 6)
    with pytest.raises(ConnectorError, match=r"HTTP 429 \(RATE_LIMITS.*gave up after 6 attempts"):
        pull(fake)


def test_oauth_token_revoked_mid_pull_is_refreshed(fake, monkeypatch) -> None:
    for name, value in {"HS_ID": "id", "HS_SECRET": "s", "HS_REFRESH": "refresh-1"}.items():
        monkeypatch.setenv(name, value)
    secrets = {"client_id": "HS_ID", "client_secret": "HS_SECRET", "refresh_token": "HS_REFRESH"}
    fake.inject(lambda r: r.arg("after") == "200", fake.revoke_tokens)
    rows = pull(fake, secrets=secrets)
    assert len(rows) == 250
    assert fake.token_grants == 2


def test_bad_token_is_a_clear_error_without_the_token(fake, monkeypatch) -> None:
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-wrong-secret")
    with pytest.raises(ConnectorError, match="credentials rejected.*INVALID_AUTHENTICATION") as e:
        pull(fake)
    assert "pat-wrong-secret" not in str(e.value)


def test_garbage_body_fails_clearly(fake: FakeHubSpot) -> None:
    fake.inject(lambda r: r.arg("after") == "100", Reply(200, b"\x00\xffnot json"))
    with pytest.raises(ConnectorError, match="GET /crm/v3/objects/companies.*not JSON"):
        pull(fake)


def test_search_window_moves_past_10000_results(fake: FakeHubSpot, tmp_path: Path) -> None:
    fake.objects["companies"] = companies(5)
    pull(fake, tmp_path)
    burst = T0 + pd.Timedelta(days=1)
    fake.objects["companies"] += [
        company(i, burst + pd.Timedelta(milliseconds=i)) for i in range(100, 10_400)
    ]
    rows = pull(fake, tmp_path)
    assert len(rows) == 5 + 10_300 and rows["source_id"].is_unique
    starts = {s["filterGroups"][0]["filters"][0]["value"] for s in fake.searches}
    assert len(starts) == 2  # the date window moved once
    assert max(int(s.get("after", 0)) for s in fake.searches) < 10_000


def test_unreachable_service_fails_after_its_retries(monkeypatch) -> None:
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-static")
    with FakeHubSpot({}) as closed:
        url = closed.url  # the port is free again once the fake has stopped
    config = SourceConfig.model_validate(
        {
            **config_dict(url),
            "max_attempts": 2,
            "timeout_seconds": 2,
        }
    )
    with pytest.raises(
        ConnectorError, match=r"GET /crm/v3/objects/companies: cannot connect.*2 attempts"
    ):
        read_source(config, Path("."))


def test_record_without_id_is_rejected_with_its_place(fake: FakeHubSpot) -> None:
    fake.objects["companies"][3] = company(4, T0) | {"id": None}
    result = read_source(config(fake.url), Path("."), source="hs")["companies"]
    assert len(result.rows) == 249 and result.rows_read == 250
    reject = result.rejects.iloc[0]
    assert (reject["source"], reject["reason"]) == ("hs", "record_id_missing")
    assert reject["location"] == "companies:record 4 of this pull"
    assert "テスト工業4" in reject["raw"]
