"""Pair features, a combined score and an explained merge decision, all vectorised.

Decisions follow explicit rules rather than a score cut-off because the failure modes are
asymmetric and known: same-name different companies exist (so an identical name is vetoed by
conflicting location), a single typo is common (so a near name merges when something else
agrees), and two different valid 法人番号 are never the same company. The combined score (a
weighted mean over the features both records carry) ranks edges for the chaining guard and
gates the review of weak names.

Rules, first match wins:

1. both 法人番号 valid and different          -> no_match 'conflict:corporate_number'
2. both 法人番号 valid and equal              -> merge    'corporate_number_equal'
3. name/kana agrees but prefecture and phone both differ -> no_match 'conflict:prefecture+phone'
4. name_key equal, prefecture differs, or nothing agrees and two of phone, postal code and
   address differ (a same-name company nearby) -> review 'name_exact+conflict:prefecture'
5. name_key equal                             -> merge    'name_exact[+evidence]'
6. fuzzy name or equal kana + corroboration, prefecture not different
                                              -> merge    'name_fuzzy(0.93)+postal_equal'
7. long name, within fuzzy_max_edits insertions/deletions, very close, no known field differs
   (prefecture, phone, postal code, address, reading)                          -> merge    'name_fuzzy(0.94)+long_name'
8. fuzzy name or equal kana, corroborated, or close (name_sim >= review_name_sim or equal
   kana) with nothing differing               -> review
9. weak name corroborated, score >= review_score -> review
10. otherwise                                 -> no_match
Corroboration is an equal phone, an equal postal code, a similar address or, for a fuzzy
name, an equal reading.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from .blocking import Candidates
from .config import ScoringConfig
from .records import Records

DECISIONS = ("no_match", "review", "merge")
NO_MATCH, REVIEW, MERGE = range(3)

_HEADS = ("", "conflict:corporate_number", "corporate_number_equal", "conflict:prefecture+phone")
EXACT, FUZZY, KANA, WEAK, MISSING = range(5)
_EVIDENCE = ("phone_equal", "postal_equal", "address_similar", "kana_equal")
_EXTRAS = (
    "long_name",
    "conflict:prefecture",
    "conflict:phone",
    "conflict:postal",
    "conflict:address",
)


def score_pairs(records: Records, candidates: Candidates, config: ScoringConfig) -> pd.DataFrame:
    """One row per candidate pair: positions, pass mask, features, score, decision, reason."""
    left, right = candidates.left, candidates.right
    codes, values = records.codes, records.values

    def equal(column: str) -> np.ndarray:
        return _equal(codes[column][left], codes[column][right])

    def compare(column: str, scorer: Callable, identical: float) -> np.ndarray:
        return _compare(
            codes[column][left], codes[column][right], values[column], scorer, identical
        )

    name_sim = compare("name_key", Indel.normalized_similarity, 1.0)
    name_edits = compare("name_key", OSA.distance, 0.0)
    kana_sim = compare("kana_key", Indel.normalized_similarity, 1.0)
    address_sim = compare("address", Indel.normalized_similarity, 1.0)
    corporate = equal("corporate_number")
    phone, postal, prefecture = equal("phone"), equal("postal_code"), equal("prefecture")
    key_length = pd.Series(values["name_key"], dtype="str").str.len().to_numpy(dtype=np.int64)
    key_length = np.r_[key_length, 0]  # code -1 (missing) reads the trailing 0
    lengths = np.sort(
        np.stack([key_length[codes["name_key"][left]], key_length[codes["name_key"][right]]]),
        axis=0,
    )

    weights = config.weights
    score = _weighted_mean(
        [
            (weights.name, name_sim),
            (weights.kana, kana_sim),
            (weights.corporate_number, corporate),
            (weights.phone, phone),
            (weights.postal, postal),
            (weights.address, address_sim),
            (weights.prefecture, prefecture),
        ]
    )
    decision, reason = _decide(
        config,
        name_sim=name_sim,
        name_edits=name_edits,
        lengths=lengths,
        kana=_agreement(kana_sim, config.kana_sim),
        address=_agreement(address_sim, config.address_sim),
        corporate=corporate,
        phone=phone,
        postal=postal,
        prefecture=prefecture,
        score=score,
    )
    return pd.DataFrame(
        {
            "left": left,
            "right": right,
            "passes": candidates.passes,
            "name_sim": name_sim,
            "name_edits": pd.array(np.where(np.isnan(name_edits), np.nan, name_edits), "Int64"),
            "kana_sim": kana_sim,
            "corporate_number": pd.Categorical.from_codes(
                np.where(np.isnan(corporate), 0, np.where(corporate == 1, 1, 2)),
                ["missing", "agree", "conflict"],
            ),
            "phone_equal": _nullable_bool(phone),
            "postal_equal": _nullable_bool(postal),
            "address_sim": address_sim,
            "prefecture_conflict": prefecture == 0,
            "score": score,
            "decision": pd.Categorical.from_codes(decision, DECISIONS),
            "reason": reason,
        }
    )


def _decide(
    config: ScoringConfig,
    *,
    name_sim: np.ndarray,
    name_edits: np.ndarray,
    lengths: np.ndarray,
    kana: np.ndarray,
    address: np.ndarray,
    corporate: np.ndarray,
    phone: np.ndarray,
    postal: np.ndarray,
    prefecture: np.ndarray,
    score: np.ndarray,
) -> tuple[np.ndarray, pd.Categorical]:
    """Apply the module's rule table; return decision codes and reasons.

    Agreement arrays hold 1.0 agree, 0.0 differ, NaN unknown; `lengths` holds the shorter and
    the longer name key length.
    """
    shorter, longer = lengths
    exact = name_edits == 0
    fuzzy = ~exact & (
        ((name_edits <= config.fuzzy_max_edits) & (shorter >= config.fuzzy_min_len))
        | (name_sim >= config.fuzzy_name_sim)
    )
    level = np.select(
        [exact, fuzzy, kana == 1, ~np.isnan(name_sim)], [EXACT, FUZZY, KANA, WEAK], MISSING
    )
    evidence = np.stack([phone == 1, postal == 1, address == 1, (kana == 1) & (level == FUZZY)])
    corroborated = evidence.any(axis=0)
    pref_conflict, phone_conflict = prefecture == 0, phone == 0
    location_conflicts = np.stack([phone_conflict, postal == 0, address == 0])
    contradicted = pref_conflict | location_conflicts.any(axis=0) | (kana == 0)
    # Only insertions/deletions (the edits equal the length gap): a substituted character in
    # an otherwise equal long name is as often another company (和田/石田ホールディングス).
    long_close = (
        fuzzy
        & (name_edits <= config.fuzzy_max_edits)
        & (longer - shorter == name_edits)
        & (shorter >= config.long_name_len)
        & (name_sim >= config.long_name_sim)
        & ~contradicted
    )
    similar = fuzzy | (level == KANA)
    namesake_nearby = exact & (
        pref_conflict | ((location_conflicts.sum(axis=0) >= 2) & ~corroborated)
    )
    close_enough = (name_sim >= config.review_name_sim) | (level == KANA)
    rules = [
        (corporate == 0, NO_MATCH, 1),
        (corporate == 1, MERGE, 2),
        ((level <= KANA) & pref_conflict & phone_conflict, NO_MATCH, 3),
        (namesake_nearby, REVIEW, 0),
        (exact, MERGE, 0),
        (similar & corroborated & ~pref_conflict, MERGE, 0),
        (long_close, MERGE, 0),
        (similar & (corroborated | (close_enough & ~contradicted)), REVIEW, 0),
        (corroborated & (score >= config.review_score), REVIEW, 0),
    ]
    conditions = [condition for condition, _, _ in rules]
    decision = np.select(conditions, [d for _, d, _ in rules], NO_MATCH)
    head = np.select(conditions, [h for _, _, h in rules], 0)

    explained = decision != MERGE
    extras = np.vstack(
        [
            long_close & (decision == MERGE),
            pref_conflict & explained,
            location_conflicts & explained,
        ]
    )
    return decision, _reasons(head, level, name_sim, evidence, extras)


def _reasons(
    head: np.ndarray,
    level: np.ndarray,
    name_sim: np.ndarray,
    evidence: np.ndarray,
    extras: np.ndarray,
) -> pd.Categorical:
    """Reasons, formatted once per distinct combination of their integer parts."""
    plain = head == 0
    percent = np.where(
        plain & np.isin(level, (FUZZY, WEAK)), np.round(np.nan_to_num(name_sim) * 100), 0
    )
    evidence_bits = (evidence * (1 << np.arange(len(_EVIDENCE)))[:, None]).sum(axis=0) * plain
    extra_bits = (extras * (1 << np.arange(len(_EXTRAS)))[:, None]).sum(axis=0) * plain
    level = np.where(plain, level, 0)
    code = (
        ((head * 5 + level) * 101 + percent.astype(np.int64)) * (1 << len(_EVIDENCE))
        + evidence_bits
    ) * (1 << len(_EXTRAS)) + extra_bits
    inverse, distinct = pd.factorize(code)
    labels, relabel = np.unique([_reason(int(c)) for c in distinct], return_inverse=True)
    return pd.Categorical.from_codes(relabel[inverse], labels)


def _reason(code: int) -> str:
    code, extra_bits = divmod(code, 1 << len(_EXTRAS))
    code, evidence_bits = divmod(code, 1 << len(_EVIDENCE))
    code, percent = divmod(code, 101)
    head, level = divmod(code, 5)
    if head:
        return _HEADS[head]
    name = (
        "name_exact",
        f"name_fuzzy({percent / 100:.2f})",
        "kana_exact",
        f"name_weak({percent / 100:.2f})",
        "name_missing",
    )[level]
    parts = [name]
    parts += [label for bit, label in enumerate(_EVIDENCE) if evidence_bits >> bit & 1]
    parts += [label for bit, label in enumerate(_EXTRAS) if extra_bits >> bit & 1]
    return "+".join(parts)


def _agreement(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """1.0 when at least `threshold`, 0.0 below, NaN when unknown."""
    return np.where(np.isnan(similarity), np.nan, (similarity >= threshold).astype(float))


def _equal(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """1.0 equal, 0.0 different, NaN when either side is unknown."""
    return np.where((left >= 0) & (right >= 0), (left == right).astype(float), np.nan)


def _compare(
    left: np.ndarray,
    right: np.ndarray,
    values: np.ndarray,
    scorer: Callable,
    identical: float,
) -> np.ndarray:
    """Score aligned string pairs given as codes; NaN when either side is unknown.

    Identical codes take `identical` without calling the scorer: exact passes make them common.
    """
    known = (left >= 0) & (right >= 0)
    out = np.where(known, identical, np.nan)
    differ = np.flatnonzero(known & (left != right))
    if len(differ):
        out[differ] = process.cpdist(
            values[left[differ]], values[right[differ]], scorer=scorer, dtype=np.float64, workers=-1
        )
    return out


def _weighted_mean(parts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Weighted mean over the features that are known for each pair (0 when none is)."""
    total = sum(weight * np.nan_to_num(value) for weight, value in parts)
    weight_sum = sum(weight * ~np.isnan(value) for weight, value in parts)
    return np.divide(total, weight_sum, out=np.zeros_like(total), where=weight_sum > 0)


def _nullable_bool(value: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(value == 1, np.isnan(value))
