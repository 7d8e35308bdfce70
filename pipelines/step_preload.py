"""What the forkserver of the nightly job imports once, so that no step process forked from it
imports it again (pipelines/schedules.py).

A step process spends its first half second building the Dagster instance from the run's
`InstanceRef`: that imports the storage, compute-log, launcher, coordinator and scheduler
classes the instance's dagster.yaml names and their drivers (SQLite storage pulls in alembic and
mako, PostgreSQL psycopg, the compute logs watchdog, the daemon's scheduler structlog and rich),
~290 modules the definitions alone never touch. Thirteen steps paid for them one by one. The
forkserver builds the same instance once and closes it (its storages hold no connection open),
so the modules are its own and every step forked from it starts with them.

It imports Great Expectations as the checks do (cleansing/quality/engine.py: SciPy's
statistics deferred), so that the check steps find it imported.

Last, the preloaded objects (~380k: Dagster, pandas, Great Expectations, the definitions) are
frozen out of the cyclic garbage collector's reach (`gc.freeze`, for pre-fork servers): a step
that creates many containers (clustering's union-find sets) otherwise pays full collections
that walk all of them, and each walk writes to pages the fork shares. Matching's clustering
at 1M records: 1.0 -> 0.6 s. The forkserver imports this module after the others (PRELOAD
in pipelines/schedules.py) so that the freeze covers them.
"""

import gc
import os

import dagster as dg
import duckdb_engine  # noqa: F401  the default warehouse's SQLAlchemy dialect
import tabulate  # noqa: F401  check metadata tables (DataFrame.to_markdown)
from dagster._core.instance.ref import InstanceRef

from cleansing.quality import import_engine


def build_instance_once() -> None:
    """Build and close the instance of $DAGSTER_HOME. A preload only saves time: when the
    instance cannot be built here (no folder, a bad dagster.yaml, its database down), the
    step processes build it themselves and report the error as Dagster does."""
    home = os.environ.get("DAGSTER_HOME", "")
    if not os.path.isdir(home):
        return
    try:
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home)):
            pass
    except Exception:  # noqa: BLE001  the steps meet the same error and report it
        return


def freeze_preloaded_objects() -> None:
    """Collect the preload's garbage, then move every object left to the permanent
    generation, which collections skip."""
    gc.collect()
    gc.freeze()


def import_checks_engine() -> None:
    """Great Expectations, for the check steps. A failure here is the checks' to report: they
    meet it again, and the freeze still happens."""
    try:
        import_engine()
    except Exception:  # noqa: BLE001
        return


build_instance_once()
import_checks_engine()
freeze_preloaded_objects()
