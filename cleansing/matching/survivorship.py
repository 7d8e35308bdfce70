"""Golden record per cluster, by explicit and reproducible rules.

- name, legal_form: the most frequent value (a value several sources agree on is the least
  likely to be a typo), ties by head office first, source priority, then most recent update;
  name_key follows the record that supplied the name;
- corporate_number: the valid one (the chaining guard leaves at most one per cluster);
- every other attribute: the most trusted source that has a value, then the most recent;
  a head-office record always before a branch record, whose phone and address are the branch's.

Every remaining tie falls to the smallest record key, so the result never depends on row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRUSTED_COLUMNS = (
    "phone",
    "postal_code",
    "prefecture",
    "address",
    "industry",
    "employees",
    "capital_yen",
)


def golden_records(
    records: pd.DataFrame, cluster: np.ndarray, source_priority: list[str]
) -> pd.DataFrame:
    """One row per cluster label (the index), from records sorted by record key."""
    priority, sources = _source_priority(records["source"], source_priority)
    ranked = records.assign(
        cluster=cluster, priority=priority, branch_office=records["branch"].notna()
    )
    # Best record first within each cluster; `kind="stable"` keeps record-key order for ties.
    ranked = ranked.sort_values(
        ["cluster", "branch_office", "priority", "updated_at"],
        ascending=[True, True, True, False],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    ranked["preference"] = np.arange(len(ranked))
    grouped = ranked.groupby("cluster", sort=True)

    name = _most_frequent(ranked, "name")
    golden = pd.DataFrame(index=pd.Index(np.unique(cluster), name="cluster"))
    golden["name"] = name["name"]
    golden["legal_form"] = _most_frequent(ranked, "legal_form")["legal_form"]
    golden["name_key"] = ranked.loc[name["preference"], "name_key"].set_axis(name.index)
    valid = ranked[ranked["corporate_number_valid"]]
    golden["corporate_number"] = valid.groupby("cluster")["corporate_number"].first()
    golden[list(TRUSTED_COLUMNS)] = grouped[list(TRUSTED_COLUMNS)].first()
    golden["source_count"] = grouped["priority"].nunique()
    golden["record_count"] = grouped.size()
    golden["sources"] = _source_lists(ranked, sources)
    return golden


def _source_priority(source: pd.Series, listed: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each record's rank in the trust order (listed sources first, then the others
    alphabetically), and the sources in that order."""
    codes, names = pd.factorize(source)
    order = sorted(
        names, key=lambda name: (listed.index(name) if name in listed else len(listed), name)
    )
    rank = np.array([order.index(name) for name in names], dtype=np.int64)
    return rank[codes], order


def _source_lists(ranked: pd.DataFrame, sources: list[str]) -> np.ndarray:
    """Comma list of each cluster's sources in trust order, via one bit per source."""
    if ranked.empty:
        return np.empty(0, dtype=object)
    starts = np.flatnonzero(np.r_[True, np.diff(ranked["cluster"].to_numpy()) != 0])
    masks = np.bitwise_or.reduceat(1 << ranked["priority"].to_numpy(), starts)
    inverse, distinct = pd.factorize(masks)
    labels = [
        ",".join(name for bit, name in enumerate(sources) if mask >> bit & 1) for mask in distinct
    ]
    return np.asarray(labels, dtype=object)[inverse]


def _most_frequent(ranked: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per cluster, the most frequent non-null value of `column` and the preference position of
    its best record; ties go to the value whose best record is preferred."""
    votes = (
        ranked.dropna(subset=[column])
        .groupby(["cluster", column], sort=False)["preference"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(["cluster", "size", "min"], ascending=[True, False, True])
        .drop_duplicates("cluster")
        .set_index("cluster")
    )
    return votes.rename(columns={"min": "preference"})
