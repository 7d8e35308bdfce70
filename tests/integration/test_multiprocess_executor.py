"""The schedule's way to run the night on one machine: `night_executor` forks every step from a
forkserver with the definitions preloaded. Same warehouse as an in-process run, steps in
processes of their own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from pipelines.resources import DEFAULT_SOURCES, REPO_ROOT
from pipelines.schedules import PRELOAD
from sampledata import generate
from tests.integration.harness import AS_OF, build_defs, contents, run_nightly, warehouse_url

COMPANIES = 60


def nightly() -> dg.JobDefinition:
    """The deployment's `nightly` job, rebuilt from the environment in every step process."""
    from pipelines.definitions import build_definitions

    return build_definitions().resolve_job_def("nightly")


def test_forked_steps_publish_what_an_in_process_run_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "sample", n_companies=COMPANIES, seed=5, as_of=AS_OF)
    reference = run_nightly(build_defs(tmp_path / "sample", tmp_path / "in_process"))
    assert reference.success
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    for name in [n for n in os.environ if n.startswith("HORIOKOSHI_")]:
        monkeypatch.delenv(name)
    env = {
        "DAGSTER_HOME": str(home),
        "HORIOKOSHI_SOURCES": str(DEFAULT_SOURCES),
        "HORIOKOSHI_DATA_DIR": str(tmp_path / "sample"),
        "HORIOKOSHI_STATE_DIR": str(tmp_path / "forked" / "state"),
        "HORIOKOSHI_WAREHOUSE_URL": warehouse_url(tmp_path / "forked"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(nightly),
            instance=instance,
            run_config={"ops": {"customer_dormancy": {"config": {"as_of": AS_OF.isoformat()}}}},
        )
        assert result.success
        pids = {
            event.pid
            for event in result.all_events
            if event.event_type == dg.DagsterEventType.STEP_START
        }
    assert os.getpid() not in pids and len(pids) > 1  # each step in a process of its own
    forked, in_process = (
        contents(env["HORIOKOSHI_WAREHOUSE_URL"]),
        contents(warehouse_url(tmp_path / "in_process")),
    )
    assert sum(forked["customers"].values()) > 0
    assert forked == in_process


# A step process builds the instance from its ref first thing; what that imports, the forkserver
# should have imported already (pipelines/step_preload.py).
INSTANCE_PROBE = """
import sys
import pipelines.step_preload
from dagster._core.instance.ref import InstanceRef
import dagster as dg
before = set(sys.modules)
with dg.DagsterInstance.from_ref(InstanceRef.from_dir(sys.argv[1])):
    pass
print(len(set(sys.modules) - before))
"""


def preload_leftovers(home: Path) -> int:
    """Modules building the instance at `home` still imports after the preload."""
    done = subprocess.run(
        [sys.executable, "-c", INSTANCE_PROBE, str(home)],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_the_forkserver_preloads_what_building_the_instance_imports(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    assert preload_leftovers(tmp_path / "home") < 30  # ~290 modules without the preload


def test_the_preload_covers_a_postgresql_instance(tmp_path: Path, dagster_database: sa.URL) -> None:
    """Production's instance (docs/dagster.yaml): its storage classes and driver come from
    dagster_postgres and psycopg."""
    (tmp_path / "home").mkdir()
    shutil.copy(REPO_ROOT / "docs" / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    assert preload_leftovers(tmp_path / "home") < 30


FREEZE_PROBE = """
import gc
import pipelines.step_preload
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_preload_freezes_its_objects_out_of_the_collectors_way() -> None:
    """The forkserver's last preload freezes what the preload created: a step's collections
    walk only the step's own objects."""
    assert PRELOAD[-1] == "pipelines.step_preload"  # so the freeze covers every preload
    done = subprocess.run(
        [sys.executable, "-c", FREEZE_PROBE], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    frozen, tracked = map(int, done.stdout.split())
    assert frozen > 100_000  # Dagster, pandas, the definitions
    assert tracked < 10_000  # what a collection still walks: the probe's own objects
