"""Great Expectations' import (cleansing/quality/engine.py): on a thread beside other work,
without SciPy's statistics until an expectation uses them. Each probe runs in a fresh
interpreter: these tests are about what a process has imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def probe(code: str) -> str:
    """stdout of `code` run by a fresh interpreter from the repository root."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_engine_is_imported_on_a_thread_once_and_not_again() -> None:
    out = probe(
        "import sys, threading\n"
        "from cleansing.quality import import_engine_in_background\n"
        "assert 'great_expectations' not in sys.modules\n"
        "import_engine_in_background()\n"
        "(thread,) = [t for t in threading.enumerate() if t is not threading.main_thread()]\n"
        "thread.join()\n"
        "assert 'great_expectations' in sys.modules\n"
        "import_engine_in_background()\n"
        "assert threading.active_count() == 1\n"
        "print('ok')\n"
    )
    assert out == "ok"


def test_the_engine_imported_on_a_thread_leaves_sqlalchemy_whole_for_other_threads() -> None:
    # Dagster's event storage builds `select()`s on the step's thread while GX imports; a
    # half-imported SQLAlchemy ORM made them fail on the Celery workers.
    out = probe(
        "import sys, threading\n"
        "sys.setswitchinterval(1e-4)  # threads take turns often: the race shows every time\n"
        "import sqlalchemy\n"
        "assert 'sqlalchemy.orm' not in sys.modules\n"
        "from cleansing.quality import import_engine_in_background\n"
        "import_engine_in_background()\n"
        "threads = [t for t in threading.enumerate() if t is not threading.main_thread()]\n"
        "selects = 0\n"
        "while any(t.is_alive() for t in threads):\n"
        "    sqlalchemy.select(1)\n"
        "    selects += 1\n"
        "print(selects)\n"
    )
    assert int(out) > 0


def test_every_suite_runs_without_scipy_statistics_which_load_when_an_expectation_needs_them() -> (
    None
):
    out = probe(
        "import sys\n"
        "import pandas as pd\n"
        "from cleansing.quality import SUITES, import_engine, run_facts, run_suite\n"
        "from tests.test_quality import TODAY, clean_frames\n"
        "gx = import_engine()\n"
        "frames = clean_frames()\n"
        "outcomes = [run_suite(s, frames, run_facts(TODAY, None)) for s in SUITES]\n"
        "assert all(g.passed for o in outcomes for g in o.groups)\n"
        "print(len(outcomes), 'scipy.stats._stats_py' in sys.modules)\n"
        # an expectation that does use them: SciPy's entropy, loaded on first use
        "context = gx.get_context(mode='ephemeral')\n"
        "batch = context.data_sources.add_pandas('p').add_dataframe_asset('a')"
        ".add_batch_definition_whole_dataframe('b')"
        ".get_batch(batch_parameters={'dataframe': pd.DataFrame({'x': [1, 1, 2, 2]})})\n"
        "result = batch.validate(gx.expectations.ExpectColumnKLDivergenceToBeLessThan(\n"
        "    column='x', partition_object={'values': [1, 2], 'weights': [0.5, 0.5]},\n"
        "    threshold=0.1))\n"
        "print(result.success, round(result.result['observed_value'], 6),\n"
        "      'scipy.stats._stats_py' in sys.modules)\n"
    )
    suites, loaded_by_suites, kl_success, divergence, loaded_after = out.split()
    assert int(suites) >= 8 and loaded_by_suites == "False"
    assert (kl_success, float(divergence), loaded_after) == ("True", 0.0, "True")
