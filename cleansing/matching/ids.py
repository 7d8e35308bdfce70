"""Stable customer ids, so downstream history (dormancy, CRM links) survives re-runs.

Without history an id is derived from the cluster's smallest record key, which makes a re-run on
the same data reproduce the same ids whatever the row order. With the previous run's crosswalk,
ids follow the records: a cluster keeps the previous id held by most of its records (ties:
smallest id). When a previous id is wanted by several clusters (a split), the cluster holding
most of its records wins (ties: smallest record key) and the others fall back to their next
choice, then to a fresh id. A previous id that no cluster keeps although its records are still
present was merged into another customer and is reported as retired.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cleansing.text import text_positions, texts_in

MERGED_COLUMNS = ("retired_id", "surviving_id")


def ids_by_record(crosswalk: pd.DataFrame) -> pd.Series:
    """A crosswalk's customer_id per record key (`source:source_id`), in the crosswalk's order."""
    key = crosswalk["source"].astype("str") + ":" + crosswalk["source_id"].astype("str")
    return pd.Series(crosswalk["customer_id"].astype("str").to_numpy(), index=key)


def assign_customer_ids(
    clusters: pd.DataFrame,
    previous: pd.Series | None = None,
    taken: pd.Series | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Customer id per cluster label, and the previous ids retired by merges.

    `clusters` has one row per record with `record_key` and `cluster`; `previous` is a
    previous crosswalk's customer id per record key (`ids_by_record`); `taken` are further
    ids in use that a fresh id must not repeat (those of clusters decided elsewhere).
    Returns (Series of customer_id indexed by cluster, DataFrame of retired_id, surviving_id).
    """
    taken = pd.Series([] if taken is None else taken, dtype="str")
    first_key = clusters.groupby("cluster")["record_key"].min()
    if previous is None or previous.empty:
        return _fresh_ids(first_key, taken=taken), pd.DataFrame(
            columns=list(MERGED_COLUMNS), dtype="str"
        )

    held = clusters.assign(previous_id=clusters["record_key"].map(previous)).dropna(
        subset=["previous_id"]
    )
    votes = held.groupby(["cluster", "previous_id"]).size().rename("size").reset_index()
    votes["first_key"] = votes["cluster"].map(first_key)
    # Integer codes in id order: comparisons and membership tests stay off Python strings.
    votes["previous"], names = pd.factorize(votes["previous_id"], sort=True)
    kept = _claim(votes)

    unclaimed = first_key.index.difference(kept.index)
    in_use = pd.concat([taken, pd.Series(previous.dropna().array, dtype="str")])
    fresh = _fresh_ids(first_key[unclaimed], in_use)
    ids = pd.concat([pd.Series(names[kept.to_numpy()], index=kept.index, dtype="str"), fresh])
    ids = ids.sort_index()
    return ids, _retired(votes, kept, ids)


def _claim(votes: pd.DataFrame) -> pd.Series:
    """Previous id code kept per cluster, resolved in rounds: every unresolved cluster proposes
    its best id still free, and each proposed id goes to its strongest proposer."""
    kept = pd.Series(dtype=np.int64)
    while True:
        free = votes[~votes["cluster"].isin(kept.index) & ~votes["previous"].isin(kept)]
        if free.empty:
            return kept.rename_axis("cluster")
        proposals = free.sort_values(
            ["cluster", "size", "previous"], ascending=[True, False, True]
        ).drop_duplicates("cluster")
        winners = proposals.sort_values(
            ["previous", "size", "first_key"], ascending=[True, False, True]
        ).drop_duplicates("previous")
        kept = pd.concat([kept, winners.set_index("cluster")["previous"]])


def _retired(votes: pd.DataFrame, kept: pd.Series, ids: pd.Series) -> pd.DataFrame:
    """Previous ids kept by no cluster, each mapped to the customer holding most of its records
    (ties: smallest surviving id)."""
    lost = votes[~votes["previous"].isin(kept)].assign(
        surviving_id=lambda frame: frame["cluster"].map(ids)
    )
    merged = lost.sort_values(
        ["previous", "size", "surviving_id"], ascending=[True, False, True]
    ).drop_duplicates("previous")
    return merged.rename(columns={"previous_id": "retired_id"})[list(MERGED_COLUMNS)].reset_index(
        drop=True
    )


def _fresh_ids(first_key: pd.Series, taken: pd.Series) -> pd.Series:
    """'C' + 10 hex of sha1(smallest record key), salted when it clashes with an id in use.

    40 bits start to clash around a million clusters; a clash is settled in favour of the unsalted
    id, then the smaller key, so existing ids never move.
    """
    keys = first_key.sort_values()
    salt = np.zeros(len(keys), dtype=np.int64)
    ids = np.array([_digest(key) for key in keys], dtype=object)
    while True:
        order = np.lexsort((np.arange(len(keys)), salt))
        clash = np.zeros(len(keys), dtype=bool)
        clash[order] = pd.Series(ids[order]).duplicated().to_numpy()
        clash |= texts_in(pd.Series(ids, dtype="str"), taken)
        if not clash.any():
            return pd.Series(ids, index=keys.index, dtype="str").sort_index()
        salt[clash] += 1
        ids[clash] = [
            _digest(f"{key}#{n}") for key, n in zip(keys[clash], salt[clash], strict=True)
        ]


def _digest(text: str) -> str:
    return "C" + hashlib.sha1(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class PreviousIds:
    """The previous crosswalk as tonight's records see it: `by_record` is its customer id per
    record key (ids_by_record), `row` the position there of each of tonight's records (-1: a
    new record). One string lookup, shared by carried customers and moved records."""

    by_record: pd.Series
    row: np.ndarray

    def of_records(self, records: np.ndarray) -> pd.Series:
        """`by_record` of those of tonight's records a mask picks, in its order."""
        rows = self.row[records]
        picked = np.zeros(len(self.by_record), dtype=bool)
        picked[rows[rows >= 0]] = True
        return self.by_record[picked]


def previous_ids(previous_map: pd.DataFrame | None, record_key: pd.Series) -> PreviousIds | None:
    if previous_map is None or previous_map.empty:
        return None
    by_record = ids_by_record(previous_map)
    return PreviousIds(by_record, text_positions(record_key, by_record.index))


def moved_records(previous: PreviousIds | None, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """(source, source_id, customer_id) of the records whose customer changed since the
    previous crosswalk (`crosswalk` in the order of the records `previous` was looked up for):
    their earlier facts must follow them."""
    columns = ["source", "source_id", "customer_id"]
    if previous is None:
        return crosswalk.loc[[], columns]
    known = np.flatnonzero(previous.row >= 0)
    was = pa.array(previous.by_record.array).take(previous.row[known])
    now = pa.array(crosswalk["customer_id"].astype("str").array).take(known)
    moved = known[pc.fill_null(pc.not_equal(was, now), False).to_numpy(zero_copy_only=False)]
    return crosswalk[columns].take(moved).reset_index(drop=True)
