"""Beyond one machine, on a small scale: the same `nightly` job on Celery workers.

A real `dagster-celery worker start` runs in a subprocess against the RabbitMQ broker
(127.0.0.1:5672, guest/guest, as in CI) and a Dagster instance in a throwaway PostgreSQL
database (docs/dagster.yaml, as in production). The job is the `nightly` job of
`build_definitions()` with `celery_executor` as its executor (pipelines/executors.py): only the
executor and the run config's `execution` block differ from the in-process run it is compared
with. The worker rebuilds the job from its code pointer with its own environment, reads and
writes intermediates in the instance's storage folder (the folder that, on several machines,
would be a shared volume) and publishes into the DuckDB warehouse; the run must succeed with
every step executed inside the worker's processes and publish exactly what an in-process run of
the same definitions publishes from the same sample.

Outside CI a missing broker skips the test; under CI=true it fails it, since a skip would hide
it (the same rule as for PostgreSQL in tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.definitions.reconstruct import ReconstructableJob

from pipelines.definitions import build_definitions
from pipelines.executors import celery_definitions, nightly_on_celery, worker_config_yaml
from pipelines.resources import DEFAULT_SOURCES, REPO_ROOT
from sampledata import generate
from tests.integration.harness import (
    AS_OF,
    build_defs,
    contents,
    read_tables,
    run_nightly,
    warehouse_url,
)
from warehouse.schema import TABLES, VIEWS

BROKER_URL = os.environ.get("HORIOKOSHI_TEST_BROKER_URL", "pyamqp://guest:guest@127.0.0.1:5672//")
INSTANCE_YAML = REPO_ROOT / "docs" / "dagster.yaml"
COMPANIES = 60  # the smallest sample sampledata makes: every step runs, on little data
WORKER_READY_SECONDS = 90
RUN_SECONDS = 300
STOP_SECONDS = 20


def require_broker() -> None:
    """Skip (fail under CI=true) unless the broker accepts a connection."""
    from kombu import Connection

    try:
        with Connection(BROKER_URL, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as error:  # kombu raises the transport's own errors
        message = f"RabbitMQ not reachable at {BROKER_URL}: {error!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def descendants(pid: int) -> set[int]:
    """The processes below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@dataclass
class Deployment:
    """One deployment of the celery executor on this machine."""

    root: Path
    sample: Path
    home: Path  # DAGSTER_HOME: dagster.yaml; storage/ holds the intermediates
    env: dict[str, str]  # what the worker and the launching process both see
    queue: str


@pytest.fixture
def deployment(
    tmp_path: Path, postgres_admin: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    """A sample, a Dagster home on a throwaway PostgreSQL database, and the environment."""
    require_broker()
    generate(tmp_path / "sample", n_companies=COMPANIES, seed=5, as_of=AS_OF)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
    database = f"hk_celery_{uuid.uuid4().hex[:12]}"
    autocommit = postgres_admin.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    url = postgres_admin.url
    queue = f"horiokoshi-test-{uuid.uuid4().hex[:12]}"
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": url.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": database,
        "DAGSTER_PG_USERNAME": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "HORIOKOSHI_SOURCES": str(DEFAULT_SOURCES),
        "HORIOKOSHI_DATA_DIR": str(tmp_path / "sample"),
        "HORIOKOSHI_WAREHOUSE_URL": warehouse_url(tmp_path / "celery"),
        # State kept between runs (API high-water marks, ...): the run's own, not the sample's.
        "HORIOKOSHI_STATE_DIR": str(tmp_path / "celery" / "state"),
        # The executor's settings (pipelines/executors.py); a queue of this test's own, so no
        # other worker on the broker takes its steps.
        "HORIOKOSHI_CELERY_BROKER_URL": BROKER_URL,
        "HORIOKOSHI_CELERY_QUEUE": queue,
    }
    (tmp_path / "celery").mkdir()
    # Nothing of the caller's own deployment may leak into the test's.
    for name in os.environ:
        if name.startswith("HORIOKOSHI_") and name != "HORIOKOSHI_TEST_BROKER_URL":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield Deployment(tmp_path, tmp_path / "sample", home, env, queue)
    with autocommit.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{database}" WITH (FORCE)')


