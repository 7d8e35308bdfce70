"""Shared helpers for running the whole Dagster graph in process on generated sample data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.definitions import build_definitions
from pipelines.io_manager import FrameIOManager
from pipelines.resources import DEFAULT_SOURCES, SourcesResource, WarehouseResource
from warehouse.publish import make_engine, read_table
from warehouse.schema import TABLES, VIEWS

AS_OF = dt.date(2026, 11, 23)


def warehouse_url(root: Path) -> str:
    return f"duckdb:///{root / 'warehouse.duckdb'}"


def build_defs(sample: Path, root: Path) -> dg.Definitions:
    """Definitions reading the sample in `sample` and writing everything under `root`."""
    return build_definitions(
        DEFAULT_SOURCES,
        {
            "sources": SourcesResource(config_path=str(DEFAULT_SOURCES), data_dir=str(sample)),
            "warehouse": WarehouseResource(url=warehouse_url(root)),
            "io_manager": FrameIOManager(base_dir=str(root / "storage")),
        },
    )


def run_nightly(
    defs: dg.Definitions,
    as_of: dt.date = AS_OF,
    instance: dg.DagsterInstance | None = None,
    night_mode: str | None = None,
    **dormancy_config: str,
) -> dg.ExecuteInProcessResult:
    """One run of the nightly job; `dormancy_config` adds e.g. rules_path; `night_mode`
    (auto, full, incremental) configures the night resource."""
    config = {"as_of": as_of.isoformat(), **dormancy_config}
    run_config: dict[str, object] = {"ops": {"customer_dormancy": {"config": config}}}
    if night_mode:
        run_config["resources"] = {"night": {"config": {"mode": night_mode}}}
    return defs.resolve_job_def("nightly").execute_in_process(
        run_config=run_config,
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def read_tables(root: Path, *names: str) -> dict[str, pd.DataFrame]:
    engine = make_engine(warehouse_url(root))
    try:
        return {name: read_table(engine, name) for name in names}
    finally:
        engine.dispose()


def contents(url: str) -> dict[str, Counter]:
    """Every published table and view, as a multiset of rows: two warehouses compared whole."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: Counter(tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"'))
                for name in [*TABLES, *VIEWS]
            }
    finally:
        engine.dispose()
