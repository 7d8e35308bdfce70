"""What a run keeps for the next one, so an incremental night scores only what changed and
rebuilds only the customers it touched.

Blocking is re-run over every record: its block-size caps and n-gram rarity are global
decisions that one new record can tip, and it is vectorised and cheap. Scoring a pair depends
on nothing but its two records, so a candidate pair whose records are both unchanged (same
fingerprint over every column the matcher reads) and that was scored last time takes last
time's row, unless a steward decided it then; only the other pairs are scored. The result
equals a full re-score.

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

from cleansing.columns import interleaved_frame
from cleansing.delta import row_hashes
from cleansing.text import text_positions

from .blocking import Candidates
from .config import ScoringConfig
from .ids import PreviousIds
from .records import Records
from .scoring import score_pairs


@dataclass(frozen=True)
class PreviousMatch:
    """Last run's pairs (its result's: `left` and `right` are rows of `fingerprints`, a pair
    the steward decided is marked `steward`), a fingerprint per record (record_key,
    fingerprint and its customer_id, in record key order, as that run's records), the golden
    customers and the signatures of the components the guard split (`signature`, see
    clustering.py)."""

    pairs: pd.DataFrame
    fingerprints: pd.DataFrame
    customers: pd.DataFrame
    splits: pd.DataFrame


def previous_positions(records: Records, previous: PreviousMatch | None) -> np.ndarray:
    """The position among `records` of each record of `previous` (-1: gone): the one string
    lookup reuse needs."""
    if previous is None:
        return np.empty(0, dtype=np.int64)
    return text_positions(previous.fingerprints["record_key"], records.frame["record_key"])


def kept_ids(previous: PreviousMatch, now: np.ndarray, records: int) -> PreviousIds:
    """Last night's crosswalk as tonight's `records` records see it, from what it kept: its
    customer id per record key, and each record's place there (-1: new) as the inverse of
    `now` (`previous_positions`), without another lookup of a million keys."""
    kept = previous.fingerprints
    row = np.full(records, -1, dtype=np.int64)
    found = np.flatnonzero(now >= 0)
    row[now[found]] = found
    by_record = pd.Series(kept["customer_id"].array, index=pd.Index(kept["record_key"].array))
    return PreviousIds(by_record, row)


def unchanged_records(
    fingerprints: np.ndarray, previous: PreviousMatch | None, now: np.ndarray
) -> np.ndarray:
    """Mask of the records whose fingerprint is the same as in `previous`; `now` is
    `previous_positions`."""
    unchanged = np.zeros(len(fingerprints), dtype=bool)
    if previous is None:
        return unchanged
    found = np.flatnonzero(now >= 0)
    old = previous.fingerprints["fingerprint"].to_numpy(np.uint64)[found]
    unchanged[now[found][old == fingerprints[now[found]]]] = True
    return unchanged


@dataclass(frozen=True)
class PreviousCustomers:
    """The previous crosswalk's customers as codes: `ids` (code -> customer id), `size` (its
    records then) and `of_record` (each of tonight's records' previous customer, -1: none)."""

    ids: pd.Index
    size: np.ndarray
    of_record: np.ndarray


def previous_customers(previous: PreviousIds) -> PreviousCustomers:
    code, ids = pd.factorize(previous.by_record)
    row = previous.row
    of_record = np.full(len(row), -1, dtype=np.int64)
    known = row >= 0  # none when last night had no records
    of_record[known] = code[row[known]]
    return PreviousCustomers(pd.Index(ids), np.bincount(code, minlength=len(ids)), of_record)


def carried_customers(
    cluster: np.ndarray, unchanged: np.ndarray, previous: PreviousCustomers
) -> pd.Series:
    """Previous customer id per cluster label, for the clusters that are a previous customer
    unchanged (same records, none changed)."""
    if not len(previous.ids) or not unchanged.any():
        return pd.Series(dtype="str")
    ids, previous_size, mine = previous.ids, previous.size, previous.of_record
    labels = int(cluster.max(initial=-1)) + 1
    lowest = np.full(labels, len(ids), dtype=np.int64)
    highest = np.full(labels, -1, dtype=np.int64)
    np.minimum.at(lowest, cluster, mine)
    np.maximum.at(highest, cluster, mine)
    changed = np.bincount(cluster, weights=~unchanged, minlength=labels) > 0
    size = np.bincount(cluster, minlength=labels)
    one_customer = (lowest == highest) & (lowest >= 0)
    same = one_customer & ~changed
    same[same] = previous_size[lowest[same]] == size[same]
    label = np.flatnonzero(same)
    return pd.Series(ids.take(lowest[label]), index=label, dtype="str")


def record_fingerprints(records: Records, source_hashes: np.ndarray | None = None) -> np.ndarray:
    """One hash per record: the hash of its source row when the caller has one (per input
    row, 0 when unknown: staging keeps it, and a record's staged values follow from its source
    row alone), else a hash of its values, which costs seconds at a million records."""
    known = np.zeros(len(records), dtype=np.uint64)
    if source_hashes is not None:
        known = np.asarray(source_hashes, dtype=np.uint64)[records.source_rows]
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
    now: np.ndarray,
) -> tuple[pd.DataFrame, int, np.ndarray]:
    """Scored candidate pairs in candidate order, how many were taken from `previous`
    (`now`: `previous_positions`), and the unchanged records at either end of a pair compared
    only tonight or only last night: blocking's caps and n-gram rarity are global, so a new
    record elsewhere can add or drop a pair of two unchanged records."""
    none = np.empty(0, dtype=np.int64)
    if previous is None or previous.pairs.empty:
        return score_pairs(records, candidates, config), 0, none
    n = len(records)
    left = now[previous.pairs["left"].to_numpy()]
    right = now[previous.pairs["right"].to_numpy()]
    usable = (left >= 0) & (right >= 0)
    usable[usable] = unchanged[left[usable]] & unchanged[right[usable]]
    row = np.flatnonzero(usable)
    kept_code = left[row] * n + right[row]
    by_code = np.argsort(kept_code)  # a pair code names one pair: kept codes are distinct
    row, kept_code = row[by_code], kept_code[by_code]
    stewarded = previous.pairs["steward"].to_numpy(dtype=bool)[row]
    candidate_code = candidates.left * n + candidates.right  # sorted by blocking's union
    if not (candidate_code[1:] > candidate_code[:-1]).all():  # the binary search relies on it
        raise ValueError("candidate pairs must be distinct and ordered by (left, right)")
    compared, at = _sorted_find(kept_code, candidate_code)
    appeared = ~compared & unchanged[candidates.left] & unchanged[candidates.right]
    # a steward's decision replaced the matcher's in last night's row: scored again
    reused = compared.copy()
    reused[compared] = ~stewarded[at[compared]]
    vanished = ~_sorted_find(candidate_code, kept_code)[0]
    shifted = np.unique(
        np.r_[
            candidates.left[appeared],
            candidates.right[appeared],
            kept_code[vanished] // n,
            kept_code[vanished] % n,
        ]
    )
    fresh = score_pairs(records, _subset(candidates, ~reused), config)
    kept_row = np.zeros(len(reused), dtype=np.int64)  # last night's row of a reused pair
    kept_row[reused] = row[at[reused]]
    ends = {"left": candidates.left, "right": candidates.right, "passes": candidates.passes}
    placed = interleaved_frame(
        fresh, previous.pairs, kept_row, reused, [c for c in fresh.columns if c not in ends]
    )
    scored = pd.DataFrame(
        {column: ends[column] if column in ends else placed[column] for column in fresh.columns},
        # not copied into blocks: the placed columns are new, and the candidates' ends are
        # never written
        copy=False,
    )
    return scored, int(reused.sum()), shifted


def to_keep(
    records: Records,
    pairs: pd.DataFrame,
    fingerprints: np.ndarray,
    customer_id: pd.api.extensions.ExtensionArray,
    customers: pd.DataFrame,
    split_signatures: np.ndarray,
) -> PreviousMatch:
    """What the next run may reuse from this one: `pairs` is the result's, so that a run keeps
    one copy of them; each record's customer (its crosswalk) beside its fingerprint."""
    return PreviousMatch(
        pairs=pairs,
        fingerprints=pd.DataFrame(
            {
                "record_key": records.frame["record_key"],
                "fingerprint": fingerprints,
                "customer_id": customer_id,
            }
        ),
        customers=customers,
        splits=pd.DataFrame({"signature": pd.array(split_signatures, dtype="uint64")}),
    )


def _sorted_find(ordered: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each of `values` is in the sorted array `ordered`, and where (valid where
    found): a binary search, where a hash lookup of a million int64 codes costs a second."""
    at = np.minimum(np.searchsorted(ordered, values), max(len(ordered) - 1, 0))
    found = ordered[at] == values if len(ordered) else np.zeros(len(values), bool)
    return found, at


def _subset(candidates: Candidates, mask: np.ndarray) -> Candidates:
    return Candidates(
        left=candidates.left[mask],
        right=candidates.right[mask],
        passes=candidates.passes[mask],
        pass_pairs=candidates.pass_pairs,
        skipped_blocks=candidates.skipped_blocks,
    )
