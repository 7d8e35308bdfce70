"""Which raw rows are new since the last night: a 64-bit hash per row, so an unchanged row is
recognised whatever its position in a re-exported file, and an edited row shows up as one row
gone and one row new."""

from __future__ import annotations

import numpy as np
import pandas as pd

_OCCURRENCE = np.uint64(0x9E3779B97F4A7C15)  # spreads the n-th copy of a row to its own hash


def row_hashes(rows: pd.DataFrame) -> np.ndarray:
    """One uint64 per row over its values and column names; identical rows are told apart by
    their occurrence number, so two copies of a row are two rows, as staging sees them."""
    if rows.empty:
        return np.empty(0, dtype=np.uint64)
    ordered = rows[sorted(rows.columns)]
    hashes = pd.util.hash_pandas_object(ordered.astype("string"), index=False).to_numpy()
    hashes = hashes ^ np.uint64(pd.util.hash_array(np.array(ordered.columns, dtype=object)).sum())
    occurrence = pd.Series(hashes).groupby(hashes).cumcount().to_numpy(dtype=np.uint64)
    return hashes ^ (occurrence * _OCCURRENCE)


def is_known(hashes: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Mask of `hashes` present in `known`."""
    return pd.Index(known).get_indexer(hashes) >= 0 if len(known) else np.zeros(len(hashes), bool)
