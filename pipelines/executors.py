"""The same definitions on a distributed executor: steps on Celery workers (dagster-celery).

`build_definitions()` runs every job on `night_executor` (pipelines/schedules.py: a process per
step on the machine of the run, or a quiet night in one process). `celery_definitions()` returns
the very same assets, checks, job, schedules, sensors and resources with
`dagster_celery.celery_executor` as the executor of every job: a change of configuration, not of
asset code. The executor's own
configuration comes from the environment, so the 02:00 schedule's runs (which carry no run
config) reach the broker too:

- HORIOKOSHI_CELERY_BROKER_URL: the broker, e.g. pyamqp://horiokoshi:secret@mq.internal:5672//
  (resolved by Dagster when a run starts: the UI shows the variable's name, never the URL);
- HORIOKOSHI_CELERY_QUEUE: the Celery queue of this deployment's steps (default `horiokoshi`).

Workers take the same settings: `python -m pipelines.executors > celery.yaml`, then
`dagster-celery worker start -A dagster_celery.app -y celery.yaml -q <queue>`. They rebuild the
job from the run's code pointer (`pipelines.executors:celery_defs` in a workspace,
`nightly_on_celery` for `dg.reconstructable`), so they need this package installed, the
instance's dagster.yaml (PostgreSQL: docs/dagster.yaml), the deployment's environment
(HORIOKOSHI_*) and the IO manager's folder on storage that every worker shares.
See docs/nightly-at-scale.md, "Beyond one machine".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_celery import celery_executor

from pipelines.definitions import build_definitions

DEFAULT_QUEUE = "horiokoshi"


def celery_config() -> dict[str, Any]:
    """The executor's config: the runs' (through `configured`) and the workers' (`-y` file)."""
    return {
        "broker": {"env": "HORIOKOSHI_CELERY_BROKER_URL"},
        "backend": "rpc://",
        "config_source": {
            "task_default_queue": os.environ.get("HORIOKOSHI_CELERY_QUEUE", DEFAULT_QUEUE)
        },
    }


def celery_definitions(
    sources_file: Path | None = None, resources: dict[str, object] | None = None
) -> dg.Definitions:
    """`build_definitions(sources_file, resources)`, every job run by Celery workers."""
    executor = celery_executor.configured(celery_config(), name="celery")
    return build_definitions(sources_file, resources, executor=executor)


def celery_defs() -> dg.Definitions:
    """The deployment's definitions (resources from the environment) on Celery: the target of
    a code location (`python_module: {module_name: pipelines.executors, attribute:
    celery_defs}`); built when loaded, not when this module is imported."""
    return celery_definitions()


def nightly_on_celery() -> dg.JobDefinition:
    """The `nightly` job of `celery_defs()`, for `dg.reconstructable` (`execute_job`): every
    worker calls it again to rebuild the job, with its own environment."""
    return celery_defs().resolve_job_def("nightly")


def worker_config_yaml() -> str:
    """The `-y` file of `dagster-celery worker start`: the same broker and queue as the runs."""
    return yaml.safe_dump({"execution": {"config": celery_config()}}, sort_keys=False)


if __name__ == "__main__":
    sys.stdout.write(worker_config_yaml())
