"""The rules YAML: the shipped defaults load, and a bad file fails naming what is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from cleansing.dormancy import compute_dormancy, load_rules
from cleansing.dormancy.rules import DEFAULT_RULES_PATH


def write_rules(tmp_path: Path, edit: Any) -> Path:
    """The default rules with `edit(raw_dict)` applied, written to a temporary YAML."""
    raw = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_default_rules_carry_the_domain_numbers() -> None:
    rules = load_rules()
    assert rules.base_thresholds.model_dump() == {
        "at_risk_months": 6,
        "dormant_months": 12,
        "long_dormant_months": 24,
    }
    assert rules.thresholds_for("default") == rules.base_thresholds
    assert rules.thresholds_for("consumables").dormant_months == 6
    assert rules.industry_profiles["manufacturing"].large_purchase_yen == 1_000_000
    assert rules.size.multipliers.large == 2.0
    assert (rules.decline.max_amount_ratio, rules.decline.max_orders_ratio) == (0.5, 0.5)
    assert rules.engagement.lookback_days == 90


def test_a_custom_rules_file_changes_the_outcome(tmp_path: Path) -> None:
    def stricter(raw: dict) -> None:
        raw["base_thresholds"] = {
            "at_risk_months": 2,
            "dormant_months": 4,
            "long_dormant_months": 8,
        }

    frames = (
        pd.DataFrame(
            {"customer_id": ["c"], "industry": [None], "employees": [10.0], "capital_yen": [np.nan]}
        ),
        pd.DataFrame(
            {
                "customer_id": ["c"],
                "transaction_date": pd.to_datetime(["2025-01-15"]),
                "amount": [1.0],
            }
        ),
        pd.DataFrame(columns=["customer_id", "deal_date", "stage", "loss_reason"]),
        pd.DataFrame(columns=["customer_id", "activity_date", "activity_type"]),
    )
    default = compute_dormancy(*frames, as_of=date(2025, 6, 30))
    custom = compute_dormancy(
        *frames, as_of=date(2025, 6, 30), rules=load_rules(write_rules(tmp_path, stricter))
    )
    assert (default.loc[0, "tier"], custom.loc[0, "tier"]) == ("active", "dormant")
    assert custom.loc[0, "tier_reason"].startswith(
        "dormant (休眠): no purchase for 5 months >= dormant threshold 4"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["segments"].update(regular_buyers=3), "segments.regular_buyers"),
        (
            lambda r: r["industry_profiles"]["consumables"].update(threshold={}),
            "consumables.threshold",
        ),
        (lambda r: r["priority"]["signal_weights"].update(viewed_pricing=5), "viewed_pricing"),
        (
            lambda r: r["base_thresholds"].update(dormant_months=30),
            "thresholds must increase",
        ),
        (
            lambda r: r["industry_profiles"]["it_services"]["patterns"].append("(unclosed"),
            "invalid regex '(unclosed'",
        ),
        (lambda r: r["industry_profiles"].pop("default"), "a profile named 'default' is required"),
        (
            lambda r: r["industry_profiles"]["manufacturing"].pop("large_purchase_yen"),
            "large_purchase_yen is required",
        ),
        (lambda r: r["engagement"]["behaviour_types"].append("tweet"), "behaviour_types.5"),
        (lambda r: r["actions"].pop("prospect"), "actions.prospect"),
        (lambda r: r["decline"].update(max_amount_ratio=1.5), "decline.max_amount_ratio"),
    ],
)
def test_bad_rules_fail_naming_the_key(tmp_path: Path, edit: Any, message: str) -> None:
    path = write_rules(tmp_path, edit)
    with pytest.raises(ValueError, match="invalid dormancy rules") as error:
        load_rules(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
