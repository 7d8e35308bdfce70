"""`make run`: generate the bundled sample (when using it), run the nightly job once, and show
where the warehouse is and what it holds.

The run is recorded in the persistent Dagster instance ($DAGSTER_HOME, default .dagster_home/),
so `make ui` afterwards shows its materialisations, metadata and check results.
"""

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from pipelines.instance import ensure_instance_home
from pipelines.resources import DEFAULT_DATA_DIR, tokyo_today
from pipelines.teardown import exit_quietly

SHOWN_COLUMNS = ["customer_id", "name", "prefecture", "tier", "last_purchase_date", "priority"]


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=tokyo_today())
    parser.add_argument("--companies", type=int, default=2000, help="sample size")
    parser.add_argument("--seed", type=int, default=42, help="sample seed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    data_dir = Path(os.environ.get("HORIOKOSHI_DATA_DIR", DEFAULT_DATA_DIR))
    if data_dir == DEFAULT_DATA_DIR:
        from sampledata import generate

        generate(data_dir, n_companies=args.companies, seed=args.seed, as_of=args.as_of)
        print(f"sample sources written to {data_dir}")
    ensure_instance_home()

    import dagster as dg

    from pipelines.definitions import defs
    from warehouse.publish import read_table

    result = defs.resolve_job_def("nightly").execute_in_process(
        instance=dg.DagsterInstance.get(),
        run_config={
            "ops": {"customer_dormancy": {"config": {"as_of": args.as_of.isoformat()}}},
            "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        },
        raise_on_error=False,
    )
    if not result.success:
        print(f"run {result.run_id} FAILED; open `make ui` for the failed step", file=sys.stderr)
        return 1
    # Outside a run an EnvVar is still unresolved: resolve it the way a run does.
    warehouse = defs.resources["warehouse"].process_config_and_initialize()
    engine = warehouse.engine()
    customers = read_table(engine, "customers")
    engine.dispose()
    print(f"\nrun {result.run_id} succeeded (as of {args.as_of})")
    print(f"warehouse: {engine.url.render_as_string(hide_password=True)}")
    print(f"customers: {len(customers)}  tiers: {customers['tier'].value_counts().to_dict()}")
    first = customers.sort_values("customer_id").head(10)  # a table's rows have no order
    print(first[SHOWN_COLUMNS].to_string(index=False))
    return 0


if __name__ == "__main__":
    exit_quietly(main())
