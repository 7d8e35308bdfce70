"""Tier changes between run dates, hand-labelled."""

import pandas as pd

from cleansing.dormancy.history import tier_changes


def test_each_move_gets_its_label() -> None:
    previous = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f", "g", "i"],
            "tier": [
                "active",
                "at_risk",
                "dormant",
                "dormant",
                "active",
                "long_dormant",
                "prospect",
                "active",
            ],
        }
    ).iloc[::-1]  # the snapshot's order is not the customers'
    current = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
            "tier": [
                "at_risk",
                "dormant",
                "long_dormant",
                "active",
                "active",
                "at_risk",
                "active",
                "at_risk",
                "prospect",
            ],
        }
    )
    changes = tier_changes(current, previous)
    assert changes["customer_id"].tolist() == current["customer_id"].tolist()
    changes = changes.set_index("customer_id")
    assert changes["tier_change"].to_dict() == {
        "a": "newly_at_risk",
        "b": "newly_dormant",
        "c": "newly_long_dormant",
        "d": "reactivated",
        "e": "unchanged",
        "f": "recovering",
        "g": "first_purchase",
        "h": "new",
        "i": "tier_changed",
    }
    assert changes.loc["d", "previous_tier"] == "dormant"
    assert pd.isna(changes.loc["h", "previous_tier"])


def test_first_run_marks_everyone_new() -> None:
    current = pd.DataFrame({"customer_id": ["a"], "tier": ["dormant"]})
    assert tier_changes(current, None)["tier_change"].tolist() == ["new"]


def test_missing_and_unknown_tiers_a_repeated_id_and_the_index_are_kept_apart() -> None:
    """A tier no rule gave is only ever 'tier_changed' or 'unchanged'; a missing one counts as
    no tier; the first of two snapshot rows of an id is its tier; the index stays the caller's."""
    previous = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "c", "d"],
            "tier": ["dormant", None, "active", "dormant", "archived"],
        }
    )
    current = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "tier": ["archived", "active", "active", "archived", None],
        },
        index=[10, 11, 12, 13, 14],
    )
    changes = tier_changes(current, previous)
    assert changes.index.tolist() == [10, 11, 12, 13, 14]
    assert changes["tier_change"].tolist() == [
        "tier_changed",  # dormant -> a tier without a depth
        "new",  # no tier before
        "unchanged",  # the first snapshot row of c: active
        "unchanged",
        "new",
    ]
    previous_tier = changes["previous_tier"]
    assert previous_tier.iloc[[0, 2, 3]].tolist() == ["dormant", "active", "archived"]
    assert previous_tier.iloc[[1, 4]].isna().all()
    assert str(changes["previous_tier"].dtype) == str(changes["tier_change"].dtype) == "str"
