"""Independent jobs on every core. The hot steps spend their time in numpy, pandas and Arrow
kernels, which release the GIL, so threads use the second core that a step process would
otherwise leave idle, without copying frames into other processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

Result = TypeVar("Result")
THREADS_ENV = "HORIOKOSHI_THREADS"


def cores() -> int:
    """Threads per job set: HORIOKOSHI_THREADS when set (a container whose CPU quota is below
    the host's cores, which the affinity mask does not show), else the cores this process may
    run on."""
    named = os.environ.get(THREADS_ENV)
    if named:
        if not named.isdigit() or int(named) < 1:
            raise ValueError(f"{THREADS_ENV} must be a whole number >= 1, got {named!r}")
        return int(named)
    return len(os.sched_getaffinity(0))


def in_threads(jobs: Mapping[str, Callable[[], Result]]) -> dict[str, Result]:
    """Each job's result by name, in the order given (start the longest first). When a job
    fails, the jobs not started yet are cancelled, the running ones finish, and the failure
    of the job given first raises, as it would have run in turn: every job given before a
    failed one has started (the pool takes them in order), so which error a bad input gets
    does not depend on which thread was quicker. With one core (or one job) they run here,
    in turn: no pool to start, and a profiler of this thread sees them."""
    if cores() == 1 or len(jobs) <= 1:
        return {name: job() for name, job in jobs.items()}
    pool = ThreadPoolExecutor(max_workers=min(len(jobs), cores()))
    try:
        running = {name: pool.submit(job) for name, job in jobs.items()}
        done, _ = wait(running.values(), return_when=FIRST_EXCEPTION)
        if any(future.exception() is not None for future in done):
            pool.shutdown(wait=True, cancel_futures=True)
            failed = (f for f in running.values() if not f.cancelled() and f.exception())
            raise next(failed).exception()  # type: ignore[misc]
        return {name: future.result() for name, future in running.items()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
