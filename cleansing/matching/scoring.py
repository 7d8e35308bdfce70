"""Pair features, a combined score and an explained merge decision, all vectorised.

Decisions follow explicit rules rather than a score cut-off because the failure modes are
asymmetric and known: same-name different companies exist (so an identical name is vetoed by
conflicting location), a single typo is common (so a near name merges when something else
agrees), and two different valid 法人番号 are never the same company. The combined score (a
weighted mean over the features both records carry) ranks edges for the chaining guard and
gates the review of weak names.

Rules, first match wins (decision, example reason):

1. both 法人番号 valid and different -> no_match 'conflict:corporate_number'
2. both 法人番号 valid and equal -> merge 'corporate_number_equal'
3. names equal, fuzzy or read alike, but prefecture and phone both differ (a namesake)
   -> no_match 'conflict:prefecture+phone'
4. name_key equal but prefecture differs, or nothing agrees and two of phone, postal code and
   address differ -> review 'name_exact+conflict:prefecture'
5. name_key equal -> merge 'name_exact' (+ agreeing evidence, e.g. '+phone_equal')
6. fuzzy name or equal reading, corroborated, prefecture not different
   -> merge 'name_fuzzy(0.75)+phone_equal'
7. long name differing only by fuzzy_max_edits inserted/deleted characters, very close, and no
   known field differs (prefecture, phone, postal code, address, reading), not even one a
   branch office would excuse -> merge 'name_fuzzy(0.97)+long_name'
8. equal reading where one record's name is only a reading (a 全銀 transfer name such as
   ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ has nothing else to compare) and no known field differs
   -> merge 'kana_exact+reading_name'
9. fuzzy name or equal reading, corroborated (so the prefecture differs), or equal reading
   with nothing differing -> review
10. weak name, corroborated, score >= review_score -> review 'name_weak(0.50)+phone_equal'
11. otherwise -> no_match, the reason listing what was seen ('name_fuzzy(0.83)')

Corroboration is an equal phone, an equal postal code, a similar address or, for a fuzzy name,
an equal reading. A fuzzy name is within fuzzy_max_edits edits (names from fuzzy_min_len
characters) or at least fuzzy_name_sim similar.

Cannot-link (for the chaining guard): rules 1 and 3, and every pair left unmerged while a
location field conflicts (prefecture, phone, postal code, address; not those a branch office
excuses). Such a pair was judged doubtful or different face to face, so a chain through a third
record (often a name-only one) must not merge it silently: 大和運輸 in Tokyo and in Osaka stay
apart however many bare 大和運輸 rows could link them, and the pair stays in review.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from .blocking import Candidates
from .config import ScoringConfig
from .records import Records

DECISIONS = ("no_match", "review", "merge")
NO_MATCH, REVIEW, MERGE = range(3)

_HEADS = ("", "conflict:corporate_number", "corporate_number_equal", "conflict:prefecture+phone")
CORPORATE_CONFLICT, CORPORATE_EQUAL, NAMESAKE_CONFLICT = 1, 2, 3
EXACT, FUZZY, KANA, WEAK, MISSING = range(5)
_EVIDENCE = ("phone_equal", "postal_equal", "address_similar", "kana_equal")
_EXTRAS = (
    "long_name",
    "reading_name",
    "branch_office",
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

    def compare(column: str, *scorers: tuple[Callable, float]) -> list[np.ndarray]:
        return _compare(codes[column][left], codes[column][right], values[column], scorers)

    similarity = (Indel.normalized_similarity, 1.0)
    name_sim, name_edits = compare("name_key", similarity, (OSA.distance, 0.0))
    [kana_sim] = compare("kana_key", similarity)
    [address_sim] = compare("address", similarity)
    corporate = equal("corporate_number")
    seen = {
        "phone": equal("phone"),
        "postal": equal("postal_code"),
        "prefecture": equal("prefecture"),
        "address": _agreement(address_sim, config.address_sim),
    }
    # A branch office sits elsewhere with its own phone: for a pair involving a branch record,
    # differing location fields are no evidence of another company and count as unknown.
    branch = records.frame["branch"].notna().to_numpy()
    reading = records.frame["name_is_reading"].to_numpy()
    excused = branch[left] | branch[right]
    location = {
        name: np.where(excused & (value == 0), np.nan, value) for name, value in seen.items()
    }
    key_length = pc.utf8_length(values["name_key"]).to_numpy().astype(np.int64)
    key_length = np.r_[key_length, 0]  # code -1 (missing) reads the trailing 0
    lengths = np.sort(
        np.stack([key_length[codes["name_key"][left]], key_length[codes["name_key"][right]]]),
        axis=0,
    )

    weights = config.weights
    features = [
        (weights.name, name_sim),
        (weights.kana, kana_sim),
        (weights.corporate_number, corporate),
        (weights.phone, location["phone"]),
        (weights.postal, location["postal"]),
        (weights.address, np.where(np.isnan(location["address"]), np.nan, address_sim)),
        (weights.prefecture, location["prefecture"]),
    ]
    score = _weighted_mean(features)
    decision, cannot_link, reason = _decide(
        config,
        name_sim=name_sim,
        name_edits=name_edits,
        lengths=lengths,
        kana=_agreement(kana_sim, config.kana_sim),
        corporate=corporate,
        location=location,
        branch_office=excused & np.stack([value == 0 for value in seen.values()]).any(axis=0),
        reading_name=reading[left] | reading[right],
        score=score,
    )
    return pd.DataFrame(
        {
            "left": left,
            "right": right,
            "passes": candidates.passes,
            "name_sim": name_sim,
            "name_edits": pd.array(name_edits, dtype="Int64"),
            "kana_sim": kana_sim,
            "corporate_number": pd.Categorical.from_codes(
                np.where(np.isnan(corporate), 0, np.where(corporate == 1, 1, 2)),
                ["missing", "agree", "conflict"],
            ),
            "phone_equal": _nullable_bool(seen["phone"]),
            "postal_equal": _nullable_bool(seen["postal"]),
            "address_sim": address_sim,
            "prefecture_conflict": seen["prefecture"] == 0,
            "score": score,
            "evidence": _evidence(features),
            "decision": pd.Categorical.from_codes(decision, DECISIONS),
            "reason": reason,
            "cannot_link": cannot_link,
        },
        # not copied into blocks (~0.4 s at 1M rows): the computed columns are this frame's
        # alone, and left / right / passes, the candidates' own arrays, are never written
        copy=False,
    )


def _decide(
    config: ScoringConfig,
    *,
    name_sim: np.ndarray,
    name_edits: np.ndarray,
    lengths: np.ndarray,
    kana: np.ndarray,
    corporate: np.ndarray,
    location: dict[str, np.ndarray],
    branch_office: np.ndarray,
    reading_name: np.ndarray,
    score: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, pd.Categorical]:
    """Apply the module's rule table; return decision codes, cannot-link flags and reasons.

    Agreement arrays hold 1.0 agree, 0.0 differ, NaN unknown; `location` holds phone, postal,
    prefecture and address agreement with branch-excused differences already unknown;
    `lengths` holds the shorter and the longer name key length; `branch_office` marks pairs
    with a difference excused by a branch; `reading_name` pairs where a name is only a reading.
    """
    shorter, longer = lengths
    phone, postal = location["phone"], location["postal"]
    prefecture, address = location["prefecture"], location["address"]
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
        & ~branch_office
    )
    reading_only = (level == KANA) & reading_name & ~contradicted & ~branch_office
    similar = fuzzy | (level == KANA)
    namesake_nearby = exact & (
        pref_conflict | ((location_conflicts.sum(axis=0) >= 2) & ~corroborated)
    )
    rules = [  # (condition, decision, head reason), numbered as in the module docstring
        (corporate == 0, NO_MATCH, CORPORATE_CONFLICT),  # 1
        (corporate == 1, MERGE, CORPORATE_EQUAL),  # 2
        ((level <= KANA) & pref_conflict & phone_conflict, NO_MATCH, NAMESAKE_CONFLICT),  # 3
        (namesake_nearby, REVIEW, 0),  # 4
        (exact, MERGE, 0),  # 5
        (similar & corroborated & ~pref_conflict, MERGE, 0),  # 6
        (long_close, MERGE, 0),  # 7
        (reading_only, MERGE, 0),  # 8
        ((similar & corroborated) | ((level == KANA) & ~contradicted), REVIEW, 0),  # 9
        (corroborated & (score >= config.review_score), REVIEW, 0),  # 10
    ]
    # The number of the first matching rule; 0 for "otherwise" (rule 11).
    rule = np.select([condition for condition, _, _ in rules], np.arange(1, len(rules) + 1), 0)
    decision = np.array([NO_MATCH] + [d for _, d, _ in rules])[rule]
    head = np.array([0] + [h for _, _, h in rules])[rule]

    explained = decision != MERGE
    extras = np.vstack(
        [
            rule == 7,
            rule == 8,
            branch_office,
            pref_conflict & explained,
            location_conflicts & explained,
        ]
    )
    cannot_link = np.isin(head, (CORPORATE_CONFLICT, NAMESAKE_CONFLICT)) | (
        explained & (pref_conflict | location_conflicts.any(axis=0))
    )
    return decision, cannot_link, _reasons(head, level, name_sim, evidence, extras)


def _reasons(
    head: np.ndarray,
    level: np.ndarray,
    name_sim: np.ndarray,
    evidence: np.ndarray,
    extras: np.ndarray,
) -> pd.Categorical:
    """Reasons, formatted once per distinct combination of their integer parts.

    A head reason is coded as its negated index; otherwise the code packs the name level, the
    name similarity in percent (fuzzy and weak names only) and the evidence and extra bits.
    """
    percent = np.rint(np.nan_to_num(name_sim) * 100).astype(np.int64)
    percent *= (level == FUZZY) | (level == WEAK)
    detail = (level * 101 + percent) << (len(_EVIDENCE) + len(_EXTRAS))
    detail |= _packed(evidence) << len(_EXTRAS)
    detail |= _packed(extras)
    inverse, distinct = pd.factorize(np.where(head == 0, detail, -head))
    labels, relabel = np.unique([_reason(int(c)) for c in distinct], return_inverse=True)
    return pd.Categorical.from_codes(relabel[inverse], labels)


def _packed(flags: np.ndarray) -> np.ndarray:
    """The rows (at most 8) of a boolean matrix as the bits of one integer per column."""
    return np.packbits(flags, axis=0, bitorder="little")[0].astype(np.int64)


def _reason(code: int) -> str:
    if code < 0:
        return _HEADS[-code]
    code, extra_bits = divmod(code, 1 << len(_EXTRAS))
    code, evidence_bits = divmod(code, 1 << len(_EVIDENCE))
    level, percent = divmod(code, 101)
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
    values: pa.Array,
    scorers: tuple[tuple[Callable, float], ...],
) -> list[np.ndarray]:
    """Score aligned string pairs given as codes with each (scorer, value when identical);
    NaN when either side is unknown.

    Each distinct pair of strings is scored once: identical codes (common, from the exact
    passes) take the given value, and record pairs expanded from one key pair share a score.
    """
    known = (left >= 0) & (right >= 0)
    differ = np.flatnonzero(known & (left != right))
    pair_index, distinct = pd.factorize(left[differ] * len(values) + right[differ])
    # Python strings only for the values these pairs compare
    ends = [
        values.take(end).to_numpy(zero_copy_only=False) for end in divmod(distinct, len(values))
    ]
    outputs = []
    for scorer, identical in scorers:
        out = np.where(known, identical, np.nan)
        scores = process.cpdist(
            *ends,
            scorer=scorer,
            dtype=np.float64,
            workers=-1,
        )
        out[differ] = scores[pair_index]
        outputs.append(out)
    return outputs


def _weighted_mean(parts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Weighted mean over the features that are known for each pair (0 when none is)."""
    total = sum(weight * np.nan_to_num(value) for weight, value in parts)
    weight_sum = sum(weight * ~np.isnan(value) for weight, value in parts)
    return np.divide(total, weight_sum, out=np.zeros_like(total), where=weight_sum > 0)


def _evidence(parts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Weighted sum of agreement (+weight) and disagreement (-weight) over known features.

    Unlike the score, a mean, it grows with the amount of evidence: a name-only pair scores 1.0
    like a pair whose name and phone agree, but carries less evidence, and the chaining guard
    must prefer the latter when it has to choose.
    """
    return sum(weight * np.nan_to_num(2 * value - 1) for weight, value in parts)


def _nullable_bool(value: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(value == 1, np.isnan(value))
