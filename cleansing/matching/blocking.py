"""Candidate pairs: which records are worth comparing at all.

Comparing all n^2/2 pairs is impossible at a million records, so several cheap passes each
propose pairs that share something, and their union is scored. Exact passes pair records with
the same key. Two fuzzy passes work on *distinct* name keys (far fewer than records) and
expand the key pairs to record pairs afterwards:

- ``name_indel`` pairs keys one inserted or deleted character apart, exactly: a key equals a
  one-deletion variant of the other. These are the only near names that may merge on the name
  alone (scoring's long-name rule), so the pass covers pairs whose shorter key has
  ``edit_min_len`` characters. Any other typo merges only when corroborated, and the phone,
  kana and postal-code passes find those pairs (``postal_name`` blocks on the postal code with
  the name's first and with its last characters, one of which a single typo leaves intact):
  pairing every one-edit neighbour would cost ten comparisons per record at a million records
  (山田商事 / 山田商会 / 山田商店), nearly all of them rejected;
- ``name_ngram`` pairs long keys sharing one of their rarest character n-grams, which catches
  variants further apart than one edit while common grams (商事, 工業) stay out.

Blocks larger than the configured caps are skipped and counted: an over-common key is a
placeholder or a generic name, and would make comparisons grow quadratically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from cleansing.threads import in_threads

from .config import BlockingConfig
from .records import Records, arrow_codes
from .substrings import deletion_variants, ngrams

PASSES = (
    "corporate_number",
    "name_key",
    "phone",
    "postal_name",
    "kana_key",
    "name_indel",
    "name_ngram",
    "steward",
)
_END = np.iinfo(np.int32).max  # a slice's stop past any key's end
PASS_BIT = {name: 1 << position for position, name in enumerate(PASSES)}  # pair pass bitmask


@dataclass(frozen=True)
class Candidates:
    """Deduplicated record pairs (left < right), ordered by (left, right), with the bitmask of
    the passes that found them."""

    left: np.ndarray
    right: np.ndarray
    passes: np.ndarray
    pass_pairs: dict[str, int]
    skipped_blocks: dict[str, int]


def generate_candidates(
    records: Records,
    config: BlockingConfig,
    steward: tuple[np.ndarray, np.ndarray] | None = None,
) -> Candidates:
    """Run every blocking pass and union their pairs, each pair once; `steward` pairs
    (left < right) are added as they are, so that every override is scored and explained."""
    n = len(records)
    codes = records.codes
    everyone = np.arange(n, dtype=np.int64)

    def postal_name() -> tuple[np.ndarray, np.ndarray, int]:
        # A block is (postal code, the name key's first or else its last characters), from
        # codes: the affixes are cut from the distinct name keys, not from every record's.
        distinct, affix = records.values["name_key"], config.postal_affix_len
        head, _ = arrow_codes(pc.utf8_slice_codeunits(distinct, 0, affix))
        tail, _ = arrow_codes(pc.utf8_slice_codeunits(distinct, -affix, _END))
        name, postal = codes["name_key"], codes["postal_code"]
        known = (name >= 0) & (postal >= 0)
        # heads and tails numbered apart: one name's first characters never share a block
        # with another's last
        affixes = np.r_[head, tail + head.max(initial=-1) + 1]
        width = int(affixes.max(initial=-1)) + 1
        combined = np.r_[postal * width + affixes[name], postal * width + affixes[len(head) + name]]
        blocks = np.where(np.r_[known, known], combined, -1)
        blocks[blocks >= 0] = pd.factorize(blocks[blocks >= 0])[0]  # small codes for the sort
        return _distinct(*_block_pairs(blocks, np.r_[everyone, everyone], config.max_block_size), n)

    keys = records.values["name_key"].to_numpy(zero_copy_only=False)

    def name_indel() -> tuple[np.ndarray, np.ndarray, int]:
        key, variant, deleted = deletion_variants(keys, config.edit_min_len)
        pairs = _join_pairs(
            (variant[~deleted], key[~deleted]),
            (variant[deleted], key[deleted]),
            config.max_edit_block_size,
        )
        return _key_pairs_to_records(pairs, len(keys), codes["name_key"])

    def name_ngram() -> tuple[np.ndarray, np.ndarray, int]:
        gram_key, gram = _rarest(
            *ngrams(keys, config.ngram_size, config.ngram_min_len), config.ngrams_per_key
        )
        pairs = _block_pairs(gram, gram_key, config.max_ngram_block_size)
        return _key_pairs_to_records(pairs, len(keys), codes["name_key"])

    runs: dict[str, Callable[[], tuple[np.ndarray, np.ndarray, int]]] = {  # longest first
        "name_ngram": name_ngram,
        "name_indel": name_indel,
        "postal_name": postal_name,
        "name_key": lambda: _block_pairs(codes["name_key"], everyone, config.max_block_size),
        "phone": lambda: _block_pairs(codes["phone"], everyone, config.max_block_size),
        "kana_key": lambda: _block_pairs(codes["kana_key"], everyone, config.max_block_size),
        # Equal valid numbers always merge, so a star per number links the records in O(n).
        "corporate_number": lambda: (*_star_pairs(codes["corporate_number"]), 0),
    }
    done = in_threads(runs)  # independent passes, one per core at a time
    found = {name: done[name] for name in PASSES if name in done}
    empty = np.empty(0, dtype=np.int64)
    found["steward"] = (*(steward or (empty, empty)), 0)

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
    return pd.Categorical.from_codes(passes, labels).remove_unused_categories()


def _distinct(
    left: np.ndarray, right: np.ndarray, skipped: int, n: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs found by several blocks of one pass (keys sharing several grams), counted once."""
    if len(left) == 0:
        return left, right, skipped
    pair_code = np.unique(left * n + right)
    return pair_code // n, pair_code % n, skipped


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
    # (block, member) pairs once each, in that order: one sort of combined codes (a lexsort
    # of the two keys costs twice as much)
    width = int(member.max()) + 1
    code = np.sort(block * width + member)
    code = code[np.r_[True, code[1:] != code[:-1]]]
    block, member = code // width, code % width
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


