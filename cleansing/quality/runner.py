"""Run one suite with Great Expectations 1.x, in process, and translate GX's results into
plain outcomes (failed expectations, unexpected counts, sample values).

One ephemeral GX context per suite run: creating it is cheap (~15 ms), importing GX (~2.5 s) is
not, so the import happens on first use (engine.py), never at module import.

GX copies the whole batch for each filtered expectation (a row condition, ignored missing
values, the rows of unexpected values), so the expectations that read rows get only the
columns they read and the suite's id columns: at 1M rows every other column costs seconds and
changes no outcome. Expectations on the column names alone (the required columns) get the
frame's columns without its rows, in a second batch of the same context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from cleansing.quality.engine import import_engine
from cleansing.quality.model import (
    ExpectationOutcome,
    Fact,
    Frames,
    GroupOutcome,
    Suite,
    SuiteOutcome,
)

SAMPLES = 5
SAMPLE_CHARS = 160
_KEY = "horiokoshi_key"  # meta entry that maps GX's (reordered) results back to our groups
Planned = Mapping[str, tuple[str, dict[str, Any]]]  # key -> (GX expectation class, kwargs)
# Expectation classes whose outcome depends on the batch's column names (and order) only.
_READS_COLUMN_NAMES = {
    "ExpectColumnToExist",
    "ExpectTableColumnCountToBeBetween",
    "ExpectTableColumnCountToEqual",
    "ExpectTableColumnsToMatchOrderedList",
    "ExpectTableColumnsToMatchSet",
}
# Expectation classes that read only the columns named by these kwargs (and their pandas row
# condition); any other gets the whole frame.
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_READS_NAMED_COLUMNS = (
    "ExpectColumn",
    "ExpectCompoundColumns",
    "ExpectMulticolumn",
    "ExpectSelectColumn",
    "ExpectTableRowCount",
)


def run_suite(suite: Suite, frames: Frames, facts: Mapping[str, object]) -> SuiteOutcome:
    """Validate the suite's frame; expectations needing an unknown fact are skipped."""
    frame = suite.frame(frames)
    planned: dict[str, tuple[str, dict[str, Any]]] = {}
    skipped: dict[str, str] = {}
    for g, group in enumerate(suite.groups):
        for e, expectation in enumerate(group.expectations):
            key = f"{g}.{e}"
            unknown = {v.when_missing for v in expectation.kwargs.values() if _unknown(v, facts)}
            if unknown:
                skipped[key] = f"skipped: {'; '.join(sorted(unknown))}"
            else:
                kwargs = {k: _resolve(v, facts) for k, v in expectation.kwargs.items()}
                planned[key] = (expectation.type, kwargs)
    results = _validate(suite, frame, planned)
    groups = tuple(
        GroupOutcome(
            name=group.name,
            description=group.description,
            blocking=group.blocking,
            expectations=tuple(
                ExpectationOutcome(expectation.label, None, note=skipped[f"{g}.{e}"])
                if f"{g}.{e}" in skipped
                else _outcome(expectation.label, results[f"{g}.{e}"])
                for e, expectation in enumerate(group.expectations)
            ),
        )
        for g, group in enumerate(suite.groups)
    )
    return SuiteOutcome(suite=suite.name, asset=suite.asset, rows=len(frame), groups=groups)


def _unknown(value: object, facts: Mapping[str, object]) -> bool:
    return isinstance(value, Fact) and value.name not in facts


def _resolve(value: object, facts: Mapping[str, object]) -> object:
    return facts[value.name] if isinstance(value, Fact) else value


def _validate(suite: Suite, frame: pd.DataFrame, planned: Planned) -> dict[str, Any]:
    """GX results keyed like `planned`."""
    if not planned:
        return {}
    gx = import_engine()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every batch under 1 GB by hashing all its values (seconds at 1M rows) for
    # batch metadata that no outcome reports; a threshold of 0 skips it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    names = {k: p for k, p in planned.items() if p[0] in _READS_COLUMN_NAMES}
    rows = {k: p for k, p in planned.items() if k not in names}
    batches = (
        ("columns", frame.iloc[:0], names),
        ("rows", _narrowed(frame, rows.values(), suite.id_columns), rows),
    )
    # Every addition to the context saves its config as YAML (~5 ms each): one source, an asset
    # per batch, and the suites validated on the batch as they are, neither added to the
    # context nor kept with their results.
    source = context.data_sources.add_pandas(suite.name)
    results = {}
    for part, data, expectations in batches:
        if expectations:
            asset = source.add_dataframe_asset(f"{suite.name}.{part}")
            results |= _run(asset, data, expectations, suite.id_columns)
    return results


