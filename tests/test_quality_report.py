"""The per-run HTML quality report: where it goes, what it shows, how sections assemble."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleansing.quality import ExpectationOutcome, GroupOutcome, SuiteOutcome
from pipelines.quality_report import report_dir, write_section
from pipelines.resources import REPO_ROOT


def outcome(suite: str, *, blocking: bool, success: bool) -> SuiteOutcome:
    failing = ExpectationOutcome(
        "expect_column_values_to_not_be_null(name)",
        success,
        unexpected_count=0 if success else 2,
        samples=() if success else ("name=None source_id=<script>",),
    )
    skipped = ExpectationOutcome("expect_table_row_count_to_be_between", None, note="skipped")
    group = GroupOutcome("names_present", "Names are filled", blocking, (failing, skipped))
    return SuiteOutcome(suite=suite, asset="staged_companies", rows=10, groups=(group,))


def test_report_dir_sits_beside_a_duckdb_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HORIOKOSHI_QUALITY_DIR", raising=False)
    assert report_dir("duckdb:////srv/bi/warehouse.duckdb") == Path("/srv/bi/quality")
    assert report_dir("postgresql+psycopg://bi:secret@db/dwh") == REPO_ROOT / "data" / "quality"
    monkeypatch.setenv("HORIOKOSHI_QUALITY_DIR", "/var/reports")
    assert report_dir("duckdb:////srv/bi/warehouse.duckdb") == Path("/var/reports")


def test_page_shows_status_severity_and_escaped_samples(tmp_path: Path) -> None:
    write_section(tmp_path, "run-1", 1, outcome("late", blocking=False, success=False))
    page = write_section(tmp_path, "run-1", 0, outcome("early", blocking=True, success=False))
    html = page.read_text(encoding="utf-8")
    assert page == tmp_path / "run-1.html"
    assert html.index('id="early"') < html.index('id="late"')
    assert "FAILED (blocks the load)" in html and ">warning<" in html
    assert "source_id=&lt;script&gt;" in html and "<script>" not in html
    assert "skipped" in html


def test_a_rerun_check_replaces_its_section(tmp_path: Path) -> None:
    write_section(tmp_path, "run-2", 0, outcome("names", blocking=True, success=False))
    page = write_section(tmp_path, "run-2", 0, outcome("names", blocking=True, success=True))
    html = page.read_text(encoding="utf-8")
    assert html.count('id="names"') == 1
    assert "FAILED" not in html and ">passed<" in html
