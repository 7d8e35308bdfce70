"""Dormancy rules pinned on hand-computed customers, with the shipped default rules.

Defaults used below: base thresholds 6/12/24 months; consumables 3/6/12; it_services 6/12/24;
manufacturing 12/24/48 on purchases >= 1,000,000 yen; size multiplier large 2.0, smb/unknown 1.0;
decline <= 50% with >= 2 prior order days; look-back 90 days; regular buyer >= 3 purchase days.
Months are complete calendar months up to as_of.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cleansing.dormancy import compute_dormancy, load_rules
from cleansing.dormancy.features import customer_features
from cleansing.schema import TIERS

SMB = {"employees": 50.0, "capital_yen": np.nan}


def customer(customer_id: str, industry: str | None = None, **size: float) -> dict:
    return {"customer_id": customer_id, "industry": industry, **(size or SMB)}


def frames(
    customers: list[dict],
    transactions: list[tuple] = (),
    deals: list[tuple] = (),
    activities: list[tuple] = (),
) -> tuple[pd.DataFrame, ...]:
    """Input frames as staging hands them over; rows are (customer_id, 'YYYY-MM-DD', ...)."""

    def frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
        out = pd.DataFrame(list(rows), columns=columns)
        out[columns[1]] = pd.to_datetime(out[columns[1]])
        return out

    return (
        pd.DataFrame(customers, columns=["customer_id", "industry", "employees", "capital_yen"]),
        frame(transactions, ["customer_id", "transaction_date", "amount"]),
        frame(deals, ["customer_id", "deal_date", "stage", "loss_reason"]),
        frame(activities, ["customer_id", "activity_date", "activity_type"]),
    )


def run(as_of: date, *args: list, **kwargs: list) -> pd.DataFrame:
    return compute_dormancy(*frames(*args, **kwargs), as_of=as_of).set_index("customer_id")


# --- features ---------------------------------------------------------------------------------


def test_features_pin_one_customer_by_hand() -> None:
    customers, transactions, deals, activities = frames(
        [customer("c1", "文具卸")],
        transactions=[
            ("c1", "2023-05-10", 300.0),  # > 24 months before as_of: lifetime only
            ("c1", "2023-07-01", 200.0),  # prior 12 months
            ("c1", "2024-06-30", 100.0),  # prior 12 months (the window ends on 2024-06-30)
            ("c1", "2024-07-01", 50.0),  # last 12 months
            ("c1", "2024-07-01", 70.0),  # same day: one purchase day
            ("c1", "2024-08-01", -20.0),  # return: amount only, not a purchase
            ("c1", "2025-07-01", 999.0),  # after as_of: ignored
            ("ghost", "2025-01-01", 5.0),  # unknown customer: ignored
        ],
        deals=[
            ("c1", "2024-01-01", "won", None),
            ("c1", "2024-05-01", "lost", "来期予算が確保できたら検討"),
            ("c1", "2025-08-01", "open", None),  # after as_of: ignored
        ],
        activities=[
            ("c1", "2025-04-01", "pricing_page_view"),  # exactly 90 days before: outside
            ("c1", "2025-04-02", "pricing_page_view"),  # 89 days before: inside
            ("c1", "2025-06-30", "pricing_page_view"),
            ("c1", "2025-06-01", "visit"),  # ours, not the customer's behaviour
            ("c1", "2025-06-02", "unknown_type"),  # outside the schema: not counted
        ],
    )
    row = customer_features(
        customers, transactions, deals, activities, as_of=date(2025, 6, 30), rules=load_rules()
    ).iloc[0]
    assert row["first_purchase_date"] == pd.Timestamp("2023-05-10")
    assert row["last_purchase_date"] == pd.Timestamp("2024-07-01")
    assert pd.isna(row["last_large_purchase_date"])  # consumables have no large threshold
    assert row["purchase_count"] == 4
    assert row["lifetime_amount"] == 700.0
    assert (row["amount_12m"], row["amount_prev_12m"]) == (100.0, 300.0)
    assert (row["orders_12m"], row["orders_prev_12m"]) == (1, 2)
    assert row["last_deal_date"] == pd.Timestamp("2024-05-01")
    assert (row["last_deal_stage"], row["last_loss_reason_kind"]) == ("lost", "positive")
    assert row["last_loss_reason"] == "来期予算が確保できたら検討"
    assert row["recent_pricing_page_view"] == 2
    assert row["recent_visit"] == 1
    assert row["recent_engagement_count"] == 2
    assert row["last_activity_date"] == pd.Timestamp("2025-06-30")
    assert (row["industry_profile"], row["size_class"]) == ("consumables", "smb")


def test_one_row_per_customer_in_input_order_and_duplicates_rejected() -> None:
    out = run(date(2025, 6, 30), [customer("b"), customer("a")], [("a", "2025-06-01", 10.0)])
    assert list(out.index) == ["b", "a"]
    assert list(out["tier"]) == ["prospect", "active"]
    with pytest.raises(ValueError, match="unique"):
        run(date(2025, 6, 30), [customer("a"), customer("a")])


# --- tiers: time since last purchase, default profile -----------------------------------------


@pytest.mark.parametrize(
    ("last_purchase", "months", "tier", "reason"),
    [
        (
            "2025-03-01",
            3,
            "active",
            "active (稼働): last purchase 3 months ago < at_risk threshold 6",
        ),
        ("2025-01-01", 5, "active", "active (稼働): last purchase 5 months ago"),
        (
            "2024-12-30",
            6,
            "at_risk",
            "at_risk (休眠予備軍): no purchase for 6 months >= at_risk threshold 6",
        ),
        (
            "2024-04-15",
            14,
            "dormant",
            "dormant (休眠): no purchase for 14 months >= dormant threshold 12",
        ),
        (
            "2023-06-30",
            24,
            "long_dormant",
            "long_dormant (長期休眠): no purchase for 24 months >= long_dormant threshold 24",
        ),
    ],
)
def test_tier_by_months_since_last_purchase(
    last_purchase: str, months: int, tier: str, reason: str
) -> None:
    out = run(date(2025, 6, 30), [customer("c")], [("c", last_purchase, 1000.0)]).loc["c"]
    assert out["months_since_last_purchase"] == months
    assert out["tier"] == tier
    assert out["tier_reason"].startswith(reason)
    assert out["tier_reason"].endswith("(default, smb)")
    assert (out["at_risk_months"], out["dormant_months"], out["long_dormant_months"]) == (6, 12, 24)


def test_month_end_completes_the_month() -> None:
    out = run(date(2025, 6, 30), [customer("c")], [("c", "2024-12-31", 1000.0)]).loc["c"]
    assert (out["months_since_last_purchase"], out["tier"]) == (6, "at_risk")


def test_prospect_never_bought() -> None:
    out = run(
        date(2025, 6, 30),
        [customer("quiet"), customer("curious"), customer("called")],
        activities=[
            ("curious", "2025-06-01", "whitepaper_download"),
            ("called", "2025-06-01", "call"),  # our call is not the prospect's engagement
        ],
    )
    assert (out["tier"] == "prospect").all()
    assert out["months_since_last_purchase"].isna().all()
    assert (
        out.loc["quiet", "tier_reason"]
        == "prospect (見込み顧客): never bought (no positive transaction)"
    )
    assert list(out["prospect_stalled"]) == [True, False, True]
    assert out["segment"].isna().all()
    assert list(out["priority"]) == [0, 0, 0]
    assert list(out["priority_reasons"]) == ["PROSPECT"] * 3
    assert out["priority_rank"].isna().all()


def test_future_dated_rows_are_ignored() -> None:
    out = run(
        date(2025, 6, 30),
        [customer("c")],
        transactions=[("c", "2024-04-15", 1000.0), ("c", "2025-07-01", 5000.0)],
        deals=[("c", "2025-07-02", "lost", "他社に乗り換え")],
        activities=[("c", "2025-07-03", "pricing_page_view")],
    ).loc["c"]
    assert out["last_purchase_date"] == pd.Timestamp("2024-04-15")
    assert out["lifetime_amount"] == 1000.0
    assert (out["tier"], out["months_since_last_purchase"]) == ("dormant", 14)
    assert pd.isna(out["last_deal_date"]) and not out["churned_to_competitor"]
    assert pd.isna(out["last_activity_date"]) and out["recent_pricing_page_view"] == 0


def test_a_purchase_at_the_end_of_the_run_date_counts() -> None:
    customers, transactions, deals, activities = frames([customer("c")])
    transactions = pd.DataFrame(
        {
            "customer_id": ["c"],
            "transaction_date": [pd.Timestamp("2025-06-30 23:59")],
            "amount": [1.0],
        }
    )
    out = compute_dormancy(customers, transactions, deals, activities, as_of=date(2025, 6, 30))
    assert (out.loc[0, "tier"], out.loc[0, "months_since_last_purchase"]) == ("active", 0)


# --- tiers: industry profiles -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("industry", "profile", "thresholds"),
    [
        ("事務用品卸売業", "consumables", (3, 6, 12)),
        ("ソフトウェア業", "it_services", (6, 12, 24)),
        ("ＩＴコンサルティング", "it_services", (6, 12, 24)),  # full-width, NFKC-normalised
        ("SaaS開発", "it_services", (6, 12, 24)),
        ("精密機械製造業", "manufacturing", (12, 24, 48)),
        ("Unit販売", "default", (6, 12, 24)),  # "it" inside a word is not IT
        ("建設業", "default", (6, 12, 24)),
        (None, "default", (6, 12, 24)),
    ],
)
def test_industry_profile_from_raw_text(
    industry: str | None, profile: str, thresholds: tuple[int, int, int]
) -> None:
    out = run(date(2025, 6, 30), [customer("c", industry)], [("c", "2025-06-01", 1.0)]).loc["c"]
    assert out["industry_profile"] == profile
    assert (out["at_risk_months"], out["dormant_months"], out["long_dormant_months"]) == thresholds


def test_consumables_dormant_after_six_months() -> None:
    out = run(date(2025, 6, 30), [customer("c", "文具")], [("c", "2024-12-15", 5000.0)]).loc["c"]
    assert out["tier"] == "dormant"
    assert out["tier_reason"] == (
        "dormant (休眠): no purchase for 6 months >= dormant threshold 6 (consumables, smb)"
    )


def test_it_services_count_renewals() -> None:
    out = run(date(2025, 6, 30), [customer("c", "情報通信業")], [("c", "2024-04-30", 1.0)]).loc["c"]
    assert out["tier"] == "dormant"
    assert out["tier_reason"] == (
        "dormant (休眠): no renewal for 14 months >= dormant threshold 12 (it_services, smb)"
    )


def test_manufacturing_counts_large_purchases_only() -> None:
    out = run(
        date(2025, 6, 30),
        [customer("big", "機械製造"), customer("edge", "工業"), customer("small", "製造業")],
        transactions=[
            ("big", "2022-06-01", 2_000_000.0),
            ("big", "2025-05-01", 300_000.0),  # a small order does not reset the clock
            ("edge", "2024-01-10", 1_000_000.0),  # exactly the bar: large
            ("small", "2023-01-31", 500_000.0),  # never bought large: any purchase counts
        ],
    )
    assert out.loc["big", "last_purchase_date"] == pd.Timestamp("2025-05-01")
    assert out.loc["big", "last_large_purchase_date"] == pd.Timestamp("2022-06-01")
    assert out.loc["big", "tier"] == "dormant"
    assert out.loc["big", "tier_reason"] == (
        "dormant (休眠): no large purchase (>= 1,000,000 yen) for 36 months"
        " >= dormant threshold 24 (manufacturing, smb)"
    )
    assert (out.loc["edge", "months_since_last_purchase"], out.loc["edge", "tier"]) == (
        17,
        "at_risk",
    )
    assert pd.isna(out.loc["small", "last_large_purchase_date"])
    assert out.loc["small", "tier_reason"] == (
        "dormant (休眠): no purchase (never one >= 1,000,000 yen) for 29 months"
        " >= dormant threshold 24 (manufacturing, smb)"
    )


# --- tiers: company size ----------------------------------------------------------------------


def test_size_scales_thresholds() -> None:
    out = run(
        date(2025, 6, 30),
        [
            customer("staff300", employees=300.0, capital_yen=np.nan),
            customer("capital3oku", employees=np.nan, capital_yen=300_000_000.0),
            customer("smb", employees=299.0, capital_yen=299_999_999.0),
            customer("unknown", employees=np.nan, capital_yen=np.nan),
            customer("big_maker", "製造業", employees=5000.0, capital_yen=np.nan),
        ],
        [(c, "2024-04-15", 2_000_000.0) for c in ("staff300", "capital3oku", "smb", "unknown")]
        + [("big_maker", "2022-06-01", 2_000_000.0)],
    )
    assert list(out["size_class"]) == ["large", "large", "smb", "unknown", "large"]
    assert list(out["tier"]) == ["at_risk", "at_risk", "dormant", "dormant", "at_risk"]
    assert list(out["dormant_months"]) == [24, 24, 12, 12, 48]
    assert out.loc["staff300", "tier_reason"] == (
        "at_risk (休眠予備軍): no purchase for 14 months >= at_risk threshold 12 (default, large)"
    )
    assert out.loc["big_maker", "tier_reason"].endswith(
        "for 36 months >= at_risk threshold 24 (manufacturing, large)"
    )


# --- tiers: decline, segments, 離反 ------------------------------------------------------------


def test_monthly_turned_bimonthly_makes_an_active_customer_at_risk() -> None:
    prior = [("c", f"{y}-{m:02d}-15", 100_000.0) for y, m in [(2023, m) for m in range(7, 13)]]
    prior += [("c", f"2024-{m:02d}-15", 100_000.0) for m in range(1, 7)]
    recent = [("c", d, 100_000.0) for d in ("2024-07-15", "2024-09-15", "2024-11-15")]
    recent += [("c", d, 100_000.0) for d in ("2025-01-15", "2025-03-15", "2025-05-15")]
    out = run(date(2025, 6, 30), [customer("c")], prior + recent).loc["c"]
    assert (out["orders_12m"], out["orders_prev_12m"]) == (6, 12)
    assert out["declining"]
    assert out["tier"] == "at_risk"
    assert out["tier_reason"] == (
        "at_risk (休眠予備軍): declining: 12-month amount at 50% of the prior 12 months (<= 50%)"
        " and order days 6 vs 12 in the prior 12 months (<= 50%);"
        " last purchase 1 months ago < at_risk threshold 6 (default, smb)"
    )
    assert pd.isna(out["segment"])  # still buying: no segment


def test_decline_by_amount_only_and_not_without_history() -> None:
    out = run(
        date(2025, 6, 30),
        [customer("shrinking"), customer("steady"), customer("one_prior_order")],
        [
            ("shrinking", d, 250_000.0)
            for d in ("2023-09-01", "2023-12-01", "2024-03-01", "2024-06-01")
        ]
        + [
            ("shrinking", d, 100_000.0)
            for d in ("2024-09-01", "2024-12-01", "2025-03-01", "2025-06-01")
        ]
        + [
            ("steady", d, 100_000.0)
            for d in ("2024-01-01", "2024-04-01", "2025-01-01", "2025-04-01")
        ]
        + [("steady", "2025-06-01", 1.0)]
        + [("one_prior_order", "2024-01-01", 1_000_000.0), ("one_prior_order", "2025-06-01", 1.0)],
    )
    assert out.loc["shrinking", "tier_reason"].startswith(
        "at_risk (休眠予備軍): declining: 12-month amount at 40% of the prior 12 months (<= 50%);"
    )
    assert list(out["declining"]) == [True, False, False]
    assert list(out["tier"]) == ["at_risk", "active", "active"]


def test_segments_a_one_time_and_b_regular_buyers_that_lapsed() -> None:
    out = run(
        date(2025, 6, 30),
        [customer(c) for c in ("once", "same_day_twice", "twice", "regular", "regular_active")],
        [("once", "2024-01-10", 1.0)]
        + [("same_day_twice", "2024-01-10", 1.0), ("same_day_twice", "2024-01-10", 2.0)]
        + [("twice", "2023-01-10", 1.0), ("twice", "2023-03-10", 1.0)]
        + [("regular", d, 1.0) for d in ("2023-01-10", "2023-03-10", "2023-05-10")]
        + [("regular_active", d, 1.0) for d in ("2025-01-10", "2025-03-10", "2025-05-10")],
    )
    assert list(out["tier"]) == ["dormant", "dormant", "long_dormant", "long_dormant", "active"]
    assert list(out["segment"].fillna("-")) == ["A", "A", "-", "B", "-"]


def test_churned_to_competitor_is_flagged_not_a_tier() -> None:
    out = run(
        date(2025, 6, 30),
        [customer(c) for c in ("switched", "came_back", "won_again", "still_comparing")],
        transactions=[
            (c, "2024-03-01", 100_000.0)
            for c in ("switched", "came_back", "won_again", "still_comparing")
        ]
        + [("came_back", "2025-06-01", 100_000.0)],
        deals=[
            ("switched", "2024-05-01", "lost", "他社製品に乗り換え"),
            ("came_back", "2024-05-01", "lost", "競合に切替"),
            ("won_again", "2024-05-01", "lost", "他社に切替"),
            ("won_again", "2024-06-01", "won", None),
            ("still_comparing", "2024-05-01", "lost", "競合との比較検討を続けている"),
        ],
    )
    assert list(out["churned_to_competitor"]) == [True, False, False, False]
    assert out.loc["switched", "tier"] == "dormant"  # tier as computed, 離反 beside it
    assert out.loc["came_back", "tier"] == "active"
    assert list(out["last_loss_reason_kind"].fillna("-")) == ["churn", "churn", "-", "positive"]


def test_recommended_action_per_tier() -> None:
    rules = load_rules()
    out = run(
        date(2025, 6, 30),
        [customer(c) for c in ("a", "r", "d", "l", "p")],
        [("a", "2025-06-01", 1.0), ("r", "2024-12-01", 1.0), ("d", "2024-06-01", 1.0)]
        + [("l", "2023-01-01", 1.0)],
    )
    assert list(out["tier"]) == list(TIERS)
    assert list(out["recommended_action"]) == [getattr(rules.actions, t) for t in TIERS]
    assert "シンプルなメール" in out.loc["r", "recommended_action"]


# --- priority ---------------------------------------------------------------------------------


def test_priority_order_and_reasons() -> None:
    out = run(
        date(2025, 6, 30),
        [customer(c) for c in ("regular_big", "one_timer", "switched", "forgotten", "buying")],
        transactions=[
            ("regular_big", d, 1_500_000.0) for d in ("2024-01-10", "2024-02-10", "2024-03-10")
        ]
        + [("one_timer", "2024-11-15", 100_000.0), ("switched", "2024-03-01", 100_000.0)]
        + [("forgotten", "2022-01-10", 100_000.0), ("buying", "2025-06-01", 100_000.0)],
        deals=[
            ("regular_big", "2024-06-01", "lost", "来期予算が確保できたら検討する"),
            ("switched", "2024-05-01", "lost", "他社に切替"),
        ],
        activities=[
            ("regular_big", "2025-05-01", "pricing_page_view"),
            ("regular_big", "2025-06-01", "pricing_page_view"),
            ("one_timer", "2025-06-10", "whitepaper_download"),
            ("one_timer", "2025-06-11", "pricing_page_view"),  # once is not "several times"
            ("buying", "2025-06-12", "pricing_page_view"),
            ("buying", "2025-06-13", "pricing_page_view"),
        ],
    )
    assert list(out["tier"]) == ["dormant", "at_risk", "dormant", "long_dormant", "active"]
    # dormant 30 + spend 15 + regular 15 + pricing 15 + positive deal 15
    assert out.loc["regular_big", "priority"] == 90
    assert out.loc["regular_big", "priority_reasons"] == (
        "DORMANT,HIGH_PAST_SPEND,REGULAR_BUYER_LAPSED,VIEWED_PRICING_RECENTLY,POSITIVE_LAST_DEAL"
    )
    assert out.loc["one_timer", "priority"] == 50  # at_risk 40 + white paper 10
    assert out.loc["one_timer", "priority_reasons"] == "AT_RISK,DOWNLOADED_WHITEPAPER"
    assert out.loc["switched", "priority"] == 0  # 30 - 40 - 20, clipped
    assert out.loc["switched", "priority_reasons"] == (
        "DORMANT,LOST_TO_COMPETITOR,LONG_SILENCE_NO_ENGAGEMENT"
    )
    assert out.loc["forgotten", "priority"] == 0  # 10 - 20, clipped
    assert out.loc["forgotten", "priority_reasons"] == "LONG_DORMANT,LONG_SILENCE_NO_ENGAGEMENT"
    # ties at 0: the shorter silence (15 months) before the longer (41 months)
    assert list(out["priority_rank"].iloc[:4]) == [1, 2, 3, 4]
    assert (out.loc["buying", "priority"], out.loc["buying", "priority_reasons"]) == (0, "ACTIVE")
    assert pd.isna(out.loc["buying", "priority_rank"])


def test_recurring_industry_and_support_visits_and_the_cap() -> None:
    out = run(
        date(2025, 6, 30),
        [customer("stationery", "文具"), customer("everything")],
        transactions=[("stationery", "2024-12-01", 10_000.0)]
        + [("everything", d, 1_500_000.0) for d in ("2024-01-10", "2024-02-10", "2024-03-10")],
        deals=[("everything", "2024-06-01", "lost", "比較検討中")],
        activities=[
            ("stationery", "2025-06-01", "new_feature_email_open"),
            ("stationery", "2025-06-02", "support_page_visit"),
        ]
        + [
            ("everything", f"2025-06-{d:02d}", t)
            for d, t in [
                (1, "pricing_page_view"),
                (2, "pricing_page_view"),
                (3, "whitepaper_download"),
                (4, "new_feature_email_open"),
            ]
        ],
    )
    # dormant 30 + new-feature email 10 + recurring industry 5 + support visit 5
    assert out.loc["stationery", "priority"] == 50
    assert out.loc["stationery", "priority_reasons"] == (
        "DORMANT,OPENED_NEW_FEATURE_EMAIL,RECURRING_INDUSTRY,SUPPORT_VISITS_CHECK_SATISFACTION"
    )
    assert out.loc["everything", "priority"] == 100  # 30 + 15*4 + 10 + 10 = 110, capped
    assert list(out["priority_rank"]) == [2, 1]
