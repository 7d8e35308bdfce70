"""Sales lines reduced to one row per company record and day.

The purchase features read nothing of a line but its day and amount: sums of amounts over
windows of days, whether a day had a positive line (a purchase) and whether it had a line
over the profile's bar (a large purchase). So a day's lines keep exactly what the features
need as their net amount and their largest line, and a line is itself such a row (its largest
line is its amount). 10M lines become a few million rows that an incremental night keeps
beside the lines and extends with the night's new ones: summing rows of the same day again,
or taking their maximum, gives the same features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleansing.amounts import YEN_UNITS, yen_units
from cleansing.dormancy.dates import DAY_BIAS, to_days

DAILY_COLUMNS = ("company_source_id", "transaction_date", "amount", "largest_line")


def daily_purchases(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (company_source_id, day) with a dated line: the net `amount` (returns
    subtract, a missing amount counts as 0) and the `largest_line`. Sums are exact
    (`yen_units`), so days summed again give the total of their lines."""
    record, ids = pd.factorize(lines["company_source_id"])
    days = to_days(lines["transaction_date"])
    kept = (record >= 0) & ~np.isnat(days)  # a line without either is nobody's purchase
    amount = yen_units(lines["amount"].to_numpy(dtype=float, na_value=np.nan)[kept])
    key = (record[kept].astype(np.int64) << 32) | (days[kept].astype(np.int64) + DAY_BIAS)
    order = np.argsort(key, kind="stable")
    key, amount = key[order], amount[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]][: len(key)])
    first = key[starts]
    day = ((first & 0xFFFFFFFF) - DAY_BIAS).astype("datetime64[D]")
    net, largest = (
        (np.add.reduceat(amount, starts), np.maximum.reduceat(amount, starts))
        if len(key)
        else (amount, amount)
    )
    return pd.DataFrame(
        {
            "company_source_id": ids.take(first >> 32).array,
            "transaction_date": day.astype("datetime64[s]"),
            "amount": net / YEN_UNITS,
            "largest_line": largest / YEN_UNITS,
        }
    )
