"""Tier changes between two runs: who fell asleep, who woke up, since the previous run date.

The documents stress acting as soon as a customer turns dormant, so the warehouse keeps one
snapshot per run date and labels each customer's move against the previous snapshot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# How deep asleep each tier is; prospects never bought, so they sit with active.
DEPTH = {"prospect": 0, "active": 0, "at_risk": 1, "dormant": 2, "long_dormant": 3}
CHANGES = (
    "new",
    "unchanged",
    "first_purchase",
    "newly_at_risk",
    "newly_dormant",
    "newly_long_dormant",
    "reactivated",
    "recovering",
    "tier_changed",
)


def tier_changes(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """`current[customer_id, tier]` against the previous snapshot's `[customer_id, tier]`:
    returns customer_id, previous_tier and tier_change (one of CHANGES)."""
    if previous is None:
        previous = pd.DataFrame({"customer_id": pd.Series(dtype=str), "tier": pd.Series(dtype=str)})
    merged = current[["customer_id", "tier"]].merge(
        previous[["customer_id", "tier"]].rename(columns={"tier": "previous_tier"}),
        on="customer_id",
        how="left",
        validate="1:1",
    )
    now = merged["tier"].map(DEPTH)
    before = merged["previous_tier"].map(DEPTH)
    conditions = [
        merged["previous_tier"].isna(),
        merged["tier"] == merged["previous_tier"],
        merged["previous_tier"] == "prospect",
        (now > before) & (merged["tier"] == "at_risk"),
        (now > before) & (merged["tier"] == "dormant"),
        (now > before) & (merged["tier"] == "long_dormant"),
        (before > 0) & (merged["tier"] == "active"),
        (now < before),
    ]
    choices = list(CHANGES[:-1])
    merged["tier_change"] = np.select(conditions, choices, default=CHANGES[-1])
    return merged[["customer_id", "previous_tier", "tier_change"]]
