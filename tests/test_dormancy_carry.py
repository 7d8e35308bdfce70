"""Carrying judgements from night to night equals judging every customer every night.

Random customers and facts go through a run of nights over month ends, a leap day, a repeated
and a skipped run date; each night edits facts and golden records, adds and drops customers.
The carried frame must equal compute_dormancy over everyone, column for column, every night.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cleansing.dormancy import compute_dormancy, load_rules
from cleansing.dormancy.carry import (
    carried_judgement,
    dated_within,
    fact_windows,
    judged_again,
    judgement_fingerprint,
)
from cleansing.dormancy.features import CUSTOMER_INPUTS
from cleansing.schema import ACTIVITY_TYPES
from cleansing.text import text_positions
from pipelines.io_manager import load_value, save_value

RULES = load_rules()
INDUSTRIES = ["文具卸", "ITサービス", "金属製造", "飲食", None]
DATE_COLUMNS = {
    "transactions": "transaction_date",
    "deals": "deal_date",
    "activities": "activity_date",
}
NIGHTS = [
    date(2024, 1, 28),
    date(2024, 1, 29),
    date(2024, 1, 31),
    date(2024, 2, 1),
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2024, 3, 1),  # the same run date again
    date(2024, 3, 9),  # a week without a night
    date(2024, 3, 31),
    date(2024, 4, 1),
    date(2024, 4, 30),
]


def _customers(rng: np.random.Generator, ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    employees = rng.choice([5.0, 50.0, 400.0, np.nan], n)
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="str"),
            "industry": pd.array(rng.choice(np.array(INDUSTRIES, dtype=object), n), dtype="str"),
            "employees": employees,
            "capital_yen": rng.choice([1e7, 5e8, np.nan], n),
        }
    )


def _dates(rng: np.random.Generator, n: int, start: str, end: str) -> pd.Series:
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days
    offsets = pd.to_timedelta(rng.integers(0, days, n), unit="D")
    hours = pd.to_timedelta(rng.integers(0, 24, n), unit="h")  # a time on the day counts too
    return pd.Series(pd.Timestamp(start) + offsets + hours)


def _facts(rng: np.random.Generator, ids: list[str], n: int, start: str, end: str) -> dict:
    who = rng.choice(np.array(ids, dtype=object), n)
    return {
        "transactions": pd.DataFrame(
            {
                "customer_id": who,
                "transaction_date": _dates(rng, n, start, end),
                "amount": rng.choice([-5_000.0, 20_000.0, 300_000.0, 1_500_000.0, np.nan], n),
            }
        ),
        "deals": pd.DataFrame(
            {
                "customer_id": who[: n // 4],
                "deal_date": _dates(rng, n // 4, start, end),
                "stage": rng.choice(["won", "lost", "open"], n // 4),
                "loss_reason": rng.choice(["競合に乗り換え", "来期予算", None], n // 4),
            }
        ),
        "activities": pd.DataFrame(
            {
                "customer_id": who[: n // 2],
                "activity_date": _dates(rng, n // 2, start, end),
                "activity_type": rng.choice(list(ACTIVITY_TYPES), n // 2),
            }
        ),
    }


def _judge(customers: pd.DataFrame, facts: dict, as_of: date) -> pd.DataFrame:
    return compute_dormancy(
        customers, facts["transactions"], facts["deals"], facts["activities"], as_of, RULES
    )


def _as_published(customers: pd.DataFrame, judgement: pd.DataFrame) -> pd.DataFrame:
    """The customers with their judgement, as the dormancy asset stores them for tomorrow."""
    judgement = judgement.drop(columns=["customer_id"])
    return pd.concat([customers.reset_index(drop=True), judgement], axis=1)


def _stored(folder: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the night store keeps it for the next night (an Arrow file, mapped)."""
    path = folder / "judged.arrow"
    save_value(path, frame)
    return load_value(path)