@dataclass
class Worker:
    process: subprocess.Popen
    name: str  # the Celery hostname, name@host
    log: Path

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def stop(process: subprocess.Popen) -> None:
    """End the worker's process group (dagster-celery, then celery and its pool, which outlive
    their parent for a warm shutdown): TERM, and KILL whatever is left after STOP_SECONDS."""
    group = process.pid  # start_new_session: the group's id is the leader's pid
    for sig, wait in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, 5)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()  # reap the leader, or the group never empties
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            continue
        break
    process.wait(timeout=5)


def delete_queue(queue: str) -> None:
    from kombu import Connection

    try:
        with Connection(BROKER_URL, connect_timeout=5) as connection:
            channel = connection.default_channel
            channel.queue_delete(queue)
            channel.exchange_delete(queue)
    except Exception:  # best effort: an unused queue on a test broker harms nothing
        pass


@pytest.fixture
def worker(deployment: Deployment) -> Iterator[Worker]:
    """`dagster-celery worker start` in a subprocess, ready on the test's queue."""
    config = deployment.root / "celery.yaml"
    config.write_text(worker_config_yaml(), encoding="utf-8")  # the runs' broker and queue
    log = deployment.root / "worker.log"
    name = f"hk-{uuid.uuid4().hex[:8]}"
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("HORIOKOSHI_")}
    env.update(deployment.env)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # dagster-celery runs `celery`
    command = [
        str(bin_dir / "dagster-celery"),
        "worker",
        "start",
        "--app",
        "dagster_celery.app",
        "--config-yaml",
        str(config),
        "--queue",
        deployment.queue,
        "--name",
        name,
        "--loglevel",
        "INFO",
        "--",
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stop() reaches celery's pool
        )
    running = Worker(process, f"{name}@", log)
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while " ready." not in (log.read_text(encoding="utf-8", errors="replace")):
            if process.poll() is not None:
                pytest.fail(
                    f"the celery worker exited with {process.returncode} before it was ready:\n"
                    + running.tail()
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the celery worker was not ready within {WORKER_READY_SECONDS} s:\n"
                    + running.tail()
                )
            time.sleep(0.2)
        yield running
    finally:
        stop(process)
        delete_queue(deployment.queue)


