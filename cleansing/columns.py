"""Columns assembled from rows worked out tonight and rows kept from the last night.

An incremental night works out few rows and keeps most: matching keeps scored pairs, dormancy
keeps customers' judgements. Placing one column at a time, each value straight where it goes,
avoids a concatenation and a reordering of the whole frame (two copies of the kept rows, and
on this kind of machine fresh memory costs more than the copying itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import numpy as np
import pandas as pd

from cleansing.threads import in_threads

_MASKED = (pd.arrays.IntegerArray, pd.arrays.BooleanArray, pd.arrays.FloatingArray)


def interleaved_frame(
    fresh: pd.DataFrame,
    kept: pd.DataFrame,
    kept_row: np.ndarray,
    reused: np.ndarray,
    columns: Iterable[str],
) -> pd.DataFrame:
    """`interleaved` for each of `columns`, placed side by side on the cores (Arrow's takes
    and numpy's copies release the GIL: the carried judgements of 516k customers, measured
    alone, 1.2-1.4 -> 0.3-0.7 s), as a frame of `len(reused)` rows that holds the placed
    columns without copying them again."""
    placed = in_threads(
        {c: partial(interleaved, fresh[c], kept[c], kept_row, reused) for c in columns}
    )
    return pd.DataFrame(placed, index=pd.RangeIndex(len(reused)), copy=False)


def interleaved(
    fresh: pd.Series, kept: pd.Series, kept_row: np.ndarray, reused: np.ndarray
) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """One column in the caller's order: `fresh`'s values in turn where not `reused`, else
    `kept[kept_row]` (`kept_row` per output row, read where reused). A categorical gets
    fresh's categories, then the reused rows' own, in their order; text (and any other
    extension type) is taken once from both parts; a nullable column (Int64, boolean)
    keeps its missing values."""
    rows = kept_row[reused]
    if isinstance(fresh.dtype, pd.CategoricalDtype):
        kept = kept if isinstance(kept.dtype, pd.CategoricalDtype) else kept.astype("category")
        kept_codes = kept.cat.codes.to_numpy()[rows]
        # the reused rows' own categories, in their order (a count, not remove_unused's sort)
        seen = np.bincount(kept_codes[kept_codes >= 0], minlength=len(kept.cat.categories)) > 0
        categories = fresh.cat.categories.union(kept.cat.categories[seen], sort=False)
        dtype = pd.CategoricalDtype(categories, ordered=fresh.cat.ordered)
        recode = np.append(categories.get_indexer(kept.cat.categories), -1)  # -1: missing
        codes = np.empty(len(reused), dtype=np.int32)
        codes[~reused] = fresh.cat.set_categories(categories).cat.codes
        codes[reused] = recode[kept_codes]
        return pd.Categorical.from_codes(codes, dtype=dtype)
    if kept.dtype != fresh.dtype:  # the reused rows only are converted
        kept, rows = kept.iloc[rows].astype(fresh.dtype), np.arange(len(rows))
    if isinstance(fresh.dtype, np.dtype):
        out = np.empty(len(reused), dtype=fresh.dtype)
        out[~reused] = fresh.to_numpy()
        out[reused] = kept.to_numpy()[rows]
        return out
    if not isinstance(fresh.array, _MASKED):  # text, or any other extension type
        # one take from both (neither copied first)
        order = np.empty(len(reused), dtype=np.int64)
        order[~reused] = np.arange(len(fresh))
        order[reused] = len(fresh) + rows
        return pd.concat([fresh, kept], ignore_index=True).array.take(order)
    # a nullable column (Int64, boolean, Float64): its values and its mask
    kept = kept.iloc[rows]
    empty = np.nan if fresh.dtype.kind == "f" else 0
    values = np.empty(len(reused), dtype=fresh.dtype.numpy_dtype)
    missing = np.empty(len(reused), dtype=bool)
    for part, where in ((fresh, ~reused), (kept, reused)):
        values[where] = part.to_numpy(dtype=values.dtype, na_value=empty)
        missing[where] = part.isna().to_numpy()
    return type(fresh.array)(values, missing)
