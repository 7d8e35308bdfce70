"""Reactivation priority: who sales should call first, and why.

Points for the tier (the longer the silence, the harder the revival) plus weighted signals
from seed 002, clipped to 0-100. Every signal that moved the score is named in
priority_reasons, so a sales person sees why a company is on the list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleansing.dormancy.lookup import lookup
from cleansing.dormancy.rules import DormancyRules
from cleansing.dormancy.tiers import LAPSED
from cleansing.schema import TIERS
from cleansing.text import pick


def reactivation_priority(tiered: pd.DataFrame, rules: DormancyRules) -> pd.DataFrame:
    """Add priority (0-100), priority_rank (1 = first) and priority_reasons (comma-joined
    codes: the tier, then each signal with a non-zero weight that fired, in rules order).

    Only at_risk, dormant and long_dormant customers are reactivation targets: they alone get
    points and a rank. Others get priority 0 and their tier as the reason (ACTIVE, PROSPECT);
    their behaviour stays visible in the recent_* columns."""
    out = tiered.copy()
    tier_weights = rules.priority.tier_weights.model_dump()
    signal_weights = rules.priority.signal_weights.model_dump()
    target = out["tier"].isin(LAPSED).to_numpy()
    scored = [name for name, weight in signal_weights.items() if weight]
    flags = pd.concat(
        [
            pd.DataFrame({tier: out["tier"].eq(tier) for tier in TIERS}),
            _signals(out, rules)[scored].mul(target, axis=0),
        ],
        axis=1,
    )
    points = {**dict.fromkeys(TIERS, 0), **tier_weights, **signal_weights}
    matrix = flags.to_numpy(dtype=bool)
    out["priority"] = np.clip(matrix @ np.array([points[n] for n in flags.columns]), 0, 100)
    codes = [name.upper() for name in flags.columns]
    out["priority_reasons"] = _joined_codes(matrix, codes, out.index)
    out["priority_rank"] = priority_ranks(out)
    return out


def _signals(out: pd.DataFrame, rules: DormancyRules) -> pd.DataFrame:
    """One boolean column per SignalWeights field."""
    recurring = {name: p.recurring_demand for name, p in rules.industry_profiles.items()}
    return pd.DataFrame(
        {
            "high_past_spend": out["lifetime_amount"] >= rules.priority.high_past_spend_yen,
            "regular_buyer_lapsed": out["segment"].eq("B"),
            "viewed_pricing_recently": out["recent_pricing_page_view"]
            >= rules.engagement.min_pricing_views,
            "downloaded_whitepaper": out["recent_whitepaper_download"] > 0,
            "opened_new_feature_email": out["recent_new_feature_email_open"] > 0,
            "positive_last_deal": out["last_loss_reason_kind"].eq("positive"),
            "recurring_industry": lookup(out["industry_profile"], recurring, False).astype(bool),
            "support_visits_check_satisfaction": out["recent_support_page_visit"] > 0,
            "lost_to_competitor": out["churned_to_competitor"],
            "long_silence_no_engagement": out["tier"].isin(("dormant", "long_dormant"))
            & out["recent_engagement_count"].eq(0),
        }
    )


def _joined_codes(matrix: np.ndarray, codes: list[str], index: pd.Index) -> pd.Series:
    """Comma-joined codes of the set flags; each distinct combination is joined only once."""
    bits = matrix.astype(np.int64) @ (np.int64(1) << np.arange(len(codes), dtype=np.int64))
    combos, inverse = np.unique(bits, return_inverse=True)
    texts = [",".join(code for i, code in enumerate(codes) if combo >> i & 1) for combo in combos]
    return pick(texts, inverse, index)


def priority_ranks(out: pd.DataFrame) -> pd.Series:
    """1 = call first, among the reactivation targets (at_risk, dormant, long_dormant): higher
    priority, then shorter silence, then larger past spend; input order breaks the remaining
    ties so the ranking is reproducible. It orders all customers, so a night that carries
    customers' judgements ranks them all again."""
    rows = np.flatnonzero(out["tier"].isin(LAPSED).to_numpy())
    order = np.lexsort(
        (
            rows,
            -out["lifetime_amount"].to_numpy(dtype=float)[rows],
            out["months_since_last_purchase"].to_numpy(dtype=float, na_value=np.nan)[rows],
            -out["priority"].to_numpy()[rows],
        )
    )
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank.iloc[rows[order]] = np.arange(1, len(rows) + 1)
    return rank
