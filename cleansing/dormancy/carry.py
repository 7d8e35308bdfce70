"""Carrying a customer's judgement from the last night to tonight.

A customer's features follow from three things: its golden record (the columns in
CUSTOMER_INPUTS), the facts tied to it, and the run date. The run date moves them only on days
that can be worked out: a fact dated after the last run date comes into view, a day moves out of
the last 12 months into the 12 before them, or out of those, or out of the engagement look-back,
and the complete months since the reference purchase tick over. Every other column follows from
the features alone, except the priority rank, which orders all targets. So a night after a
judged one judges again only the customers whose golden record, facts or such a day changed; the
others keep last night's row, and all are ranked again. The result equals judging everyone
(tests/test_dormancy_carry.py).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

import cleansing.amounts
import cleansing.columns
import cleansing.schema
import cleansing.text
from cleansing.columns import interleaved_frame
from cleansing.dormancy.dates import as_day, complete_months, shift_months
from cleansing.dormancy.features import CUSTOMER_INPUTS
from cleansing.dormancy.priority import priority_ranks
from cleansing.dormancy.rules import DormancyRules
from cleansing.dormancy.tiers import reference_purchase

Window = tuple[np.datetime64, np.datetime64]  # days after the first, up to the second


# Code a judgement depends on besides this package: the schema's activity types and tiers,
# the text and amount helpers, the placing of carried rows.
_DEPENDENCIES = (cleansing.schema, cleansing.text, cleansing.amounts, cleansing.columns)


def judgement_fingerprint(rules: DormancyRules, *code: Path) -> str:
    """The rules, the code (this package, the modules it depends on and the caller's `code`
    files: the ones that gather the facts and store the judgement) and the libraries' and
    Unicode's versions: a judgement made under others is not carried."""
    digest = hashlib.sha256(rules.model_dump_json().encode())
    # the libraries', and Unicode's (industry and loss-reason patterns match normalised text)
    versions = (np.__version__, pd.__version__, pa.__version__, unicodedata.unidata_version)
    digest.update(" ".join(versions).encode())
    modules = sorted(Path(__file__).parent.glob("*.py"))
    for module in [*modules, *(Path(m.__file__) for m in _DEPENDENCIES), *code]:
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


def fact_windows(previous: date, tonight: date, rules: DormancyRules) -> dict[str, list[Window]]:
    """Per fact entity, the days whose facts count otherwise tonight than on `previous`: those
    coming into view, and those crossing a window's start (12 and 24 months for sales, the
    engagement look-back for activities; deals have no window)."""
    before, now = as_day(previous), as_day(tonight)
    lookback = np.timedelta64(rules.engagement.lookback_days, "D")
    into_view = (before, now)
    return {
        "transactions": [
            into_view,
            (shift_months(before, -12), shift_months(now, -12)),
            (shift_months(before, -24), shift_months(now, -24)),
        ],
        "deals": [into_view],
        "activities": [into_view, (before - lookback, now - lookback)],
    }


def dated_within(dates: pd.Series, windows: list[Window]) -> np.ndarray:
    """Whether each date's day lies in one of `windows`. Compared in the column's own unit (a
    time on a day counts as that day), so millions of dates are not converted."""
    values = dates.to_numpy()
    one_day = np.timedelta64(1, "D")
    hit = np.zeros(len(values), dtype=bool)
    for after, upto in windows:
        hit |= (values >= after + one_day) & (values < upto + one_day)
    return hit


def months_moved(previous: pd.DataFrame, tonight: date, rules: DormancyRules) -> np.ndarray:
    """Per row of last night's judgement: whether the complete months since its reference
    purchase are another number tonight."""
    _, reference = reference_purchase(previous, rules)
    months = complete_months(reference, as_day(tonight))
    before = previous["months_since_last_purchase"].to_numpy(dtype=float, na_value=np.nan)
    return ~_same_numbers(months, before)


def _same_numbers(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal, or both missing (NaN)."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def inputs_changed(
    customers: pd.DataFrame, previous: pd.DataFrame, position: np.ndarray
) -> np.ndarray:
    """Per customer: no row last night (`position` -1), or a golden-record column dormancy
    reads differs from last night's."""
    changed = position < 0
    at = np.maximum(position, 0)
    for column in CUSTOMER_INPUTS:
        now = customers[column].reset_index(drop=True)
        before = previous[column].iloc[at].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(now.dtype):
            a = now.to_numpy(dtype=float, na_value=np.nan)
            b = before.to_numpy(dtype=float, na_value=np.nan)
            changed |= ~_same_numbers(a, b)
        else:  # text: equal, or both missing
            both_missing = now.isna().to_numpy() & before.isna().to_numpy()
            same = now.astype("str").eq(before.astype("str")).fillna(False).to_numpy(dtype=bool)
            changed |= ~(same | both_missing)
    return changed


def judged_again(
    customers: pd.DataFrame,
    previous: pd.DataFrame,
    position: np.ndarray,
    touched: np.ndarray,
    as_of: date,
    rules: DormancyRules,
) -> np.ndarray:
    """Per customer (`customers` order; `position`: its row in `previous`, -1 for none):
    whether it must be judged tonight. `touched` marks the customers whose facts changed or
    have a day in `fact_windows`, which the caller finds where the facts are."""
    moved = months_moved(previous, as_of, rules)
    return (
        touched
        | inputs_changed(customers, previous, position)
        | ((position >= 0) & moved[np.maximum(position, 0)])
    )


def carried_judgement(
    previous: pd.DataFrame, position: np.ndarray, judged: pd.DataFrame, again: np.ndarray
) -> pd.DataFrame:
    """Tonight's judgement in tonight's customer order: `judged`'s rows in turn (the customers
    `again`) and elsewhere last night's row at `position`; then every target ranked again."""
    out = interleaved_frame(judged, previous, position, ~again, judged.columns)
    out["priority_rank"] = priority_ranks(out)
    return out
