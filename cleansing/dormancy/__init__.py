"""Dormant-customer (休眠顧客) detection: features -> tiers -> reactivation priority.

Pure pandas on staged, unified data; the only I/O is reading the rules YAML.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cleansing.dormancy.features import customer_features
from cleansing.dormancy.priority import reactivation_priority
from cleansing.dormancy.rules import DormancyRules, load_rules
from cleansing.dormancy.tiers import assign_tiers

__all__ = ["DormancyRules", "compute_dormancy", "load_rules"]


def compute_dormancy(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    deals: pd.DataFrame,
    activities: pd.DataFrame,
    as_of: date,
    rules: DormancyRules | None = None,
) -> pd.DataFrame:
    """One row per customer (in `customers` order, prospects included) with its features,
    tier and reactivation priority as of `as_of`; the shipped default rules when none given."""
    rules = rules or load_rules()
    features = customer_features(customers, transactions, deals, activities, as_of, rules)
    return reactivation_priority(assign_tiers(features, rules, as_of), rules)