def execute_with_timeout(
    job: ReconstructableJob, instance: dg.DagsterInstance, run_config: dict, worker: Worker
) -> dg.JobExecutionResult:
    """`dg.execute_job`, failing the test if the run has not ended after RUN_SECONDS (the
    celery executor waits for its tasks without a limit of its own)."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = dg.execute_job(job, instance, run_config=run_config)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, name="celery-run", daemon=True)
    thread.start()
    thread.join(RUN_SECONDS)
    if thread.is_alive():
        pytest.fail(
            f"the run on celery did not finish within {RUN_SECONDS} s; worker alive: "
            f"{worker.process.poll() is None}; worker log:\n{worker.tail()}"
        )
    if "error" in outcome:
        raise AssertionError(f"worker log:\n{worker.tail()}") from outcome["error"]
    return outcome["result"]  # type: ignore[return-value]


def failure_text(event: dg.DagsterEvent) -> str:
    error = getattr(event.event_specific_data, "error", None)
    return f"{event.step_key or 'run'}: {error.to_string() if error else event.message}"


def test_celery_definitions_differ_only_in_executor() -> None:
    """Configuration, not code: the same assets, checks and job; another executor."""
    plain, celery = build_definitions(DEFAULT_SOURCES), celery_definitions(DEFAULT_SOURCES)
    plain_job, celery_job = plain.resolve_job_def("nightly"), celery.resolve_job_def("nightly")
    assert set(celery.resolve_all_asset_keys()) == set(plain.resolve_all_asset_keys())
    assert celery.resolve_asset_graph().asset_check_keys == (
        plain.resolve_asset_graph().asset_check_keys
    )
    assert {n.name for n in celery_job.graph.nodes} == {n.name for n in plain_job.graph.nodes}
    assert plain_job.executor_def.name == "night_executor"
    assert celery_job.executor_def.name == "celery"


def test_nightly_on_celery_workers_publishes_what_in_process_publishes(
    deployment: Deployment, worker: Worker
) -> None:
    from dagster_postgres import PostgresRunStorage

    # The reference: the same definitions, in process, on the same sample.
    reference = deployment.root / "in_process"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HORIOKOSHI_STATE_DIR", str(reference / "state"))
        in_process = run_nightly(build_defs(deployment.sample, reference))
    assert in_process.success

    # The run config of the in-process run: nothing about the executor, as in a scheduled run.
    run_config = {"ops": {"customer_dormancy": {"config": {"as_of": AS_OF.isoformat()}}}}
    started = time.monotonic()
    with dg.DagsterInstance.from_config(str(deployment.home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        result = execute_with_timeout(
            dg.reconstructable(nightly_on_celery), instance, run_config, worker
        )
        failures = [
            failure_text(event)
            for event in result.all_events
            if event.is_step_failure or event.is_run_failure
        ]
        assert result.success, "\n".join([*failures, "worker log:", worker.tail()])
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        starts = [
            record.event_log_entry.dagster_event
            for record in instance.get_records_for_run(
                result.run_id, of_type=dg.DagsterEventType.STEP_START
            ).records
        ]
        delegated = [
            event
            for event in result.all_events
            if event.is_engine_event and "in celery worker" in (event.message or "")
        ]
    elapsed = time.monotonic() - started

    # Every step ran in the worker's process tree, none in this process.
    step_keys = {event.step_key for event in starts}
    assert step_keys == {event.step_key for event in in_process.all_events if event.is_step_start}
    assert len(starts) == len(step_keys)
    step_pids = {event.pid for event in starts}
    assert None not in step_pids and os.getpid() not in step_pids
    if Path("/proc/self/stat").exists():  # Linux, as in CI
        worker_pids = descendants(worker.process.pid)
        assert step_pids <= worker_pids, (step_pids, worker_pids)
    hosts = {str(event.engine_event_data.metadata["Celery worker"].value) for event in delegated}
    assert len(delegated) == len(step_keys) and all(h.startswith(worker.name) for h in hosts)
    # Intermediates went through the folder the worker shares: the instance's storage.
    stored = {path.name for path in (deployment.home / "storage").iterdir()}
    expected = {path.name for path in (reference / "storage").iterdir()}
    assert expected and expected <= stored, expected - stored

    # The same customers, ids, tiers and counts as the in-process run...
    celery = read_tables(deployment.root / "celery", "customers", "customer_source_map")
    local = read_tables(reference, "customers", "customer_source_map")
    tiers = {
        name: tables["customers"].set_index("customer_id")["tier"].sort_index()
        for name, tables in (("celery", celery), ("in process", local))
    }
    assert len(tiers["celery"]) == len(tiers["in process"]) >= COMPANIES * 0.8
    assert tiers["celery"].equals(tiers["in process"])
    assert tiers["celery"].value_counts().to_dict() == tiers["in process"].value_counts().to_dict()
    crosswalk = {
        name: tables["customer_source_map"]
        .set_index(["source", "source_id"])["customer_id"]
        .sort_index()
        for name, tables in (("celery", celery), ("in process", local))
    }
    assert crosswalk["celery"].equals(crosswalk["in process"])
    # ...and the whole warehouse equal, row for row, in every table and view.
    celery_tables = contents(deployment.env["HORIOKOSHI_WAREHOUSE_URL"])
    reference_tables = contents(warehouse_url(reference))
    for name in [*TABLES, *VIEWS]:
        assert celery_tables[name] == reference_tables[name], name
    print(f"celery run: {len(step_keys)} steps in {elapsed:.1f} s")
