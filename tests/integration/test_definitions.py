"""The definitions load the way `dagster dev` loads them: from workspace.yaml at the repo root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parents[2]


def test_dagster_definitions_validate_from_repo_root() -> None:
    cli = Path(sys.executable).with_name("dagster")
    done = subprocess.run(
        [str(cli), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful" in done.stdout + done.stderr


def test_nightly_schedule_runs_the_whole_graph_at_2am_tokyo() -> None:
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("nightly_at_2am_tokyo")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Tokyo"
    job = defs.resolve_job_def("nightly")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"raw_crm", "raw_sales_db", "raw_excel", "customer_dormancy"} <= keys
    assert "warehouse/customers" in keys
    assert isinstance(schedule, dg.ScheduleDefinition)


def test_sundays_run_a_full_night_and_steps_fork_from_a_preloaded_server() -> None:
    from pipelines.definitions import defs

    weekly = defs.resolve_schedule_def("full_night_sundays_3am_tokyo")
    assert weekly.cron_schedule == "0 3 * * 0" and weekly.execution_timezone == "Asia/Tokyo"
    request = weekly.evaluate_tick(dg.build_schedule_context())
    (run,) = request.run_requests
    assert run.run_config["resources"]["night"]["config"]["mode"] == "full"
    executor = defs.resolve_job_def("nightly").executor_def
    assert executor.name == "night_executor"
    config = executor.config_schema.config_type  # in_process / max_concurrent, defaults below
    assert set(config.fields) == {"in_process", "max_concurrent"}


def test_every_source_asset_declares_how_stale_it_may_be() -> None:
    from pipelines.definitions import defs

    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    for key in ("raw_crm", "raw_sales_db", "raw_excel"):
        policy = specs[key].freshness_policy
        assert policy is not None, key
        assert policy.fail_window.to_timedelta().total_seconds() == 26 * 3600


def test_published_tables_show_their_column_schema() -> None:
    from pipelines.definitions import defs

    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    schema = specs["warehouse/customers"].metadata["dagster/column_schema"]
    columns = {column.name: column.description for column in schema.columns}
    assert "tier" in columns and "休眠区分" in columns["tier"]
    assert all(spec.owners == ["team:data-engineering"] for spec in specs.values())
    assert all(spec.description for spec in specs.values())


def test_runs_allocate_arrow_memory_from_the_system_allocator() -> None:
    import pyarrow as pa

    import pipelines  # noqa: F401  the package sets the pool for every process running it

    assert pa.default_memory_pool().backend_name == "system"


def test_the_longest_source_read_starts_first() -> None:
    """sources.yaml's `priority` becomes the extract step's `dagster/priority`, which orders
    the steps waiting for a free process."""
    from pipelines.definitions import defs

    priority = {
        key: defs.resolve_assets_def(key).op.tags.get("dagster/priority")
        for key in ("raw_crm", "raw_sales_db", "raw_excel")
    }
    assert priority == {"raw_crm": "0", "raw_sales_db": "10", "raw_excel": "0"}
