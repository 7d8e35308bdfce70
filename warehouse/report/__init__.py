"""The dormancy report for sales managers: one self-contained HTML file per run date,
built from the published warehouse (tables and views) so it shows what BI tools see."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.report.data import ReportData, read_report_data
from warehouse.report.render import render_report


@dataclass(frozen=True)
class Report:
    path: Path
    data: ReportData


def folder_beside(warehouse_url: str) -> Path | None:
    """`reports/` beside a DuckDB warehouse file; None for a server (PostgreSQL), which has
    no folder of its own."""
    url = sa.make_url(warehouse_url)
    if url.get_backend_name() != "duckdb" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve().parent / "reports"


def write_report(engine: Engine, folder: Path, top: int = 20) -> Report:
    """Write `dormancy_<as_of>.html` into `folder`; readers never see a half-written file."""
    data = read_report_data(engine, top=top)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dormancy_{data.as_of.isoformat()}.html"
    partial = path.with_suffix(".html.partial")
    partial.write_text(render_report(data), encoding="utf-8")
    os.replace(partial, path)
    return Report(path, data)
