"""The dormancy report builder on a hand-made warehouse: what it reads, what the page says,
where the file goes. The browser test (tests/integration/test_report.py) checks the render."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from pipelines.assets.report import DEFAULT_REPORT_DIR, ReportConfig
from warehouse.publish import make_engine, publish
from warehouse.report import folder_beside, write_report
from warehouse.report.data import read_report_data
from warehouse.report.render import render_report

FIRST, LATER = dt.date(2026, 5, 1), dt.date(2026, 11, 1)
EVIL_NAME = "<b>株式会社テスト&</b>"


def customers(as_of: dt.date) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "name": ["稼働商事", EVIL_NAME, "休眠工業", "長期物産", "見込社", "予備軍電機"],
            "tier": ["active", "at_risk", "dormant", "long_dormant", "prospect", "at_risk"],
            "lifetime_amount": [1_000_000, 3_500_000, 200_000, 50_000, None, 700_000],
            "amount_12m": [400_000, 100_000, 0, 0, None, 0],
            "priority": [0, 85, 30, 10, 0, 40],
            "priority_rank": [None, 1, 3, 4, None, 2],
            "priority_reasons": [
                "ACTIVE",
                "AT_RISK,HIGH_PAST_SPEND,POSITIVE_LAST_DEAL",
                "DORMANT,SOME_FUTURE_SIGNAL",
                "LONG_DORMANT,LOST_TO_COMPETITOR",
                "PROSPECT",
                "AT_RISK",
            ],
            "last_purchase_date": pd.to_datetime(
                ["2026-10-01", "2026-03-01", "2025-09-01", "2023-01-01", None, "2026-04-01"]
            ),
            "recommended_action": ["継続", "メール", "キャンペーン", "情報提供", "育成", "メール"],
            "as_of_date": pd.Timestamp(as_of),
        }
    )


def history(dates: list[dt.date]) -> pd.DataFrame:
    first = pd.DataFrame(
        {
            "as_of_date": pd.Timestamp(FIRST),
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "tier": ["active", "active", "at_risk", "long_dormant", "prospect", "active"],
            "tier_change": "new",
        }
    )
    later = first.assign(
        as_of_date=pd.Timestamp(LATER),
        tier=["active", "at_risk", "dormant", "long_dormant", "prospect", "at_risk"],
        tier_change=[
            "unchanged",
            "newly_at_risk",
            "newly_dormant",
            "unchanged",
            "unchanged",
            "newly_at_risk",
        ],
    )
    return pd.concat([first, later][: len(dates)], ignore_index=True)


def warehouse(url: str, dates: list[dt.date]) -> None:
    engine = make_engine(url)
    try:
        publish(engine, {"customers": customers(dates[-1]), "dormancy_history": history(dates)})
    finally:
        engine.dispose()


@pytest.fixture
def duck_url(tmp_path: Path) -> str:
    url = f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    warehouse(url, [FIRST, LATER])
    return url


def report_data(url: str, top: int = 20):
    engine = make_engine(url)
    try:
        return read_report_data(engine, top=top)
    finally:
        engine.dispose()


def test_report_data_reads_the_published_tables(duck_url: str) -> None:
    data = report_data(duck_url, top=3)
    assert data.as_of == LATER and data.run_dates == [FIRST, LATER]
    tiers = data.tiers.set_index("tier")
    assert tiers["customers"].to_dict() == {
        "active": 1,
        "at_risk": 2,
        "dormant": 1,
        "long_dormant": 1,
        "prospect": 1,
    }
    assert tiers.at["at_risk", "lifetime_amount"] == 4_200_000
    assert tiers.at["prospect", "lifetime_amount"] == 0
    moves = data.changes.set_index(["as_of_date", "tier_change"])["customers"].to_dict()
    assert moves == {(LATER, "newly_at_risk"): 2, (LATER, "newly_dormant"): 1}
    assert list(data.targets["customer_id"]) == ["C2", "C6", "C3"]
    assert data.target_count == 4


def test_postgres_gives_the_same_report_data(duck_url: str, postgres_url: str) -> None:
    warehouse(postgres_url, [FIRST, LATER])
    duck, postgres = report_data(duck_url), report_data(postgres_url)
    assert (duck.as_of, duck.run_dates, duck.target_count) == (
        postgres.as_of,
        postgres.run_dates,
        postgres.target_count,
    )
    for name in ("tiers", "changes", "targets"):
        left, right = getattr(duck, name), getattr(postgres, name)
        pd.testing.assert_frame_equal(
            left.sort_values(list(left.columns[:2])).reset_index(drop=True),
            right.sort_values(list(right.columns[:2])).reset_index(drop=True),
            check_dtype=False,
        )


def test_the_page_is_self_contained_and_escapes_source_text(duck_url: str) -> None:
    page = render_report(report_data(duck_url))
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", page)
    assert "&lt;b&gt;株式会社テスト&amp;&lt;/b&gt;" in page and EVIL_NAME not in page
    assert '<html lang="ja">' in page and page.count("<svg") == 4


def test_reasons_read_in_japanese_and_unknown_codes_are_kept(duck_url: str) -> None:
    page = render_report(report_data(duck_url))
    assert "過去の取引額が大きい" in page and "前回商談が前向き" in page
    assert '<span class="reason" title="SOME_FUTURE_SIGNAL">SOME_FUTURE_SIGNAL</span>' in page
    assert 'data-reasons="AT_RISK,HIGH_PAST_SPEND,POSITIVE_LAST_DEAL"' in page


def test_a_first_run_date_says_there_is_nothing_to_compare(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    warehouse(url, [FIRST])
    page = render_report(report_data(url))
    assert "比較対象がありません" in page
    assert '<g class="column" data-key="2026-05-01" data-value="0">' in page


def test_the_report_is_named_by_run_date_beside_a_duckdb_warehouse(duck_url: str) -> None:
    folder = folder_beside(duck_url)
    engine = make_engine(duck_url)
    try:
        report = write_report(engine, folder)
    finally:
        engine.dispose()
    assert report.path == Path(duck_url.removeprefix("duckdb:///")).parent / "reports" / (
        "dormancy_2026-11-01.html"
    )
    assert report.path.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [p.name for p in folder.iterdir()] == [report.path.name]


def test_an_empty_warehouse_is_refused_with_a_reason(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    engine = make_engine(url)
    try:
        publish(engine, {})
        with pytest.raises(ValueError, match="run the pipeline first"):
            read_report_data(engine)
    finally:
        engine.dispose()


def test_report_folder_config_env_then_beside_duckdb_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    duck = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    postgres = "postgresql+psycopg://hk:secret@127.0.0.1:5432/hk"
    monkeypatch.delenv("HORIOKOSHI_REPORT_DIR", raising=False)
    assert ReportConfig().report_dir(duck) == tmp_path / "reports"
    assert ReportConfig().report_dir(postgres) == DEFAULT_REPORT_DIR
    monkeypatch.setenv("HORIOKOSHI_REPORT_DIR", str(tmp_path / "shared"))
    assert ReportConfig().report_dir(postgres) == tmp_path / "shared"
    assert ReportConfig(folder=str(tmp_path / "mine")).report_dir(duck) == tmp_path / "mine"
