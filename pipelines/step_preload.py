"""What the forkserver of the nightly job imports once, so that no step process forked from it
imports it again (pipelines/schedules.py).

A step process spends its first half second building the Dagster instance from the run's
`InstanceRef`: that imports the storage, compute-log, launcher, coordinator and scheduler
classes the instance's dagster.yaml names and their drivers (SQLite storage pulls in alembic and
mako, PostgreSQL psycopg, the compute logs watchdog, the daemon's scheduler structlog and rich),
~290 modules the definitions alone never touch. Thirteen steps paid for them one by one. The
forkserver builds the same instance once and closes it (its storages hold no connection open),
so the modules are its own and every step forked from it starts with them.
"""

import os

import dagster as dg
import duckdb_engine  # noqa: F401  the default warehouse's SQLAlchemy dialect
import great_expectations  # noqa: F401  the check steps' suites
import tabulate  # noqa: F401  check metadata tables (DataFrame.to_markdown)
from dagster._core.instance.ref import InstanceRef

import pipelines.definitions  # noqa: F401

# Without an instance folder there is nothing to build (and the run itself will say so).
if os.path.isdir(os.environ.get("DAGSTER_HOME", "")):
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(os.environ["DAGSTER_HOME"])):
        pass