def test_carried_judgements_equal_judging_everyone_night_after_night(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    ids = [f"C{i:04d}" for i in range(400)]
    customers = _customers(rng, ids)
    facts = _facts(rng, ids, 12_000, "2021-01-01", "2024-06-30")  # some dated ahead
    previous = _as_published(customers, _judge(customers, facts, NIGHTS[0]))
    previous_as_of = NIGHTS[0]
    shares = []
    for night, as_of in enumerate(NIGHTS[1:], start=1):
        ids = list(customers["customer_id"])
        # tonight's changes: new and removed facts, edited golden records, a new and a gone customer
        touched = set()
        added = _facts(rng, ids, 60, str(previous_as_of), str(as_of + timedelta(days=1)))
        for entity, frame in facts.items():
            gone = rng.random(len(frame)) < 0.002
            touched |= set(frame.loc[gone, "customer_id"]) | set(added[entity]["customer_id"])
            facts[entity] = pd.concat([frame[~gone], added[entity]], ignore_index=True)
        edited = rng.choice(len(customers), 4, replace=False)
        fresh = _customers(rng, list(customers["customer_id"].iloc[edited]))
        for column in CUSTOMER_INPUTS:
            customers.loc[edited, column] = fresh[column].to_numpy()
        newcomer = _customers(rng, [f"N{night:03d}"])
        customers = pd.concat([customers.iloc[1:], newcomer], ignore_index=True)
        # the customers with a fact on a day that counts otherwise tonight
        for entity, windows in fact_windows(previous_as_of, as_of, RULES).items():
            frame = facts[entity]
            touched |= set(
                frame.loc[dated_within(frame[DATE_COLUMNS[entity]], windows), "customer_id"]
            )

        position = text_positions(customers["customer_id"], previous["customer_id"])
        in_touched = customers["customer_id"].isin(touched).to_numpy()
        again = judged_again(customers, previous, position, in_touched, as_of, RULES)
        judged_ids = customers["customer_id"][again]
        judged = _judge(
            customers[again],
            {e: f[f["customer_id"].isin(judged_ids)] for e, f in facts.items()},
            as_of,
        )
        carried = carried_judgement(previous, position, judged, again)

        pd.testing.assert_frame_equal(carried, _judge(customers, facts, as_of), obj=str(as_of))
        shares.append(again.mean())
        previous, previous_as_of = _stored(tmp_path, _as_published(customers, carried)), as_of
    # the same run date again with nothing changed: nobody is judged, everything carried
    position = text_positions(customers["customer_id"], previous["customer_id"])
    nobody = np.zeros(len(customers), dtype=bool)
    again = judged_again(customers, previous, position, nobody, previous_as_of, RULES)
    assert not again.any()
    judged = _judge(customers[again], facts, previous_as_of)
    carried = carried_judgement(previous, position, judged, again)
    pd.testing.assert_frame_equal(carried, _judge(customers, facts, previous_as_of))
    # most customers were carried on most nights, and each night judged some again
    assert np.median(shares) < 0.5, shares
    assert min(shares) > 0, shares


@pytest.mark.parametrize(
    ("entity", "day", "counts"),
    [
        ("transactions", "2024-03-01", True),  # comes into view
        ("transactions", "2024-02-29", False),  # seen last night, still recent
        ("transactions", "2023-03-01", True),  # leaves the last 12 months
        ("transactions", "2022-03-01", True),  # leaves the 12 months before those
        ("transactions", "2022-02-28", False),  # left already
        ("deals", "2023-03-01", False),  # deals have no window
        ("activities", "2023-12-02", True),  # leaves the 90-day look-back
        ("activities", "2023-12-01", False),
        ("activities", "2024-03-02", False),  # still ahead
    ],
)
def test_fact_windows_name_the_days_that_count_otherwise(
    entity: str, day: str, counts: bool
) -> None:
    windows = fact_windows(date(2024, 2, 29), date(2024, 3, 1), RULES)[entity]
    at_noon = pd.Series(pd.to_datetime([f"{day} 12:00"]))
    assert dated_within(at_noon, windows).tolist() == [counts]


def test_months_and_golden_record_changes_are_judged_again() -> None:
    rng = np.random.default_rng(3)
    customers = _customers(rng, ["A", "B", "C", "D"])
    customers.loc[:, "industry"] = "飲食"
    facts = _facts(rng, ["A"], 0, "2023-01-01", "2023-02-01")
    facts["transactions"] = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "transaction_date": pd.to_datetime(["2023-06-15", "2023-06-20"]),
            "amount": [1000.0, 1000.0],
        }
    )
    previous = _as_published(customers, _judge(customers, facts, date(2024, 1, 14)))
    edited = customers.copy()
    edited.loc[2, "employees"] = 9999.0  # C: a golden-record input changed
    position = np.array([0, 1, 2, -1])  # D: no row last night
    nobody = np.zeros(4, dtype=bool)
    again = judged_again(edited, previous, position, nobody, date(2024, 1, 15), RULES)
    # A: 6 complete months since 2023-06-15 as of 2024-01-15 (5 the day before); B stays at 6
    assert again.tolist() == [True, False, True, True]


def test_the_fingerprint_follows_the_rules() -> None:
    other = RULES.model_copy(
        update={"size": RULES.size.model_copy(update={"large_min_employees": 7})}
    )
    assert judgement_fingerprint(RULES) == judgement_fingerprint(load_rules())
    assert judgement_fingerprint(other) != judgement_fingerprint(RULES)
    assert judgement_fingerprint(RULES, Path(__file__)) != judgement_fingerprint(RULES)


@pytest.mark.parametrize(("customers", "carried"), [(["A"], True), ([], False)])
def test_a_judgement_of_no_customers_is_not_carried(
    tmp_path: Path, customers: list[str], carried: bool
) -> None:
    """A night with no customers leaves nothing to carry: the next night judges everyone."""
    from pipelines.assets.dormancy import DORMANCY_KEY, JUDGED_KEY, _previous_judgement
    from pipelines.night_store import NightStore

    rng = np.random.default_rng(5)
    frame = _customers(rng, customers)
    facts = _facts(rng, ["A"], 10, "2023-01-01", "2024-01-01")
    judged = _judge(frame, facts, NIGHTS[0])
    store = NightStore(tmp_path, "night-1", "configuration")
    store.replace(DORMANCY_KEY, _as_published(frame, judged))
    value = {"as_of": str(NIGHTS[0]), "fingerprint": "f", "run": "night-1"}
    store.set_value(JUDGED_KEY, value | {"columns": list(judged.columns)})
    for step in ("stage", "match", "unify"):
        store.set_value(step, "done")
    assert store.commit()
    tonight = NightStore(tmp_path, "night-2", "configuration")
    previous = _previous_judgement(tonight, NIGHTS[1], "f")
    assert (previous is not None) == carried
