"""Expectation suites as plain data, and what running them found.

Suites name GX expectation classes instead of instantiating them, so defining (and testing)
them never imports great_expectations (~2.5 s); only running them does (engine.py). Values
known only at run time are `Fact` references (the end of today, the previous row count).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

Frames = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class Fact:
    """A value the check supplies when it runs; an expectation needing an unknown fact is
    skipped, and `when_missing` says why (e.g. no previous run for the row-count band)."""

    name: str
    when_missing: str = "not known"


@dataclass(frozen=True)
class Expectation:
    """One GX expectation: its class name in `great_expectations.expectations` and kwargs."""

    type: str
    kwargs: Mapping[str, object] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Readable name: snake_case type and the columns it looks at."""
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", self.type).lower()
        columns = [
            str(self.kwargs[k]) for k in ("column", "column_A", "column_B") if k in self.kwargs
        ]
        columns += [str(c) for c in self.kwargs.get("column_list", ())]
        return f"{name}({', '.join(columns)})" if columns else name


def expect(type_: str, **kwargs: object) -> Expectation:
    """Shorthand that keeps suite definitions one line per expectation."""
    return Expectation(type_, kwargs)


@dataclass(frozen=True)
class CheckGroup:
    """Expectations reported together as one Dagster asset check. Blocking groups guard
    integrity (ERROR, stop the warehouse load); the others watch distributions (WARN)."""

    name: str
    description: str
    expectations: tuple[Expectation, ...]
    blocking: bool = True


@dataclass(frozen=True)
class Suite:
    """Expectations over one frame: the asset itself, or a view `build` derives from the asset
    and `inputs` (other assets). One suite runs in one GX context."""

    name: str
    asset: str
    groups: tuple[CheckGroup, ...]
    id_columns: tuple[str, ...] = ("source", "source_id")
    inputs: tuple[str, ...] = ()
    build: Callable[[Frames], pd.DataFrame] | None = None

    def frame(self, frames: Frames) -> pd.DataFrame:
        return self.build(frames) if self.build else frames[self.asset]


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict. `success` is None when it was skipped."""

    label: str
    success: bool | None
    unexpected_count: int = 0
    samples: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class GroupOutcome:
    """The verdict of one check group."""

    name: str
    description: str
    blocking: bool
    expectations: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        return all(e.success is not False for e in self.expectations)

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(e for e in self.expectations if e.success is False)


@dataclass(frozen=True)
class SuiteOutcome:
    """The verdict of one suite run over `rows` rows."""

    suite: str
    asset: str
    rows: int
    groups: tuple[GroupOutcome, ...]
