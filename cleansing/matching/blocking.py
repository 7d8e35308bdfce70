"""Candidate pairs: which records are worth comparing at all.

Comparing all n^2/2 pairs is impossible at a million records, so several cheap passes each
propose pairs that share something, and their union is scored. Exact passes pair records with
the same key. Two fuzzy passes work on *distinct* name keys (far fewer than records) and
expand the key pairs to record pairs afterwards:

- ``name_edit`` pairs keys within one edit of each other exactly (deletion neighbourhood: two
  strings are within one substitution, insertion, deletion or swap iff they share a
  one-deletion variant, the key itself counting as its own variant), so a single typo is never
  missed however short or common the name;
- ``name_ngram`` pairs long keys sharing one of their rarest character n-grams, which catches
  variants further apart than one edit while common grams (商事, 工業) stay out.

Blocks larger than the configured caps are skipped and counted: an over-common key is a
placeholder or a generic name, and would make comparisons grow quadratically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import BlockingConfig
from .records import Records

PASSES = (
    "corporate_number",
    "name_key",
    "phone",
    "postal_name",
    "kana_key",
    "name_edit",
    "name_ngram",
)
PASS_BIT = {name: 1 << position for position, name in enumerate(PASSES)}


@dataclass(frozen=True)
class Candidates:
    """Deduplicated record pairs (left < right) with the bitmask of the passes that found them."""

    left: np.ndarray
    right: np.ndarray
    passes: np.ndarray
    pass_pairs: dict[str, int]
    skipped_blocks: dict[str, int]


def generate_candidates(records: Records, config: BlockingConfig) -> Candidates:
    """Run every blocking pass and union their pairs, each pair once."""
    n = len(records)
    codes = records.codes
    postal_name = _codes(
        records.frame["postal_code"]
        + "|"
        + records.frame["name_key"].str.slice(0, config.postal_prefix_len)
    )
    everyone = np.arange(n, dtype=np.int64)
    found: dict[str, tuple[np.ndarray, np.ndarray, int]] = {
        # Equal valid numbers always merge, so a star per number links the records in O(n).
        "corporate_number": (*_star_pairs(codes["corporate_number"]), 0),
        "name_key": _block_pairs(codes["name_key"], everyone, config.max_block_size),
        "phone": _block_pairs(codes["phone"], everyone, config.max_block_size),
        "postal_name": _block_pairs(postal_name, everyone, config.max_block_size),
        "kana_key": _block_pairs(codes["kana_key"], everyone, config.max_block_size),
    }
    keys = pd.Series(records.values["name_key"], dtype="str")
    long_keys = keys.where(keys.str.len() >= config.ngram_min_len)
    for name, (key, block), max_size in (
        ("name_edit", _deletion_variants(keys), config.max_edit_block_size),
        (
            "name_ngram",
            _rarest_ngrams(long_keys, config.ngram_size, config.ngrams_per_key),
            config.max_ngram_block_size,
        ),
    ):
        key_left, key_right, skipped = _block_pairs(block, key, max_size)
        key_pair = np.unique(key_left * len(keys) + key_right)  # keys often share several grams
        found[name] = (
            *_expand_key_pairs(key_pair // len(keys), key_pair % len(keys), codes["name_key"]),
            skipped,
        )

    left, right, passes = _union(
        np.concatenate([pairs[0] for pairs in found.values()]),
        np.concatenate([pairs[1] for pairs in found.values()]),
        np.concatenate(
            [
                np.full(len(pairs[0]), PASS_BIT[name], dtype=np.int64)
                for name, pairs in found.items()
            ]
        ),
        n,
    )
    return Candidates(
        left=left,
        right=right,
        passes=passes,
        pass_pairs={name: len(pairs[0]) for name, pairs in found.items()},
        skipped_blocks={name: pairs[2] for name, pairs in found.items()},
    )


def _union(
    left: np.ndarray, right: np.ndarray, bits: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair once, its pass bits OR-ed, ordered by (left, right)."""
    if len(left) == 0:
        return left, right, bits
    pair_code = left * n + right
    order = np.argsort(pair_code)
    pair_code = pair_code[order]
    starts = np.flatnonzero(np.r_[True, pair_code[1:] != pair_code[:-1]])
    unique_code = pair_code[starts]
    return unique_code // n, unique_code % n, np.bitwise_or.reduceat(bits[order], starts)


