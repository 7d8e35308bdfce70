"""Independent jobs on every core. The hot steps spend their time in numpy, pandas and Arrow
kernels, which release the GIL, so threads use the second core that a step process would
otherwise leave idle, without copying frames into other processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def in_threads(jobs: Mapping[str, Callable[[], Result]]) -> dict[str, Result]:
    """Each job's result by name, in the order given (start the longest first); the first
    job to fail raises its error."""
    with ThreadPoolExecutor(max_workers=cores()) as pool:
        running = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in running.items()}
