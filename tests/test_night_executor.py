"""The nightly schedule runs a quiet night in one process and any other night with a process
per step, deciding as the run's night resource will: by the committed night it builds on. On
another executor (Celery, configured once, whose runs take no executor config) it requests
none."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from pipelines.resources import NightResource, SourcesResource, WarehouseResource
from tests.nights import commit_a_night

NIGHTLY = "nightly_at_2am_tokyo"


def run_config(defs: dg.Definitions, schedule: str, resources: dict[str, object]) -> dict:
    """The run config `schedule` requests now, checked against the job's config schema."""
    context = dg.build_schedule_context(resources=resources)
    (run,) = defs.resolve_schedule_def(schedule).evaluate_tick(context).run_requests
    job = defs.resolve_job_def("nightly")
    dg.validate_run_config(job, run.run_config)  # raises when invalid (on night_executor)
    return run.run_config


def in_process(defs: dg.Definitions, resources: dict[str, object]) -> bool:
    config = run_config(defs, NIGHTLY, resources).get("execution", {}).get("config", {})
    return config.get("in_process", False)


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.delenv("HORIOKOSHI_STATE_DIR", raising=False)
    return {
        "night": NightResource(),
        "sources": SourcesResource(data_dir=str(tmp_path / "data")),
        "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path}/warehouse.duckdb"),
    }


def test_a_night_that_builds_on_a_committed_one_runs_in_one_process(
    deployment: dict[str, object], tmp_path: Path
) -> None:
    defs = build_definitions(resources=deployment)
    assert not in_process(defs, deployment)  # the first night is a full one
    commit_a_night(deployment["sources"], deployment["warehouse"])
    assert in_process(defs, deployment)

    # the same night forced full, and a night of another warehouse: a process per step
    assert not in_process(defs, deployment | {"night": NightResource(mode="full")})
    elsewhere = WarehouseResource(url=f"duckdb:///{tmp_path}/other.duckdb")
    assert not in_process(defs, deployment | {"warehouse": elsewhere})
    assert "execution" not in run_config(defs, "full_night_sundays_3am_tokyo", deployment)
    # an unreadable sources file or manifest: the run is launched, and fails in its first step
    # saying so (a failed tick would launch nothing, and no failure alert would go out)
    missing = SourcesResource(config_path=str(tmp_path / "none.yaml"), data_dir=str(tmp_path))
    assert not in_process(defs, deployment | {"sources": missing})
    (manifest,) = (tmp_path / "data" / ".state" / "_night").glob("current-*.json")
    manifest.write_text('{"fingerprint": ', encoding="utf-8")
    assert not in_process(defs, deployment)


def test_on_celery_the_schedule_leaves_the_executor_config_alone(
    deployment: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.executors import celery_definitions

    monkeypatch.setenv("HORIOKOSHI_CELERY_BROKER_URL", "pyamqp://guest@127.0.0.1:5672//")
    defs = celery_definitions(resources=deployment)
    commit_a_night(deployment["sources"], deployment["warehouse"])
    assert run_config(defs, NIGHTLY, deployment) == {}
