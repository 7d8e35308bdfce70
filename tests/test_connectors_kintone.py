"""kintone connector (real httpx/tenacity client code) against the local fake."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import pytest

from connectors import ConnectorError, read_source
from connectors.base import SourceConfig
from tests.fakes.kintone import FakeKintone
from tests.fakes.server import Reply

T0 = pd.Timestamp("2026-03-01 00:00", tz="UTC")
APP = 7


def record(i: int, modified: pd.Timestamp, name: str | None = None) -> dict:
    return {
        "$id": {"type": "__ID__", "value": str(i)},
        "$revision": {"type": "__REVISION__", "value": "1"},
        "顧客名": {"type": "SINGLE_LINE_TEXT", "value": name or f"有限会社キントーン{i}"},
        "資本金": {"type": "NUMBER", "value": str(1_000_000 * i)},
        "担当者": {"type": "USER_SELECT", "value": [{"code": "sato", "name": "佐藤"}]},
        "更新日時": {"type": "UPDATED_TIME", "value": modified.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("KINTONE_TOKEN", "tok")
    apps = {APP: [record(i, T0 + pd.Timedelta(minutes=i)) for i in range(1, 1235)]}
    with FakeKintone(apps) as server:
        yield server


def pull(fake: FakeKintone, state: Path | None = None) -> pd.DataFrame:
    config = SourceConfig.model_validate(
        {
            "kind": "kintone",
            "url": fake.url,
            "secrets": {"api_token": "KINTONE_TOKEN"},
            "backoff_seconds": 0.01,
            "entities": {
                "companies": {
                    "app": APP,
                    "columns": {"source_id": "$id", "name": "顧客名", "capital_yen": "資本金"},
                }
            },
        }
    )
    return read_source(config, Path("."), source="kt", state_dir=state)["companies"].rows


def test_full_pull_reads_the_cursor_to_the_end(fake: FakeKintone) -> None:
    rows = pull(fake)
    assert len(rows) == 1234 and rows["source_id"].is_unique
    assert fake.count("POST", "/cursor.json") == 1 and fake.count("GET", "/cursor.json") == 3
    assert fake.cursors == {}  # read to the end: kintone deletes it
    assert rows.loc[1].to_dict() == {
        "source_id": "2",
        "name": "有限会社キントーン2",
        "capital_yen": "2000000",
        "row_ref": "app7:2",
    }


def test_incremental_pages_by_id_without_offset(fake: FakeKintone, tmp_path: Path) -> None:
    pull(fake, tmp_path)
    later = T0 + pd.Timedelta(days=10)
    for i in range(100, 700):
        fake.apps[APP][i - 1] = record(i, later, name=f"株式会社更新{i}")
    rows = pull(fake, tmp_path)
    queries = [r.arg("query") for r in fake.requests if r.path == "/k/v1/records.json"]
    assert queries[0] == (
        '更新日時 >= "2026-03-01T20:34:00Z" and $id > 0 order by $id asc limit 500'
    )
    assert "$id > 599 " in queries[1] and len(queries) == 2
    assert not any("offset" in q for q in queries)
    assert len(rows) == 1234
    assert rows.set_index("source_id").loc["699", "name"] == "株式会社更新699"


def test_429_and_5xx_on_the_cursor_are_retried(fake: FakeKintone, caplog) -> None:
    busy = Reply(429, {"code": "CB_TO01", "id": "x", "message": "同時リクエスト数の上限"})
    get = lambda r: r.method == "GET"  # noqa: E731
    fake.inject(get, busy, Reply(429, busy.body, {"Retry-After": "1"}), Reply(503, b""))
    with caplog.at_level(logging.WARNING, logger="connectors.http"):
        rows = pull(fake)
    assert len(rows) == 1234
    assert "retrying in 1.0s" in caplog.text


def test_rotated_token_after_401_mid_pull_is_read_again(fake: FakeKintone) -> None:
    def rotate(_request) -> None:
        fake.token = "tok-2"
        os.environ["KINTONE_TOKEN"] = "tok-2"  # restored by monkeypatch in the fixture

    fake.inject(lambda r: r.method == "GET", lambda r: None, rotate)  # on the second page
    rows = pull(fake)
    assert len(rows) == 1234
    sent = [r.headers["x-cybozu-api-token"] for r in fake.requests]
    assert sent == ["tok", "tok", "tok", "tok-2", "tok-2"]  # POST, GET, GET 401, retry, GET


def test_bad_token_is_a_clear_error(fake: FakeKintone, monkeypatch) -> None:
    monkeypatch.setenv("KINTONE_TOKEN", "nope")
    with pytest.raises(ConnectorError, match="credentials rejected.*CB_WA01"):
        pull(fake)


def test_garbage_body_fails_clearly_and_releases_the_cursor(fake: FakeKintone) -> None:
    fake.inject(lambda r: r.method == "GET", Reply(200, {"records": "oops"}))
    with pytest.raises(ConnectorError, match="GET /k/v1/records/cursor.json.*no list 'records'"):
        pull(fake)
    assert len(fake.deleted) == 1 and fake.cursors == {}
