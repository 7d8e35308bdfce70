"""Dormancy tier per customer, with the reason a sales person can read.

Time since the profile's reference purchase decides the tier against thresholds scaled by
company size; a sharp decline then moves an otherwise active customer to at_risk. 離反 (lost
to a competitor) is a flag beside the tier, not a tier: the documents keep it apart from 休眠.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from cleansing.dormancy.dates import as_day, complete_months, to_days
from cleansing.dormancy.lookup import format_distinct, lookup
from cleansing.dormancy.rules import DeclineRules, DormancyRules, IndustryProfile
from cleansing.schema import TIERS
from cleansing.text import pick

LAPSED = ("at_risk", "dormant", "long_dormant")
CODE = {tier: i for i, tier in enumerate(TIERS)}  # tiers are computed as codes into TIERS
TIER_LABELS = {
    "active": "active (稼働)",
    "at_risk": "at_risk (休眠予備軍)",
    "dormant": "dormant (休眠)",
    "long_dormant": "long_dormant (長期休眠)",
    "prospect": "prospect (見込み顧客)",
}
THRESHOLD_COLUMNS = {tier: f"{tier}_months" for tier in LAPSED}


def assign_tiers(features: pd.DataFrame, rules: DormancyRules, as_of: date) -> pd.DataFrame:
    """Add months_since_last_purchase, the size-scaled thresholds, tier, tier_reason, the flags
    declining / churned_to_competitor / prospect_stalled, segment and recommended_action."""
    out = features.copy()
    profiles = rules.industry_profiles
    profile = out["industry_profile"]
    uses_large, reference = reference_purchase(out, rules)
    months = complete_months(reference, as_day(as_of))
    out["months_since_last_purchase"] = pd.array(months, dtype="Int64")

    multiplier = lookup(out["size_class"], rules.size.multipliers.model_dump()).astype(float)
    for column in THRESHOLD_COLUMNS.values():
        per_profile = {n: getattr(rules.thresholds_for(n), column) for n in profiles}
        out[column] = lookup(profile, per_profile).astype(float) * multiplier

    bought = out["last_purchase_date"].notna().to_numpy()
    crossed = {tier: months >= out[THRESHOLD_COLUMNS[tier]].to_numpy() for tier in LAPSED}
    by_time = np.select(
        [~bought, crossed["long_dormant"], crossed["dormant"], crossed["at_risk"]],
        [CODE["prospect"], CODE["long_dormant"], CODE["dormant"], CODE["at_risk"]],
        CODE["active"],
    )
    by_amount, by_orders = _decline(out, rules.decline)
    out["declining"] = by_amount | by_orders
    upgraded = (by_time == CODE["active"]) & out["declining"].to_numpy()
    tier = np.where(upgraded, CODE["at_risk"], by_time)
    out["tier"] = pick(TIERS, tier, out.index)
    out["tier_reason"] = _tier_reasons(out, tier, by_time, uses_large, by_amount, by_orders, rules)

    lost_to_rival = out["last_deal_stage"].eq("lost") & out["last_loss_reason_kind"].eq("churn")
    came_back = out["last_purchase_date"] > out["last_deal_date"]
    out["churned_to_competitor"] = lost_to_rival & ~came_back
    out["prospect_stalled"] = ~bought & out["recent_engagement_count"].eq(0).to_numpy()
    lapsed = np.isin(by_time, [CODE[t] for t in LAPSED])
    count = out["purchase_count"].to_numpy()
    regular = count >= rules.segments.regular_buyer_min_purchases
    out["segment"] = pick(
        ("A", "B"), np.select([lapsed & regular, lapsed & (count == 1)], [1, 0], -1), out.index
    )
    actions = rules.actions.model_dump()
    out["recommended_action"] = pick([actions[t] for t in TIERS], tier, out.index)
    return out


def reference_purchase(
    features: pd.DataFrame, rules: DormancyRules
) -> tuple[np.ndarray, np.ndarray]:
    """(uses the last large purchase, the day elapsed time counts from) per customer: the last
    large purchase where the profile asks for one and there was one, else the last purchase."""
    profiles = rules.industry_profiles
    wants_large = lookup(
        features["industry_profile"],
        {n: p.reference == "large_purchase" for n, p in profiles.items()},
    )
    large = features["last_large_purchase_date"]
    uses_large = wants_large.astype(bool) & large.notna().to_numpy()
    return uses_large, to_days(large.where(uses_large, features["last_purchase_date"]))


def _decline(out: pd.DataFrame, decline: DeclineRules) -> tuple[np.ndarray, np.ndarray]:
    """(amount fell, order days fell) over the last 12 months against the 12 before, for
    customers with enough orders in the prior 12 months to judge a trend."""
    history = out["orders_prev_12m"].to_numpy() >= decline.min_prior_orders
    amount, prior_amount = out["amount_12m"].to_numpy(), out["amount_prev_12m"].to_numpy()
    orders, prior_orders = out["orders_12m"].to_numpy(), out["orders_prev_12m"].to_numpy()
    by_amount = history & (prior_amount > 0) & (amount <= decline.max_amount_ratio * prior_amount)
    by_orders = history & (orders <= decline.max_orders_ratio * prior_orders)
    return by_amount, by_orders


def _reference_word(profile: IndustryProfile, *, bought_large: bool) -> str:
    """What 'last purchase' means for a profile, as said in the reason."""
    if profile.reference != "large_purchase":
        return profile.reference
    if bought_large:
        return f"large purchase (>= {profile.large_purchase_yen:,.0f} yen)"
    return f"purchase (never one >= {profile.large_purchase_yen:,.0f} yen)"


def _tier_reasons(
    out: pd.DataFrame,
    tier: np.ndarray,
    by_time: np.ndarray,
    uses_large: np.ndarray,
    by_amount: np.ndarray,
    by_orders: np.ndarray,
    rules: DormancyRules,
) -> pd.Series:
    """tier_reason, from the few parts in which customers differ (tier and by_time: codes)."""
    months = out["months_since_last_purchase"].to_numpy(dtype=float, na_value=np.nan)
    upgraded = tier != by_time  # only a decline changes the tier the elapsed time gave
    threshold = np.select(
        [by_time == CODE[t] for t in LAPSED] + [by_time == CODE["active"]],
        [out[THRESHOLD_COLUMNS[t]] for t in LAPSED] + [out["at_risk_months"]],
        np.nan,
    )
    parts = pd.DataFrame(
        {
            "tier": tier,
            "by_time": by_time,
            "uses_large": uses_large,
            "months": months,
            "threshold": threshold,
            "profile": out["industry_profile"],
            "size": out["size_class"],
            # decline details only where the decline is what made the customer at_risk
            "amount_pct": np.where(
                upgraded & by_amount,
                np.floor(100 * out["amount_12m"] / out["amount_prev_12m"]),
                np.nan,
            ),
            "orders_now": np.where(upgraded & by_orders, out["orders_12m"], np.nan),
            "orders_before": np.where(upgraded & by_orders, out["orders_prev_12m"], np.nan),
        },
        index=out.index,
    )
    return format_distinct(parts, lambda **part: _sentence(rules, **part))


def _sentence(
    rules: DormancyRules,
    *,
    tier: int,
    by_time: int,
    uses_large: bool,
    months: float,
    threshold: float,
    profile: str,
    size: str,
    amount_pct: float,
    orders_now: float,
    orders_before: float,
) -> str:
    """'<tier label>: [declining: <why>; ]<elapsed time vs threshold> (<profile>, <size>)'."""
    what = _reference_word(rules.industry_profiles[profile], bought_large=uses_large)
    context = f"({profile}, {size})"
    if TIERS[by_time] == "prospect":
        fact = "never bought (no positive transaction)"
    elif TIERS[by_time] == "active":
        fact = f"last {what} {months:g} months ago < at_risk threshold {threshold:g} {context}"
    else:
        fact = (
            f"no {what} for {months:g} months >= {TIERS[by_time]} threshold {threshold:g} {context}"
        )
    decline = rules.decline
    signs = []
    if not np.isnan(amount_pct):
        signs.append(
            f"12-month amount at {amount_pct:g}% of the prior 12 months "
            f"(<= {decline.max_amount_ratio:.0%})"
        )
    if not np.isnan(orders_now):
        signs.append(
            f"order days {orders_now:g} vs {orders_before:g} in the prior 12 months "
            f"(<= {decline.max_orders_ratio:.0%})"
        )
    if signs:
        fact = f"declining: {' and '.join(signs)}; {fact}"
    return f"{TIER_LABELS[TIERS[tier]]}: {fact}"
