"""Expectation suites on the frames of a benchmark run: seconds per suite and per check step.

    .venv/bin/python benchmarks/quality_suites.py [STORAGE] [--full] [--repeat N] [--profile]

STORAGE is the Dagster storage folder of a `benchmarks/nightly.py` run (default
data/bench/run-1m/home/storage): one file per asset, of the last night, which is usually an
incremental one (the fact tables hold the night's new rows only). `--full` replaces the staged
tables and the customer facts with every row held in that run's night store
(`<run>/state/_night`), the frames a full night checks (~13M staged rows at 1m); the source
inventory stays the stored night's, so rows_conserved fails there (its cost is the same).

Suites run as `pipelines/checks.py` runs them: grouped by check step, `run_suite` with
`run_facts` (the previous row count is the asset's own, so the row-count band is evaluated),
and each outcome written as a report section; loading the frames is not timed. Importing
great_expectations is timed apart: the nightly executor's forkserver imports it before it
forks the step processes. `--profile` prints a pyinstrument profile of each step (the `bench`
extra installs pyinstrument).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from cleansing.quality import SUITES, Suite, import_engine, run_facts, run_suite  # noqa: E402
from cleansing.schema import ENTITIES  # noqa: E402
from cleansing.unify import attach_customers  # noqa: E402
from pipelines.checks import CHECK_STEPS, STEP_OF_ASSET  # noqa: E402
from pipelines.io_manager import load_value  # noqa: E402
from pipelines.night_store import NightStore  # noqa: E402
from pipelines.quality_report import write_section  # noqa: E402

DEFAULT_STORAGE = REPO_ROOT / "data" / "bench" / "run-1m" / "home" / "storage"
TODAY = dt.date(2026, 11, 23)


def load_frames(storage: Path, assets: set[str]) -> dict[str, pd.DataFrame]:
    return {asset: load_value(storage / asset) for asset in sorted(assets)}


def full_night(storage: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Staged tables and customer facts as a full night has them: every row held."""
    root = storage.parents[1] / "state" / "_night"
    (manifest,) = root.glob("current-*.json")
    store = NightStore(root, "benchmark", manifest.stem.removeprefix("current-"))
    sources = sorted(load_value(storage / "source_inventory")["source"].unique())
    for entity in ENTITIES:
        asset = f"staged_{entity}"
        parts = [store.read(f"stage/{source}/{entity}") for source in sources]
        held = pd.concat([p for p in parts if p is not None], ignore_index=True)
        frames[asset] = held[list(load_value(storage / asset).columns)]  # not the row hashes
    crosswalk = load_value(storage / "customer_source_map")
    for entity in ("transactions", "deals", "activities"):
        frames[f"customer_{entity}"], _ = attach_customers(
            frames[f"staged_{entity}"], crosswalk, entity
        )


def run_step(
    suites: list[Suite], frames: dict[str, pd.DataFrame], reports: Path
) -> dict[str, tuple[float, float]]:
    """Seconds per suite (validation, then report section) of one check step."""
    seconds = {}
    for suite in suites:
        start = time.perf_counter()
        facts = run_facts(TODAY, len(frames[suite.asset]))
        outcome = run_suite(suite, frames, facts)
        validated = time.perf_counter()
        write_section(reports, "benchmark", SUITES.index(suite), outcome)
        seconds[suite.name] = (validated - start, time.perf_counter() - validated)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("storage", nargs="?", type=Path, default=DEFAULT_STORAGE)
    parser.add_argument("--full", action="store_true", help="every staged row held")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", nargs="*", default=list(CHECK_STEPS))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    steps = {s: [x for x in SUITES if STEP_OF_ASSET[x.asset] == s] for s in args.steps}
    assets = {a for suites in steps.values() for s in suites for a in (s.asset, *s.inputs)}
    if args.full:
        assets -= {*(f"staged_{e}" for e in ENTITIES), *(f"customer_{e}" for e in ENTITIES)}
    start = time.perf_counter()
    frames = load_frames(args.storage, assets)
    if args.full:
        full_night(args.storage, frames)
    print(f"frames loaded in {time.perf_counter() - start:.1f} s")
    for name in sorted(frames):
        print(f"  {name:24} {len(frames[name]):>11,} rows")
    start = time.perf_counter()
    import_engine()
    print(f"great_expectations imported in {time.perf_counter() - start:.1f} s")

    with tempfile.TemporaryDirectory() as reports:
        for step, suites in steps.items():
            runs = []
            for _ in range(args.repeat):
                if args.profile:
                    from pyinstrument import Profiler

                    with Profiler() as profiler:
                        runs.append(run_step(suites, frames, Path(reports)))
                    profiler.print(show_all=True)
                else:
                    runs.append(run_step(suites, frames, Path(reports)))
            totals = [sum(v + r for v, r in run.values()) for run in runs]
            print(f"\n{step}: median {statistics.median(totals):.2f} s over {len(runs)} runs")
            print(f"  {'suite':28} {'validate s':>10} {'report s':>9}  runs")
            for suite in suites:
                validate = [run[suite.name][0] for run in runs]
                report = [run[suite.name][1] for run in runs]
                shown = " ".join(f"{v:.2f}" for v in validate)
                print(
                    f"  {suite.name:28} {statistics.median(validate):>10.2f}"
                    f" {statistics.median(report):>9.3f}  {shown}"
                )


if __name__ == "__main__":
    main()
