"""Where the per-run HTML quality report lives, and how each check adds its section to it.

The report sits next to the warehouse: `<warehouse folder>/quality/<run_id>.html` for a DuckDB
file, otherwise $HORIOKOSHI_QUALITY_DIR (which also overrides the DuckDB default), else
`data/quality/`. Checks of one run may finish in parallel processes, so each writes its own
section file and then rebuilds the page under a file lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import sqlalchemy as sa

from cleansing.quality import SuiteOutcome, render_page, render_section
from pipelines.resources import REPO_ROOT


def report_dir(warehouse_url: str) -> Path:
    """The folder for quality reports of the warehouse at `warehouse_url`."""
    if override := os.environ.get("HORIOKOSHI_QUALITY_DIR"):
        return Path(override)
    url = sa.make_url(warehouse_url)
    if url.get_backend_name() == "duckdb" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "quality"
    return REPO_ROOT / "data" / "quality"


def write_section(directory: Path, run_id: str, position: int, outcome: SuiteOutcome) -> Path:
    """Store one suite's section (ordered by `position`) and rebuild the run's page."""
    parts = directory / run_id
    parts.mkdir(parents=True, exist_ok=True)
    (parts / f"{position:02d}_{outcome.suite}.html").write_text(
        render_section(outcome), encoding="utf-8"
    )
    page = directory / f"{run_id}.html"
    with (parts / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sections = [p.read_text(encoding="utf-8") for p in sorted(parts.glob("*.html"))]
        draft = page.with_suffix(".tmp")
        draft.write_text(render_page(run_id, sections), encoding="utf-8")
        draft.replace(page)
    return page
