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
