"""Great Expectations' import: the one place it happens, started early where it pays.

GX 1.x imports SciPy's statistics as it starts (`from scipy import stats` in its distribution
expectations and metrics: KL divergence, KS tests): ~1.5 s of its ~4.4 s import, all of it
holding the GIL, for expectations no suite here uses. `scipy.stats` is put in as a lazy module
(`importlib.util.LazyLoader`) before GX is imported: it loads on its first attribute use, so a
suite that does use those expectations still gets them, on that suite's first validation.
On Python 3.11 a lazy module is not safe to load from two threads at once (3.12.3 added the
lock): the suites run on one thread, and nothing here reads `scipy.stats`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType

DEFERRED = ("scipy.stats",)  # imported by GX, used only by expectations our suites lack
_LOCK = threading.Lock()
_started = threading.Event()  # a background import is under way


def import_engine() -> ModuleType:
    """great_expectations, imported with `DEFERRED` loading on first use."""
    for name in DEFERRED:  # their packages first, outside the lock (an import takes locks)
        importlib.import_module(name.rpartition(".")[0])
    with _LOCK:
        if "great_expectations" not in sys.modules:
            for name in DEFERRED:
                _defer(name)
    return importlib.import_module("great_expectations")


def import_engine_in_background() -> None:
    """Start importing Great Expectations (~2.5 s, mostly holding the GIL) on a thread of its
    own, so that the checks of a run whose steps all run in this process find it imported;
    nothing to do where it was imported before (steps forked from the nightly job's
    forkserver). Worth it beside work that releases the GIL (DuckDB, Arrow), not beside a
    driver's cursor building Python rows.

    SQLAlchemy's ORM registers its inspector for every object while it is still importing:
    a thread importing it leaves any `select()` of Dagster's event storage on another thread
    calling a half-imported module. So the ORM is imported here first, on the caller's thread.
    """
    if "great_expectations" not in sys.modules and not _started.is_set():
        _started.set()
        importlib.import_module("sqlalchemy.orm")
        threading.Thread(target=import_engine, daemon=True).start()


def _defer(name: str) -> None:
    """Put module `name` in sys.modules (and on its parent) unexecuted: it runs on first
    attribute use. Nothing to do when it is imported already."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # its package is imported: found, or an error
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
