"""The whole nightly job into PostgreSQL publishes exactly what it publishes into DuckDB."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.resources import DEFAULT_SOURCES, SourcesResource, WarehouseResource
from sampledata import generate
from sampledata.changes import apply_changes
from tests.integration.harness import contents
from warehouse.schema import TABLES, VIEWS

AS_OF = dt.date(2026, 11, 23)
COMPANIES = 300


def run_nightly(sample: Path, storage: Path, warehouse_url: str) -> None:
    defs = build_definitions(
        DEFAULT_SOURCES,
        {
            "sources": SourcesResource(config_path=str(DEFAULT_SOURCES), data_dir=str(sample)),
            "warehouse": WarehouseResource(url=warehouse_url),
            "io_manager": dg.FilesystemIOManager(base_dir=str(storage)),
        },
    )
    result = defs.resolve_job_def("nightly").execute_in_process(
        run_config={"ops": {"customer_dormancy": {"config": {"as_of": AS_OF.isoformat()}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success


def test_postgres_warehouse_equals_duckdb_row_for_row(tmp_path: Path, postgres_url: str) -> None:
    generate(tmp_path / "sample", n_companies=COMPANIES, seed=11, as_of=AS_OF)
    duck_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    run_nightly(tmp_path / "sample", tmp_path / "duck", duck_url)
    run_nightly(tmp_path / "sample", tmp_path / "postgres", postgres_url)
    duck, postgres = contents(duck_url), contents(postgres_url)
    assert sum(duck["customers"].values()) >= COMPANIES * 0.9
    assert sum(duck["transactions"].values()) > 0 and sum(duck["quarantine"].values()) > 0
    for name in [*TABLES, *VIEWS]:
        assert duck[name] == postgres[name], name
    run_nightly(tmp_path / "sample", tmp_path / "postgres", postgres_url)  # re-run: replaces
    again = contents(postgres_url)
    assert {n: sum(rows.values()) for n, rows in again.items()} == {
        n: sum(rows.values()) for n, rows in postgres.items()
    }


def test_incremental_night_on_postgres_equals_the_same_night_on_duckdb(
    tmp_path: Path, postgres_url: str
) -> None:
    """The incremental publish (deletes, replaced rows, facts following moved records) in
    PostgreSQL's SQL gives what DuckDB's gives; test_incremental_night.py shows DuckDB's
    equals a full re-run."""
    sample = tmp_path / "sample"
    generate(sample, n_companies=COMPANIES, seed=11, as_of=AS_OF)
    duck_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    deployments = ((duck_url, tmp_path / "duck"), (postgres_url, tmp_path / "postgres"))
    for url, storage in deployments:
        run_nightly(sample, storage, url)
    apply_changes(sample, fraction=0.03, seed=3, as_of=AS_OF)
    deals = sample / "crm" / "deals.csv"
    lines = deals.read_text(encoding="utf-8-sig").splitlines(True)
    header, first = next(csv.reader(lines[:1])), next(csv.reader(lines[1:2]))
    gone = first[header.index("商談ID")]
    assert gone in {row[1] for row in contents(postgres_url)["deals"]}
    deals.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8-sig")  # deleted in the CRM
    for url, storage in deployments:
        run_nightly(sample, storage, url)
    assert len(list((sample / ".state" / "_night").glob("current-*.json"))) == 2
    duck, postgres = contents(duck_url), contents(postgres_url)
    for name in [*TABLES, *VIEWS]:
        assert duck[name] == postgres[name], name
    assert sum(postgres["deals"].values()) > 0
    assert gone not in {row[1] for row in postgres["deals"]}  # rows: (source, source_id, ...)
