"""名寄せ: deduplicate staged company records into customers with stable ids.

Pipeline: prepare (validate, sort by record key, encode) -> blocking (candidate pairs, plus
the steward's pairs) -> scoring (features, decision, reason) -> steward overrides -> clustering
(components of merge edges with a guard against conflicting 法人番号 and cannot-links) -> ids
(stable across runs) -> survivorship (golden records).
Pure pandas/numpy: no I/O, no orchestration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cleansing.columns import interleaved_frame
from cleansing.text import pick, texts_in
from cleansing.threads import in_threads

from .blocking import PASSES, describe_passes, generate_candidates
from .clustering import Edges, PreviousSplits, cluster_records
from .config import MatchConfig
from .ids import assign_customer_ids, moved_records, previous_ids
from .overrides import Overrides, OverridesError, apply_overrides, load_overrides, resolve
from .records import Records, prepare_records
from .reuse import (
    PreviousMatch,
    carried_customers,
    kept_ids,
    previous_customers,
    previous_positions,
    record_fingerprints,
    score_with_reuse,
    to_keep,
    unchanged_records,
)
from .survivorship import golden_records

__all__ = [
    "CROSSWALK_COLUMNS",
    "CUSTOMER_COLUMNS",
    "MatchConfig",
    "MatchResult",
    "Overrides",
    "OverridesError",
    "PreviousMatch",
    "assign_customer_ids",
    "load_overrides",
    "match_companies",
]

# The golden record's columns and dtypes: carried and rebuilt customers concatenate to these.
CUSTOMER_DTYPES = {
    "customer_id": "str",
    "name": "str",
    "legal_form": "str",
    "name_key": "str",
    "corporate_number": "str",
    "phone": "str",
    "postal_code": "str",
    "prefecture": "str",
    "address": "str",
    "industry": "str",
    "employees": "float64",
    "capital_yen": "float64",
    "source_count": "int64",
    "record_count": "int64",
    "sources": "str",
}
CUSTOMER_COLUMNS = tuple(CUSTOMER_DTYPES)
CROSSWALK_COLUMNS = (
    "source",
    "source_id",
    "record_key",
    "customer_id",
    "match_reason",
    "match_score",
)


@dataclass(frozen=True)
class MatchResult:
    """Everything 名寄せ decided, with the evidence to audit it.

    - pairs: every scored candidate pair (record_key_l < record_key_r, passes, left and right:
      the two records' crosswalk rows, features, score, decision, reason, cannot_link,
      steward: decided by a steward override, cut_by_guard: a merge edge the chaining guard
      dropped);
    - crosswalk: one row per input record, sorted by record_key, with its customer_id and the
      strongest kept merge edge that tied it in (match_reason 'singleton', match_score NaN if
      none);
    - customers: one golden record per customer, sorted by customer_id;
    - review: 'review' pairs and merge pairs cut by the guard whose records ended in different
      customers, best score first, with both names and both customer ids;
    - merged_ids: previous customer ids retired because their records merged into another;
    - moved: (source, source_id, customer_id) of the records whose customer is not the one
      `previous_map` gave them;
    - unknown_overrides: steward pairs naming a record this run does not have;
    - stats: counts; candidate_pairs sums the passes' pairs before deduplication, pairs_compared
      counts the distinct pairs scored; steward_must_link / steward_cannot_link count the
      overrides applied, steward_must_link_cut the must-links the guard had to refuse;
      pairs_reused counts the pairs whose score was taken from `previous_scores`;
    - kept: this run's pairs, record fingerprints, customers and the signatures of the
      components the guard split, for the next run to reuse;
    - source_rows: the row of the input frame each crosswalk row came from;
    - rebuilt: per crosswalk row, whether it may differ from `previous`'s: its customer was
      worked out this run, or a pair inside its customer was compared only in one of the two
      runs (False: the customer was carried over with the same pairs, so its crosswalk rows
      are unchanged too, unless a steward override added or dropped since changed a decision
      inside it).
    """

    pairs: pd.DataFrame
    crosswalk: pd.DataFrame
    customers: pd.DataFrame
    review: pd.DataFrame
    merged_ids: pd.DataFrame
    moved: pd.DataFrame
    unknown_overrides: pd.DataFrame
    stats: dict[str, int]
    kept: PreviousMatch | None
    source_rows: np.ndarray
    rebuilt: np.ndarray


def match_companies(
    companies: pd.DataFrame,
    config: MatchConfig | None = None,
    previous_map: pd.DataFrame | None = None,
    overrides: Overrides | None = None,
    previous: PreviousMatch | None = None,
    source_hashes: np.ndarray | None = None,
) -> MatchResult:
    """Match staged company records into customers.

    `previous_map` is the previous run's crosswalk (source, source_id, customer_id); pass it to
    keep customer ids stable when records are added, removed or re-clustered. `overrides` are
    the steward's must-link / cannot-link pairs (see `overrides.py`). `previous` (a previous
    result's `kept`) spares re-scoring pairs of unchanged records and rebuilding customers
    that did not change (see `reuse.py`); it holds that run's crosswalk too, which then
    stands for `previous_map` (not read). `source_hashes` (one per row of `companies`, 0 when
    unknown) tell it which records changed.
    """
    config = config or MatchConfig()
    records = prepare_records(companies)
    steward = resolve(overrides or Overrides(), records.frame["record_key"])
    forced = pd.concat([steward["must_link"], steward["cannot_link"]])
    record_key = records.frame["record_key"]
    # The lookup of last night's records does not wait for blocking: the second core runs it.
    jobs = {
        "candidates": lambda: generate_candidates(
            records, config.blocking, (forced["left"].to_numpy(), forced["right"].to_numpy())
        ),
        "now": lambda: previous_positions(records, previous),
    }
    if previous is None:  # no kept crosswalk: last night's is looked up in the published one
        jobs["before"] = lambda: previous_ids(previous_map, record_key)
    found = in_threads(jobs)
    candidates, now = found["candidates"], found["now"]
    before = found["before"] if previous is None else kept_ids(previous, now, len(records))
    fingerprints = record_fingerprints(records, source_hashes)
    unchanged = unchanged_records(fingerprints, previous, now)
    computed, reused, shifted = score_with_reuse(
        records, candidates, config.scoring, previous, unchanged, now
    )
    scored = apply_overrides(computed, steward, len(records))

    merge = (scored["decision"] == "merge").to_numpy()
    left, right = scored["left"].to_numpy(), scored["right"].to_numpy()
    # The guard replays edges by evidence, steward must-links first.
    must_link = merge & scored["steward"].to_numpy()
    strength = scored["evidence"].to_numpy() + np.where(must_link, np.inf, 0)
    # Conflicting corporate numbers are enforced through the number each group carries, which
    # also covers pairs never compared; the guard needs only the other cannot-links.
    conflict = (scored["cannot_link"] & (scored["corporate_number"] != "conflict")).to_numpy()
    customers_before = splits = None
    if previous is not None:
        customers_before = previous_customers(before)
        splits = PreviousSplits(
            previous.splits["signature"].to_numpy(np.uint64),
            customers_before.of_record,
            customers_before.size,
        )
    clusters = cluster_records(
        len(records),
        Edges(left[merge], right[merge]),
        strength[merge],
        Edges(left[conflict], right[conflict]),
        records.codes["corporate_number"],
        fingerprints,
        splits,
    )
    cluster = clusters.label
    frame = records.frame
    carried = pd.Series(dtype="str")
    if customers_before is not None:
        carried = carried_customers(cluster, unchanged, customers_before)
    rebuilt = ~pd.Index(cluster).isin(carried.index)
    earlier = None if before is None else before.by_record
    if earlier is not None and not carried.empty:
        earlier = before.of_records(rebuilt)  # the other clusters need only their own records'
    ids, merged_ids = assign_customer_ids(
        pd.DataFrame({"record_key": frame["record_key"], "cluster": cluster})[rebuilt],
        earlier,
        taken=carried,
    )
    ids = pd.concat([ids, carried]).sort_index()
    customer_id = pd.array(ids.reindex(cluster).to_numpy(), dtype="str")
    together = cluster[left] == cluster[right]
    # the four columns the crosswalk reads, then the rows: not every feature of ~half the
    # pairs copied
    edges = scored[["left", "right", "score", "reason"]][merge & together]
    # Independent, and mostly Arrow takes and numpy: side by side on the cores
    built = in_threads(
        {
            "customers": lambda: _customers(
                golden_records(
                    frame[rebuilt].reset_index(drop=True), cluster[rebuilt], config.source_priority
                ),
                ids,
                previous,
                carried,
            ),
            "pairs": lambda: _pairs_frame(records, scored, cut_by_guard=merge & ~together),
            "crosswalk": lambda: _crosswalk(frame, customer_id, edges),
        }
    )
    pairs, customers, crosswalk = built["pairs"], built["customers"], built["crosswalk"]
    # Borderline pairs, and merge edges the guard had to cut: both need a person's eye.
    in_review = ((scored["decision"] == "review").to_numpy() | merge) & ~together
    name = frame["name"].array
    review = pairs[in_review].assign(
        name_l=name.take(left[in_review]),
        name_r=name.take(right[in_review]),
        customer_id_l=customer_id[left[in_review]],
        customer_id_r=customer_id[right[in_review]],
    )
    stats = {
        "records": len(records),
        "candidate_pairs": sum(candidates.pass_pairs.values()),
        "pairs_compared": len(scored),
        "pairs_reused": reused,
        "customers_carried": len(carried),
        "merges": int(merge.sum()),
        "guard_cut_edges": int((merge & ~together).sum()),
        "guard_split_components": len(clusters.split_signatures),
        "guard_replayed_components": clusters.replayed,
        "clusters": len(customers),
        "review_pairs": len(review),
        "steward_must_link": len(steward["must_link"]),
        "steward_cannot_link": len(steward["cannot_link"]),
        "steward_must_link_cut": int((must_link & ~together).sum()),
        "steward_unknown": len(steward["unknown"]),
        **{f"pairs_{name}": candidates.pass_pairs[name] for name in PASSES},
        **{f"skipped_blocks_{name}": candidates.skipped_blocks[name] for name in PASSES},
    }
    return MatchResult(
        pairs=pairs,
        crosswalk=crosswalk,
        customers=customers,
        review=review.sort_values("score", ascending=False, ignore_index=True),
        merged_ids=merged_ids,
        moved=moved_records(before, crosswalk),
        unknown_overrides=steward["unknown"],
        stats=stats,
        kept=to_keep(
            records, pairs, fingerprints, customer_id, customers, clusters.split_signatures
        ),
        source_rows=records.source_rows,
        # a carried customer's crosswalk rows (reasons: its strongest edges) are as last night
        # unless one of its pairs was compared only tonight or only last night
        rebuilt=rebuilt | np.isin(cluster, cluster[shifted]),
    )


def _customers(
    golden: pd.DataFrame, ids: pd.Series, previous: PreviousMatch | None, carried: pd.Series
) -> pd.DataFrame:
    """Tonight's golden records (with their clusters' `ids`) and the previous ones of the
    `carried` customers, sorted by customer_id. The previous customers are in that order
    already, so tonight's few are placed among them column by column (cleansing/columns.py)
    rather than the carried rows filtered, concatenated and sorted again (three copies of half
    a million customers)."""
    fresh = golden.assign(customer_id=ids[golden.index]).loc[:, list(CUSTOMER_COLUMNS)]
    fresh = fresh.astype(CUSTOMER_DTYPES).sort_values("customer_id", ignore_index=True)
    if previous is None or carried.empty:
        return fresh
    kept = previous.customers
    rows = np.flatnonzero(texts_in(kept["customer_id"], carried))
    kept_ids = pa.array(kept["customer_id"].array).take(pa.array(rows))
    if len(rows) > 1 and pc.any(pc.less(kept_ids[1:], kept_ids[:-1])).as_py():
        # not in id order (no run of this code stores them so): the plain way
        merged = pd.concat([fresh, kept.iloc[rows].loc[:, list(CUSTOMER_COLUMNS)]])
        return merged.astype(CUSTOMER_DTYPES).sort_values("customer_id", ignore_index=True)
    # each of tonight's ids goes before the carried ids above it (no id is both: ids avoid
    # the carried ones)
    before = np.searchsorted(kept_ids.to_numpy(zero_copy_only=False), fresh["customer_id"])
    reused = np.ones(len(fresh) + len(rows), dtype=bool)
    reused[before + np.arange(len(fresh))] = False
    kept_row = np.zeros(len(reused), dtype=np.int64)
    kept_row[reused] = rows
    return interleaved_frame(fresh, kept, kept_row, reused, CUSTOMER_COLUMNS)


def _pairs_frame(records: Records, scored: pd.DataFrame, cut_by_guard: np.ndarray) -> pd.DataFrame:
    """Scored pairs keyed by record keys (and positions: crosswalk rows), with readable pass
    labels."""
    record_key = records.frame["record_key"].array
    pairs = scored.drop(columns=["passes"])
    pairs.insert(0, "record_key_l", record_key.take(scored["left"].to_numpy()))
    pairs.insert(1, "record_key_r", record_key.take(scored["right"].to_numpy()))
    pairs.insert(2, "passes", describe_passes(scored["passes"].to_numpy()))
    pairs["cut_by_guard"] = cut_by_guard
    return pairs


def _crosswalk(frame: pd.DataFrame, customer_id: np.ndarray, kept: pd.DataFrame) -> pd.DataFrame:
    """One row per record; its strongest kept merge edge explains why it joined its customer
    (ties: the first edge, left ends before right ends)."""
    record = np.r_[kept["left"].to_numpy(), kept["right"].to_numpy()]
    score = np.tile(kept["score"].to_numpy(dtype=float), 2)
    reason = pd.Categorical(kept["reason"])
    code = np.tile(reason.codes, 2)
    # per record its best score (a score beats none), then its first edge with that score:
    # reductions over the edges instead of sorting them
    best_score = np.full(len(frame), np.nan)
    np.fmax.at(best_score, record, score)
    best = best_score[record]
    strongest = (score == best) | (np.isnan(best) & np.isnan(score))
    first = np.full(len(frame), len(record))
    np.minimum.at(first, record[strongest], np.flatnonzero(strongest))
    tied = first < len(record)
    best_reason = np.full(len(frame), len(reason.categories))  # none: 'singleton'
    best_reason[tied] = code[first[tied]]
    crosswalk = frame[["source", "source_id", "record_key"]].assign(
        customer_id=customer_id,
        match_reason=pick([*reason.categories, "singleton"], best_reason, frame.index),
        match_score=best_score,
    )
    return crosswalk[list(CROSSWALK_COLUMNS)]
