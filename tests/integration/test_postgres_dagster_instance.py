"""docs/dagster.yaml, as documented: a Dagster instance whose runs, event logs and schedule
ticks live in PostgreSQL, with every connection setting taken from the environment."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

INSTANCE_YAML = Path(__file__).resolve().parents[2] / "docs" / "dagster.yaml"


@pytest.fixture
def dagster_database(postgres_admin: sa.Engine, monkeypatch) -> Iterator[sa.URL]:
    """A throwaway database, and the DAGSTER_PG_* variables that point at it."""
    name = f"hk_dagster_{uuid.uuid4().hex[:12]}"
    autocommit = postgres_admin.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = postgres_admin.url.set(database=name)
    for variable, value in {
        "DAGSTER_PG_HOST": url.host,
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": name,
        "DAGSTER_PG_USERNAME": url.username,
        "DAGSTER_PG_PASSWORD": url.password or "",
    }.items():
        monkeypatch.setenv(variable, value)
    yield url
    with autocommit.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@dg.asset
def probe() -> int:
    return 1


def test_instance_stores_runs_events_and_schedules_in_postgres(
    dagster_database: sa.URL, tmp_path: Path
) -> None:
    shutil.copy(INSTANCE_YAML, tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        storages = [instance.run_storage, instance.event_log_storage, instance.schedule_storage]
        assert [type(s).__name__ for s in storages] == [
            "PostgresRunStorage",
            "PostgresEventLogStorage",
            "PostgresScheduleStorage",
        ]
        result = dg.materialize([probe], instance=instance)
        assert result.success
        assert instance.get_latest_materialization_event(dg.AssetKey("probe")) is not None
    finally:
        instance.dispose()
    engine = sa.create_engine(dagster_database)
    try:
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT run_id, status FROM runs").all()
    finally:
        engine.dispose()
    assert stored == [(result.run_id, "SUCCESS")]