def describe_passes(passes: np.ndarray) -> pd.Categorical:
    """Pass bitmasks as readable 'name_key+phone' labels."""
    labels = [
        "+".join(name for name in PASSES if mask & PASS_BIT[name])
        for mask in range(1 << len(PASSES))
    ]
    return pd.Categorical.from_codes(passes, labels)


def _codes(values: pd.Series) -> np.ndarray:
    return pd.factorize(values)[0]


def _lengths(keys: pd.Series) -> np.ndarray:
    return keys.str.len().fillna(0).to_numpy(dtype=np.int64)


def _block_pairs(
    block: np.ndarray, member: np.ndarray, max_size: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """All member pairs (left < right) within each block of 2..max_size distinct members.

    Vectorised: after sorting by (block, member) each member is repeated once per later member
    of its block, and the partner's position is its own plus 1..(members after it).
    """
    keep = block >= 0
    if not keep.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0
    block, member = block[keep], member[keep]
    order = np.lexsort((member, block))
    block, member = block[order], member[order]
    fresh = np.r_[True, (block[1:] != block[:-1]) | (member[1:] != member[:-1])]
    block, member = block[fresh], member[fresh]
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    sizes = np.diff(np.r_[starts, len(block)])
    block_of = np.repeat(np.arange(len(starts)), sizes)
    offset = np.arange(len(block)) - starts[block_of]
    usable = (sizes <= max_size)[block_of]
    partners = np.where(usable, sizes[block_of] - offset - 1, 0)
    left = np.repeat(np.arange(len(block)), partners)
    step = np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners) + 1
    return (
        member[left].astype(np.int64),
        member[left + step].astype(np.int64),
        int((sizes > max_size).sum()),
    )


def _star_pairs(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair every member of a block with its first (smallest) member."""
    member = np.flatnonzero(block >= 0)
    block = block[member]
    order = np.argsort(block, kind="stable")
    block, member = block[order], member[order]
    first = np.r_[True, block[1:] != block[:-1]] if len(block) else np.empty(0, dtype=bool)
    head = member[np.flatnonzero(first)][np.cumsum(first) - 1]
    return head[~first].astype(np.int64), member[~first].astype(np.int64)


def _expand_key_pairs(
    key_left: np.ndarray, key_right: np.ndarray, key_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Record pairs (left < right) for distinct-key pairs: every record of one key with every
    record of the other."""
    known = np.flatnonzero(key_codes >= 0)
    by_key = known[np.argsort(key_codes[known], kind="stable")]
    counts = np.bincount(key_codes[known], minlength=int(key_codes.max(initial=-1)) + 1)
    starts = np.cumsum(counts) - counts
    width = counts[key_right]
    sizes = counts[key_left] * width
    pair = np.repeat(np.arange(len(key_left)), sizes)
    step = np.arange(len(pair)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    a = by_key[starts[key_left][pair] + step // width[pair]]
    b = by_key[starts[key_right][pair] + step % width[pair]]
    return np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def _deletion_variants(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(key index, variant code) for each key itself and each of its one-deletion variants."""
    lengths = _lengths(keys)
    index = [np.arange(len(keys))]
    variants = [keys]
    for position in range(int(lengths.max(initial=0))):
        chosen = np.flatnonzero(lengths > position)
        sub = keys.iloc[chosen]
        index.append(chosen)
        variants.append(sub.str.slice(0, position) + sub.str.slice(position + 1))
    return np.concatenate(index), _codes(pd.concat(variants, ignore_index=True))


def _rarest_ngrams(keys: pd.Series, size: int, per_key: int) -> tuple[np.ndarray, np.ndarray]:
    """(key index, gram code) for the `per_key` rarest n-grams of each key.

    Rarity counts distinct keys containing the gram; ties break on the gram code so that two
    keys sharing grams rank them identically. Missing keys yield no grams.
    """
    lengths = _lengths(keys)
    index, grams = [], []
    for start in range(max(int(lengths.max(initial=0)) - size + 1, 0)):
        chosen = np.flatnonzero(lengths >= start + size)
        index.append(chosen)
        grams.append(keys.iloc[chosen].str.slice(start, start + size))
    if not index:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    key = np.concatenate(index)
    gram = _codes(pd.concat(grams, ignore_index=True))
    width = int(gram.max()) + 1
    distinct = np.unique(key * width + gram)
    key, gram = distinct // width, distinct % width
    frequency = np.bincount(gram)
    order = np.lexsort((gram, frequency[gram], key))
    key, gram = key[order], gram[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    rank = np.arange(len(key)) - np.repeat(first, np.diff(np.r_[first, len(key)]))
    keep = rank < per_key
    return key[keep], gram[keep]