def _join_pairs(
    ones: tuple[np.ndarray, np.ndarray], others: tuple[np.ndarray, np.ndarray], max_size: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Member pairs (left < right) of (block, member) entries of `ones` with entries of `others`
    in the same block, skipping blocks with more than `max_size` entries of `others`."""
    block, member = ones
    order = np.argsort(others[0], kind="stable")
    other_block, other_member = others[0][order], others[1][order]
    start = np.searchsorted(other_block, block, "left")
    size = np.searchsorted(other_block, block, "right") - start
    count = np.where(size <= max_size, size, 0)
    position = np.repeat(start - np.cumsum(count) + count, count) + np.arange(count.sum())
    a, b = np.repeat(member, count), other_member[position]
    apart = a != b
    skipped = len(np.unique(block[size > max_size]))
    return np.minimum(a, b)[apart], np.maximum(a, b)[apart], skipped


def _star_pairs(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair every member of a block with its first (smallest) member."""
    member = np.flatnonzero(block >= 0)
    block = block[member]
    order = np.argsort(block, kind="stable")
    block, member = block[order], member[order]
    first = np.r_[True, block[1:] != block[:-1]] if len(block) else np.empty(0, dtype=bool)
    head = member[np.flatnonzero(first)][np.cumsum(first) - 1]
    return head[~first].astype(np.int64), member[~first].astype(np.int64)


def _key_pairs_to_records(
    key_pairs: tuple[np.ndarray, np.ndarray, int], keys: int, key_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """A distinct-key pass's pairs, each once, as record pairs, with its skipped blocks."""
    key_left, key_right, skipped = _distinct(*key_pairs, keys)
    return (*_expand_key_pairs(key_left, key_right, key_codes), skipped)


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


def _rarest(key: np.ndarray, gram: np.ndarray, per_key: int) -> tuple[np.ndarray, np.ndarray]:
    """The `per_key` rarest grams of each key, as (key, gram code) pairs in no set order.

    Rarity counts distinct keys containing the gram; ties break on the gram code so that two
    keys sharing grams rank them identically. One sort (each gram once per key, for the
    counts), then `per_key` passes of per-key minima over the ranks: a second sort by
    (key, rank) cost twice as much at a million keys.
    """
    if len(key) == 0:
        return key, gram
    gram = pd.factorize(gram)[0]
    width = int(gram.max()) + 1
    pair = np.sort(key * width + gram)
    frequency = np.bincount(pair[np.r_[True, pair[1:] != pair[:-1]]] % width, minlength=width)
    by_rarity = np.lexsort((np.arange(width), frequency))
    rank = np.empty(width, dtype=np.int64)
    rank[by_rarity] = np.arange(width)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    if len(starts) != np.count_nonzero(np.bincount(key)):  # a key's grams not side by side
        order = np.argsort(key, kind="stable")
        key, gram = key[order], gram[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    of_key = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(key)]))
    ranks, taken = rank[gram], np.iinfo(np.int64).max
    keys, kept = [], []
    for _ in range(per_key):
        least = np.minimum.reduceat(ranks, starts)
        left = least < taken  # a key with grams not taken yet
        keys.append(key[starts[left]])
        kept.append(least[left])
        ranks = np.where(ranks == least[of_key], taken, ranks)  # a repeated gram goes too
    return np.concatenate(keys), by_rarity[np.concatenate(kept)]
