"""docs/dagster.yaml, as documented: a Dagster instance whose runs, event logs and schedule
ticks live in PostgreSQL, with every connection setting taken from the environment."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

INSTANCE_YAML = Path(__file__).resolve().parents[2] / "docs" / "dagster.yaml"


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