def _run(
    asset: Any, frame: pd.DataFrame, planned: Planned, id_columns: Iterable[str]
) -> dict[str, Any]:
    """Validate `frame` as a batch of the dataframe `asset`; GX results keyed like
    `planned`."""
    gx = import_engine()
    # Expectations go in with the suite: `add_expectation` would need the suite to belong to
    # a context first, and it silently merges expectations that differ only in `meta`.
    expectations = [
        getattr(gx.expectations, type_)(**kwargs, meta={_KEY: key})
        for key, (type_, kwargs) in planned.items()
    ]
    # No `unexpected_index_column_names`: GX would read them with `DataFrame.at` for every
    # failing row (seconds when a mostly-expectation lets 100k rows fail); the few sample rows'
    # ids are read here instead, from the row positions GX returns (a fresh 0..n-1 index makes
    # its labels positions, whatever index the frame had).
    frame = frame.reset_index(drop=True)
    batch = asset.get_batch(asset.build_batch_request(options={"dataframe": frame}))
    result = batch.validate(
        gx.ExpectationSuite(name=asset.name, expectations=expectations),
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLES,
            "return_unexpected_index_query": False,  # a list of every failing row's index
        },
    )
    ids = [c for c in id_columns if c in frame.columns]
    for r in result.results:
        _name_sample_rows(r.result, frame, planned[r.expectation_config.meta[_KEY]][1], ids)
    return {r.expectation_config.meta[_KEY]: r for r in result.results}


def _name_sample_rows(
    info: dict[str, Any] | None, frame: pd.DataFrame, kwargs: dict[str, Any], ids: list[str]
) -> None:
    """Replace the sample rows' positions by their values: the checked columns, then the ids."""
    positions = (info or {}).get("partial_unexpected_index_list")
    if not positions:
        return
    checked = [kwargs[k] for k in _COLUMN_KWARGS if k in kwargs] + list(
        kwargs.get("column_list", ())
    )
    columns = list(dict.fromkeys([*checked, *ids]))
    info["partial_unexpected_index_list"] = [
        {column: frame[column].iloc[position] for column in columns} for position in positions
    ]


def _narrowed(
    frame: pd.DataFrame, planned: Iterable[tuple[str, dict[str, Any]]], id_columns: Iterable[str]
) -> pd.DataFrame:
    """The frame with only the columns the expectations read and the id columns (a lazy copy),
    or the whole frame when one expectation may read any column."""
    wanted = set(id_columns)
    for type_, kwargs in planned:
        if not type_.startswith(_READS_NAMED_COLUMNS):
            return frame
        wanted |= {kwargs[k] for k in _COLUMN_KWARGS if k in kwargs}
        wanted |= set(kwargs.get("column_list", ()))
        condition = kwargs.get("row_condition")
        if condition is not None and not isinstance(condition, str):
            return frame  # a GX condition object: its columns are not parsed here
        wanted |= set(re.findall(r"\w+", condition or ""))  # literals too: harmless
    return frame[[c for c in frame.columns if c in wanted]]


def _outcome(label: str, result: Any) -> ExpectationOutcome:
    info = result.result or {}
    missing = info.get("details", {}).get("mismatched", {}).get("missing") or []
    error = _error(result.exception_info)
    observed = info.get("observed_value")
    shown = observed is not None and not isinstance(observed, list | dict)
    note = f"error: {error}" if error else (f"observed: {observed}" if shown else "")
    return ExpectationOutcome(
        label=label,
        success=bool(result.success),
        unexpected_count=int(info.get("unexpected_count") or len(missing)),
        samples=_samples(info, missing),
        note=note[:SAMPLE_CHARS],
    )


def _samples(info: Mapping[str, Any], missing: list[str]) -> tuple[str, ...]:
    """A few failing rows, each with the ids of its row; or the missing columns."""
    if rows := info.get("partial_unexpected_index_list"):
        shown = [" ".join(f"{k}={v}" for k, v in row.items()) for row in rows]
    elif values := info.get("partial_unexpected_list"):
        shown = [str(v) for v in values]
    else:
        shown = [f"missing column {c}" for c in missing]
    return tuple(s[:SAMPLE_CHARS] for s in shown[:SAMPLES])


def _error(info: Mapping[str, Any] | None) -> str:
    """GX reports an exception either directly or per metric it failed to compute."""
    if not info:
        return ""
    parts = [info] if "raised_exception" in info else list(info.values())
    return "; ".join(p["exception_message"] for p in parts if p.get("raised_exception"))
