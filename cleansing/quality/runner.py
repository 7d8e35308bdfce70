"""Run one suite with Great Expectations 1.x, in process, and translate GX's results into
plain outcomes (failed expectations, unexpected counts, sample values).

One ephemeral GX context per suite run: creating it is cheap, importing GX (~3 s) is not, so
the import happens here, on first use, never at module import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

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


def _validate(
    suite: Suite, frame: pd.DataFrame, planned: Mapping[str, tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """GX results keyed like `planned`."""
    if not planned:
        return {}
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(suite.name)
        .add_dataframe_asset(suite.asset)
        .add_batch_definition_whole_dataframe("whole")
    )
    # Expectations go in with the suite: `add_expectation` would need the suite to belong to
    # the context first, and it silently merges expectations that differ only in `meta`.
    expectations = [
        getattr(gx.expectations, type_)(**kwargs, meta={_KEY: key})
        for key, (type_, kwargs) in planned.items()
    ]
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=expectations))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
    )
    result = validation.run(
        batch_parameters={"dataframe": frame},
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLES,
            "unexpected_index_column_names": [c for c in suite.id_columns if c in frame.columns],
        },
    )
    return {r.expectation_config.meta[_KEY]: r for r in result.results}


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
