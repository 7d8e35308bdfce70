"""What a run keeps for the next one, so an incremental night scores only what changed and
rebuilds only the customers it touched.

Blocking is re-run over every record: its block-size caps and n-gram rarity are global
decisions that one new record can tip, and it is vectorised and cheap. Scoring a pair depends
on nothing but its two records, so a candidate pair whose records are both unchanged (same
fingerprint over every column the matcher reads) and that was scored last time takes last
time's row; only the other pairs are scored. The result equals a full re-score.

A cluster whose records are exactly the records of one previous customer, none of them
changed, is that customer again: a full run would give it the same id (every vote is for it,
and no other cluster holds one of its records) and the same golden record (survivorship reads
only the cluster's records). Such clusters keep both; ids and golden records are worked out for
the other clusters only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cleansing.delta import row_hashes

from .blocking import Candidates
from .config import ScoringConfig
from .records import Records
from .scoring import score_pairs

KEYS = ("record_key_l", "record_key_r")


@dataclass(frozen=True)
class PreviousMatch:
    """Last run's scored pairs (before steward overrides; record keys instead of positions and
    no pass mask), a fingerprint per record and the golden customers."""

    pairs: pd.DataFrame
    fingerprints: pd.DataFrame  # record_key, fingerprint
    customers: pd.DataFrame


def unchanged_records(
    records: Records, fingerprints: np.ndarray, previous: PreviousMatch | None
) -> np.ndarray:
    """Mask of the records whose fingerprint is the same as in `previous`."""
    if previous is None:
        return np.zeros(len(records), dtype=bool)
    old = pd.Series(
        previous.fingerprints["fingerprint"].to_numpy(np.uint64),
        index=previous.fingerprints["record_key"],
    )
    return old.reindex(pd.Index(records.frame["record_key"])).to_numpy() == fingerprints


def carried_customers(
    record_key: pd.Series, cluster: np.ndarray, unchanged: np.ndarray, previous_id: pd.Series
) -> pd.Series:
    """Previous customer id per cluster label, for the clusters that are a previous customer
    unchanged (same records, none changed); `previous_id` is the previous customer id per
    record key."""
    if previous_id.empty or not unchanged.any():
        return pd.Series(dtype="str")
    per_record = pd.DataFrame(
        {
            "cluster": cluster,
            "previous_id": previous_id.reindex(pd.Index(record_key)).to_numpy(),
            "unchanged": unchanged,
        }
    )
    per_cluster = per_record.groupby("cluster").agg(
        ids=("previous_id", "nunique"),
        previous_id=("previous_id", "first"),
        known=("previous_id", "count"),
        size=("previous_id", "size"),
        unchanged=("unchanged", "all"),
    )
    previous_size = previous_id.value_counts()
    same = (
        (per_cluster["ids"] == 1)
        & (per_cluster["known"] == per_cluster["size"])
        & per_cluster["unchanged"]
        & (per_cluster["previous_id"].map(previous_size) == per_cluster["size"])
    )
    return per_cluster.loc[same, "previous_id"].astype("str")


def record_fingerprints(records: Records, source_hashes: pd.Series | None = None) -> np.ndarray:
    """One hash per record: the hash of its source row when the caller has one (staging keeps
    it, and a record's staged values follow from its source row alone), else a hash of its
    values, which costs seconds at a million records."""
    known = np.zeros(len(records), dtype=np.uint64)
    if source_hashes is not None:
        keys = pd.Index(records.frame["record_key"])
        known = source_hashes.reindex(keys).fillna(0).to_numpy(dtype=np.uint64)
    missing = known == 0
    if missing.any():
        known[missing] = row_hashes(records.frame[missing])
    return known


def score_with_reuse(
    records: Records,
    candidates: Candidates,
    config: ScoringConfig,
    previous: PreviousMatch | None,
    unchanged: np.ndarray,
) -> tuple[pd.DataFrame, int]:
    """Scored candidate pairs in candidate order, and how many were taken from `previous`."""
    if previous is None or previous.pairs.empty:
        return score_pairs(records, candidates, config), 0
    n = len(records)
    key = pd.Index(records.frame["record_key"])
    left = key.get_indexer(previous.pairs["record_key_l"])
    right = key.get_indexer(previous.pairs["record_key_r"])
    usable = (left >= 0) & (right >= 0)
    usable[usable] = unchanged[left[usable]] & unchanged[right[usable]]
    kept = pd.Series(np.flatnonzero(usable), index=left[usable] * n + right[usable])
    candidate_code = candidates.left * n + candidates.right
    row = kept.reindex(candidate_code).to_numpy()
    reused = ~np.isnan(row)
    fresh = score_pairs(records, _subset(candidates, ~reused), config)
    taken = previous.pairs.iloc[row[reused].astype(np.int64)].drop(columns=list(KEYS))
    taken = taken.assign(
        left=candidates.left[reused],
        right=candidates.right[reused],
        passes=candidates.passes[reused],
    )[fresh.columns]
    scored = _concat_aligned(fresh, taken)
    order = np.argsort(np.r_[candidate_code[~reused], candidate_code[reused]], kind="stable")
    return scored.take(order).reset_index(drop=True), int(reused.sum())


def to_keep(
    records: Records, scored: pd.DataFrame, fingerprints: np.ndarray, customers: pd.DataFrame
) -> PreviousMatch:
    """What the next run may reuse from this one."""
    record_key = records.frame["record_key"].array
    pairs = scored.drop(columns=["left", "right", "passes"])
    pairs.insert(0, KEYS[0], record_key.take(scored["left"].to_numpy()))
    pairs.insert(1, KEYS[1], record_key.take(scored["right"].to_numpy()))
    return PreviousMatch(
        pairs=pairs,
        fingerprints=pd.DataFrame(
            {"record_key": records.frame["record_key"], "fingerprint": fingerprints}
        ),
        customers=customers,
    )


def _subset(candidates: Candidates, mask: np.ndarray) -> Candidates:
    return Candidates(
        left=candidates.left[mask],
        right=candidates.right[mask],
        passes=candidates.passes[mask],
        pass_pairs=candidates.pass_pairs,
        skipped_blocks=candidates.skipped_blocks,
    )


def _concat_aligned(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Concatenate keeping categorical columns categorical (over both sets of categories)."""
    second = second.copy()
    first = first.copy()
    for column in first.columns:
        if isinstance(first[column].dtype, pd.CategoricalDtype):
            categories = first[column].cat.categories.union(
                pd.Index(second[column].astype("object").dropna().unique()), sort=False
            )
            first[column] = first[column].cat.set_categories(categories)
            second[column] = pd.Categorical(second[column].astype("object"), categories=categories)
        elif first[column].dtype != second[column].dtype:
            second[column] = second[column].astype(first[column].dtype)
    return pd.concat([first, second], ignore_index=True)
