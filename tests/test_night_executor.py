"""The nightly schedule runs a quiet night in one process and any other night with a process
per step, deciding as the run's night resource will: by the committed night it builds on."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.night_store import REQUIRED
from pipelines.resources import NightResource, SourcesResource, WarehouseResource
from pipelines.schedules import nightly_schedule, weekly_full_schedule


def in_process(schedule: dg.ScheduleDefinition, resources: dict[str, object]) -> bool:
    context = dg.build_schedule_context(resources=resources)
    (run,) = schedule.evaluate_tick(context).run_requests
    return run.run_config["execution"]["config"]["in_process"]


def test_a_night_that_builds_on_a_committed_one_runs_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HORIOKOSHI_STATE_DIR", raising=False)
    sources = SourcesResource(data_dir=str(tmp_path / "data"))
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path}/warehouse.duckdb")
    resources = {"night": NightResource(), "sources": sources, "warehouse": warehouse}
    assert not in_process(nightly_schedule, resources)  # the first night is a full one

    store, incremental = NightResource().open("first-night", sources, warehouse)
    assert not incremental
    for step in REQUIRED:
        store.set_value(step, "done")
    assert store.commit()
    assert in_process(nightly_schedule, resources)

    # the same night forced full, and a night of another warehouse: a process per step
    assert not in_process(nightly_schedule, resources | {"night": NightResource(mode="full")})
    elsewhere = WarehouseResource(url=f"duckdb:///{tmp_path}/other.duckdb")
    assert not in_process(nightly_schedule, resources | {"warehouse": elsewhere})
    assert not in_process(weekly_full_schedule, resources)
    # an unreadable sources file: the run is launched, and fails in its first step saying so
    missing = SourcesResource(config_path=str(tmp_path / "none.yaml"), data_dir=sources.data_dir)
    assert not in_process(nightly_schedule, resources | {"sources": missing})
