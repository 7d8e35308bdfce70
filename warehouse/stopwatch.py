"""Seconds per named phase of a long step, for its metadata: where a publish spends its time
is the first thing to know when a night runs late."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Stopwatch:
    """Wall seconds per phase; a phase entered twice adds up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def rounded(self) -> dict[str, float]:
        """The phases, slowest first, to the hundredth of a second."""
        ordered = sorted(self.seconds.items(), key=lambda item: -item[1])
        return {name: round(seconds, 2) for name, seconds in ordered}
