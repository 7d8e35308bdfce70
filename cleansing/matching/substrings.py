"""Integer codes for the n-grams and one-deletion variants of name keys.

A million keys have millions of substrings; allocating each as a Python or Arrow string costs
more than all the scoring. Instead the keys of each length become one code-point matrix, and
substrings become integers: an n-gram packs its code points (21 bits each), a deletion variant
is a 64-bit polynomial hash. A hash collision only adds a candidate pair, which scoring rejects.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the polynomial hash (mod 2**64)
_CODE_POINT_BITS = 21


def deletion_variants(keys: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key index, variant hash >= 0, whether a character was deleted) for every key of at
    least `min_len` characters as its own variant, and for every one-deletion variant of keys of
    at least `min_len + 1` characters.

    A key equals a one-deletion variant of another exactly when the other is the key with one
    character inserted, so joining own variants to deleted ones finds every such pair whose
    shorter key has `min_len` characters.
    """
    index, hashes, deleted = [], [], []
    for length, rows, points in _by_length(keys):
        if length < min_len:
            continue
        prefix, suffix, powers = _hash_tables(points)
        index.append(rows)
        hashes.append(prefix[:, length])
        deleted.append(np.zeros(len(rows), dtype=bool))
        if length > min_len:
            # Without character p: prefix hash shifted past the gap, plus the suffix after it.
            dropped = prefix[:, :length] * powers[::-1] + suffix[:, 1:]
            index.append(np.repeat(rows, length))
            hashes.append(dropped.ravel())
            deleted.append(np.ones(dropped.size, dtype=bool))
    # Mix before dropping a bit (keys differing by one code point in the last character hash
    # one apart), so that the codes are valid, non-negative int64 block codes.
    mixed = _concat(hashes, np.uint64) * _BASE >> np.uint64(1)
    return _concat(index, np.int64), mixed.astype(np.int64), _concat(deleted, bool)


def ngrams(keys: np.ndarray, size: int, min_len: int) -> tuple[np.ndarray, np.ndarray]:
    """(key index, gram code) for every character n-gram of keys of at least `min_len` chars."""
    if size * _CODE_POINT_BITS > 63:
        raise ValueError(f"n-grams longer than {63 // _CODE_POINT_BITS} do not fit an int64")
    index, grams = [], []
    for length, rows, points in _by_length(keys):
        if length < max(min_len, size):
            continue
        wide = points.astype(np.int64)
        code = sum(
            wide[:, offset : length - size + 1 + offset] << (_CODE_POINT_BITS * (size - 1 - offset))
            for offset in range(size)
        )
        index.append(np.repeat(rows, length - size + 1))
        grams.append(code.ravel())
    return _concat(index, np.int64), _concat(grams, np.int64)


def _by_length(keys: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(length, key indices, code-point matrix) per distinct key length."""
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    for length in np.unique(lengths[lengths > 0]).tolist():
        rows = np.flatnonzero(lengths == length)
        points = keys[rows].astype(f"<U{length}").view(np.uint32).reshape(len(rows), length)
        yield length, rows, points


def _hash_tables(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prefix hashes (column i: first i chars), suffix hashes (column i: chars from i on, still
    weighted by their place in the whole key) and powers of the base up to length - 1."""
    rows, length = points.shape
    values = points.astype(np.uint64)
    powers = np.cumprod(np.r_[np.uint64(1), np.full(length - 1, _BASE, dtype=np.uint64)])
    prefix = np.zeros((rows, length + 1), dtype=np.uint64)
    suffix = np.zeros((rows, length + 1), dtype=np.uint64)
    for i in range(length):
        prefix[:, i + 1] = prefix[:, i] * _BASE + values[:, i]
    for i in reversed(range(length)):
        suffix[:, i] = values[:, i] * powers[length - 1 - i] + suffix[:, i + 1]
    return prefix, suffix, powers


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype=dtype)
