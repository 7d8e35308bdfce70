"""One changed night replayed from a kept state, to compare code on the same night.

    cp -a data/bench/run-1m /somewhere/base-1m        # after `nightly.py --size 1m --incremental`
    .venv/bin/python benchmarks/replay_night.py /somewhere/base-1m [--seed 44] [--night DATE]
        [--profile out.html|out.txt]

The benchmark's run-to-run noise (±2–4 s on a 1m quiet night) is as large as most single
changes; replaying one night from the same state, old and new code alternating, shows them.
Each replay puts a `cp -a` copy of the base back at the benchmark's run directory (the
same path: the warehouse URL is part of the night store's fingerprint; `cp -a` keeps the IO
manager's files hard links to the night store's), changes a share of the sources with
sampledata's changes (dated up to `--changes-as-of`, today by default: the checks refuse
later dates), runs the night of `--night` in one process, as the schedule runs a quiet night,
and prints its steps. A base must have been written by code of the same night-store format,
and a change to the dormancy judgement's code makes the first replayed night judge everyone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout
from benchmarks.nightly import (  # noqa: E402
    BENCH_DIR,
    print_busy,
    print_steps,
    run_nightly,
    step_figures,
    use_run_dir,
)


def replay(args: argparse.Namespace) -> bool:
    run_dir, base = args.run_dir.absolute(), args.base.absolute()  # the URL names the path
    if base == run_dir or run_dir in base.parents:
        raise SystemExit(f"the base {base} must be a copy outside {run_dir}: it is replaced")
    subprocess.run(["rm", "-rf", str(run_dir)], check=True)
    subprocess.run(["cp", "-a", str(base), str(run_dir)], check=True)
    os.sync()  # the copy's dirty pages are not written during the night
    use_run_dir(run_dir, run_dir / "sample")
    from sampledata.changes import apply_changes

    changes = apply_changes(
        run_dir / "sample", fraction=args.change_fraction, seed=args.seed, as_of=args.changes_as_of
    )
    print(f"changed: {changes}", flush=True)
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    result, wall, _, instance = run_nightly("in_process", as_of=args.night)
    if profiler is not None:
        profiler.stop()
        text = args.profile.suffix == ".txt"
        output = profiler.output_text(show_all=False) if text else profiler.output_html()
        args.profile.write_text(output, encoding="utf-8")
    steps = step_figures(instance, result.run_id)
    print_steps(f"night of {args.night}, replayed", "in_process", steps)
    print(f"{'total':<22}{'':>8}{wall:>9.1f}{'' if result.success else '  RUN FAILED'}")
    print_busy(steps, wall, "in_process")
    return result.success


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", type=Path, help="a copy (cp -a) of a benchmark run directory")
    parser.add_argument("--run-dir", type=Path, default=BENCH_DIR / "run-1m")
    parser.add_argument("--seed", type=int, default=44)
    parser.add_argument("--change-fraction", type=float, default=0.01)
    parser.add_argument("--changes-as-of", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument(
        "--night",
        type=dt.date.fromisoformat,
        default=dt.date.today() + dt.timedelta(days=1),
        help="the run date: after the base's last night",
    )
    parser.add_argument(
        "--profile", type=Path, help="write a pyinstrument profile: text for a .txt path, else HTML"
    )
    return 0 if replay(parser.parse_args(argv)) else 1


if __name__ == "__main__":
    from pipelines.teardown import exit_quietly

    exit_quietly(main(sys.argv[1:]))
