"""Sales lines reduced per record and day (cleansing/dormancy/daily.py) give the purchase
features the lines give: the reduction keeps all the features read."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cleansing.dormancy import load_rules
from cleansing.dormancy.daily import DAILY_COLUMNS, daily_purchases
from cleansing.dormancy.features import customer_features

AS_OF = date(2025, 6, 30)


def random_lines(seed: int, n: int = 4000) -> pd.DataFrame:
    """Lines of a few records over three years, with returns, missing amounts, missing dates,
    times of day, a missing record, lines after the run date and large purchases."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2022-06-01") + pd.to_timedelta(rng.integers(0, 1200, n), unit="D")
    time = pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    amount = rng.choice([-30_000.0, 0.0, 1_200.0, 55_000.0, 2_000_000.0, np.nan], n)
    amount = amount * rng.integers(1, 4, n)
    date_ = pd.Series(day + time).mask(rng.random(n) < 0.02)
    record = pd.array(rng.choice(["r1", "r2", "r3", "r4", None], n), dtype="str")
    return pd.DataFrame({"company_source_id": record, "transaction_date": date_, "amount": amount})


def features(transactions: pd.DataFrame) -> pd.DataFrame:
    customers = pd.DataFrame(
        {
            "customer_id": ["r1", "r2", "r3", "r4"],
            "industry": ["製造業", "文具卸", None, "ITサービス"],
            "employees": [500.0, 20.0, np.nan, 10.0],
            "capital_yen": [np.nan] * 4,
        }
    )
    transactions = transactions.rename(columns={"company_source_id": "customer_id"})
    empty = {
        "deals": pd.DataFrame(columns=["customer_id", "deal_date", "stage", "loss_reason"]),
        "activities": pd.DataFrame(columns=["customer_id", "activity_date", "activity_type"]),
    }
    return customer_features(customers, transactions, **empty, as_of=AS_OF, rules=load_rules())


@pytest.mark.parametrize("seed", range(5))
def test_days_of_lines_give_the_features_of_the_lines(seed: int) -> None:
    lines = random_lines(seed)
    daily = daily_purchases(lines)
    assert len(daily) < len(lines)
    purchases = [c for c in features(lines).columns if "purchase" in c or "12m" in c]
    assert features(lines)["purchase_count"].sum() > 0
    pd.testing.assert_frame_equal(features(daily)[purchases], features(lines)[purchases])


@pytest.mark.parametrize("cents", [False, True])
def test_days_of_days_are_the_same_days(cents: bool) -> None:
    """A night's new lines are held as days of their own: days split over several nights, in
    any order, give exactly the features of the lines together, fractions of a yen included
    (sums are exact, so the order lines are added in does not show)."""
    lines = random_lines(7)
    if cents:
        lines["amount"] += np.random.default_rng(8).choice([0.1, 0.35, -1.5, 1.1, 0.4], len(lines))
    whole = features(lines)
    for split in (
        [daily_purchases(lines[:1500]), daily_purchases(lines[1500:])],
        [daily_purchases(lines[2500:]), daily_purchases(lines[:2500])],  # back-dated lines later
    ):
        pd.testing.assert_frame_equal(features(pd.concat(split)), whole)
    pd.testing.assert_frame_equal(features(daily_purchases(lines)), whole)


def test_a_total_does_not_depend_on_which_night_brought_a_line() -> None:
    """-1.5 + 1.1 + 0.4 is 1.1e-16 in floats in one order and 0.0 in another: with exact sums
    both nights see a prior year of exactly 0, so no decline is judged from a rounding."""
    lines = pd.DataFrame(
        {
            "company_source_id": pd.array(["r1"] * 3, dtype="str"),
            "transaction_date": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-03-10"]),
            "amount": [-1.5, 1.1, 0.4],
        }
    )
    together = features(lines)
    later = features(pd.concat([daily_purchases(lines[1:]), daily_purchases(lines[:1])]))
    assert together.loc[0, "amount_prev_12m"] == later.loc[0, "amount_prev_12m"] == 0.0


def test_one_row_per_record_and_day_with_net_and_largest() -> None:
    lines = pd.DataFrame(
        {
            "company_source_id": pd.array(["a", "b", "a", "a", None, "a"], dtype="str"),
            "transaction_date": pd.to_datetime(
                [
                    "2024-01-01 10:00",
                    "2024-01-01",
                    "2024-01-01 23:00",
                    None,
                    "2024-02-02",
                    "2024-01-03",
                ],
                format="mixed",
            ),
            "amount": [100.0, -5.0, np.nan, 7.0, 3.0, -2.0],
        }
    )
    daily = daily_purchases(lines)
    assert list(daily.columns) == list(DAILY_COLUMNS)
    assert daily.to_dict("list") == {
        "company_source_id": ["a", "a", "b"],
        "transaction_date": list(pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01"])),
        "amount": [100.0, -2.0, -5.0],
        "largest_line": [100.0, -2.0, -5.0],
    }
    assert daily_purchases(lines.iloc[:0]).empty
