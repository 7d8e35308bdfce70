"""名寄せ: deduplicate staged company records into customers with stable ids.

Pipeline: prepare (validate, sort by record key, encode) -> blocking (candidate pairs) ->
scoring (features, decision, reason) -> clustering (components of merge edges with a guard
against conflicting 法人番号) -> ids (stable across runs) -> survivorship (golden records).
Pure pandas/numpy: no I/O, no orchestration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .blocking import PASSES, describe_passes, generate_candidates
from .clustering import Edges, cluster_records
from .config import MatchConfig
from .ids import assign_customer_ids
from .records import Records, prepare_records
from .scoring import score_pairs
from .survivorship import golden_records

__all__ = [
    "CROSSWALK_COLUMNS",
    "CUSTOMER_COLUMNS",
    "MatchConfig",
    "MatchResult",
    "assign_customer_ids",
    "match_companies",
]

CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "legal_form",
    "name_key",
    "corporate_number",
    "phone",
    "postal_code",
    "prefecture",
    "address",
    "industry",
    "employees",
    "capital_yen",
    "source_count",
    "record_count",
    "sources",
)
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

    - pairs: every scored candidate pair (record_key_l < record_key_r, passes, features, score,
      decision, reason, cannot_link, cut_by_guard: a merge edge the chaining guard dropped);
    - crosswalk: one row per input record, sorted by record_key, with its customer_id and the
      strongest kept merge edge that tied it in (match_reason 'singleton', match_score NaN if
      none);
    - customers: one golden record per customer, sorted by customer_id;
    - review: 'review' pairs whose records ended in different customers, best score first, with
      both customer ids;
    - merged_ids: previous customer ids retired because their records merged into another;
    - stats: counts; candidate_pairs sums the passes' pairs before deduplication, pairs_compared
      counts the distinct pairs scored.
    """

    pairs: pd.DataFrame
    crosswalk: pd.DataFrame
    customers: pd.DataFrame
    review: pd.DataFrame
    merged_ids: pd.DataFrame
    stats: dict[str, int]


def match_companies(
    companies: pd.DataFrame,
    config: MatchConfig | None = None,
    previous_map: pd.DataFrame | None = None,
) -> MatchResult:
    """Match staged company records into customers.

    `previous_map` is the previous run's crosswalk (source, source_id, customer_id); pass it to
    keep customer ids stable when records are added, removed or re-clustered.
    """
    config = config or MatchConfig()
    records = prepare_records(companies)
    candidates = generate_candidates(records, config.blocking)
    scored = score_pairs(records, candidates, config.scoring)

    merge = (scored["decision"] == "merge").to_numpy()
    left, right = scored["left"].to_numpy(), scored["right"].to_numpy()
    # Conflicting corporate numbers are enforced through the number each group carries, which
    # also covers pairs never compared; the guard needs only the other cannot-links.
    conflict = (scored["cannot_link"] & (scored["corporate_number"] != "conflict")).to_numpy()
    cluster = cluster_records(
        len(records),
        Edges(left[merge], right[merge]),
        scored["score"].to_numpy()[merge],
        Edges(left[conflict], right[conflict]),
        records.codes["corporate_number"],
    )
    frame = records.frame
    ids, merged_ids = assign_customer_ids(
        pd.DataFrame({"record_key": frame["record_key"], "cluster": cluster}), previous_map
    )
    customer_id = pd.array(ids.reindex(cluster).to_numpy(), dtype="str")
    together = cluster[left] == cluster[right]
    pairs = _pairs_frame(records, scored, cut_by_guard=merge & ~together)
    in_review = (scored["decision"] == "review").to_numpy() & ~together
    review = pairs[in_review].assign(
        customer_id_l=customer_id[left[in_review]], customer_id_r=customer_id[right[in_review]]
    )
    customers = (
        golden_records(frame, cluster, config.source_priority)
        .assign(customer_id=ids)
        .loc[:, list(CUSTOMER_COLUMNS)]
        .sort_values("customer_id", ignore_index=True)
    )
    stats = {
        "records": len(records),
        "candidate_pairs": sum(candidates.pass_pairs.values()),
        "pairs_compared": len(scored),
        "merges": int(merge.sum()),
        "guard_cut_edges": int((merge & ~together).sum()),
        "clusters": len(customers),
        "review_pairs": len(review),
        **{f"pairs_{name}": candidates.pass_pairs[name] for name in PASSES},
        **{f"skipped_blocks_{name}": candidates.skipped_blocks[name] for name in PASSES},
    }
    return MatchResult(
        pairs=pairs,
        crosswalk=_crosswalk(frame, customer_id, scored[merge & together]),
        customers=customers,
        review=review.sort_values("score", ascending=False, ignore_index=True),
        merged_ids=merged_ids,
        stats=stats,
    )


def _pairs_frame(records: Records, scored: pd.DataFrame, cut_by_guard: np.ndarray) -> pd.DataFrame:
    """Scored pairs keyed by record keys, with readable pass labels."""
    record_key = records.frame["record_key"].array
    pairs = scored.drop(columns=["left", "right", "passes"])
    pairs.insert(0, "record_key_l", record_key.take(scored["left"].to_numpy()))
    pairs.insert(1, "record_key_r", record_key.take(scored["right"].to_numpy()))
    pairs.insert(2, "passes", describe_passes(scored["passes"].to_numpy()))
    pairs["cut_by_guard"] = cut_by_guard
    return pairs


def _crosswalk(frame: pd.DataFrame, customer_id: np.ndarray, kept: pd.DataFrame) -> pd.DataFrame:
    """One row per record; its strongest kept merge edge explains why it joined its customer."""
    ends = pd.DataFrame(
        {
            "record": np.r_[kept["left"].to_numpy(), kept["right"].to_numpy()],
            "match_score": np.r_[kept["score"].to_numpy(), kept["score"].to_numpy()],
            "match_reason": np.r_[kept["reason"].to_numpy(), kept["reason"].to_numpy()],
        }
    )
    strongest = (
        ends.sort_values(["record", "match_score"], ascending=[True, False], kind="stable")
        .drop_duplicates("record")
        .set_index("record")
    )
    crosswalk = frame[["source", "source_id", "record_key"]].assign(customer_id=customer_id)
    crosswalk["match_reason"] = (
        strongest["match_reason"].reindex(crosswalk.index).fillna("singleton")
    )
    crosswalk["match_score"] = strongest["match_score"].reindex(crosswalk.index)
    return crosswalk.astype({"customer_id": "str", "match_reason": "str"})[list(CROSSWALK_COLUMNS)]
