"""Day and calendar-month arithmetic on numpy arrays.

Everything is reduced to whole days (a transaction at 23:59 on the run date still counts) and
elapsed time is counted in complete calendar months, the unit the rules are written in.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DAY_BIAS = 2**31  # makes day numbers non-negative so (row code, day) packs into one int64


def as_day(as_of: date) -> np.datetime64:
    """The run date as a numpy day; a datetime is floored to its day."""
    return pd.Timestamp(as_of).to_datetime64().astype("datetime64[D]")


def to_days(dates: pd.Series) -> np.ndarray:
    """A datetime column as datetime64[D] (NaT kept), whatever its resolution."""
    return pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def shift_months(day: np.datetime64, months: int) -> np.datetime64:
    """`day` moved by whole calendar months, clamped to the month end (Mar 31 - 1 = Feb 28/29)."""
    return as_day(pd.Timestamp(day) + pd.DateOffset(months=months))


def complete_months(start: np.ndarray, end: np.datetime64) -> np.ndarray:
    """Complete calendar months from each start day to `end`; NaN where start is NaT.

    2024-01-15 -> 2024-07-15 is 6 months, -> 2024-07-14 is 5; a month end completes the month
    like shift_months clamps (2024-01-31 -> 2024-02-29 is 1).
    """
    start_month = start.astype("datetime64[M]")
    end_month = end.astype("datetime64[M]")
    start_dom = (start - start_month.astype("datetime64[D]")).astype(np.int64)
    end_dom = (end - end_month.astype("datetime64[D]")).astype(np.int64)
    end_is_month_end = (end + np.timedelta64(1, "D")).astype("datetime64[M]") != end_month
    incomplete = (start_dom > end_dom) & ~end_is_month_end
    months = (end_month - start_month).astype(np.int64) - incomplete
    return np.where(np.isnat(start), np.nan, months.astype(float))
