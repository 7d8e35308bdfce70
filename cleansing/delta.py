"""Which raw rows are new since the last night: a 64-bit hash per row, so an unchanged row is
recognised whatever its position in a re-exported file, and an edited row shows up as one row
gone and one row new.

Rows are hashed by DuckDB (vectorised and multi-threaded: 0.16 s for 350k rows of ten text
columns, against 1.7 s for pandas' per-column hashing). Its hash function may change between
DuckDB versions, so the night store's fingerprint names the version: an upgrade means one full
night, never rows wrongly taken for known ones."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

_OCCURRENCE = np.uint64(0x9E3779B97F4A7C15)  # spreads the n-th copy of a row to its own hash


def row_hashes(rows: pd.DataFrame) -> np.ndarray:
    """One uint64 per row over its values (as text) and column names; identical rows are told
    apart by their occurrence number, so two copies of a row are two rows, as staging sees
    them."""
    if rows.empty:
        return np.empty(0, dtype=np.uint64)
    columns = sorted(rows.columns)
    text = {
        f"c{i}": rows[name] if rows[name].dtype == "str" else rows[name].astype("string")
        for i, name in enumerate(columns)
    }
    table = pa.table({key: pa.array(values.array) for key, values in text.items()})
    with duckdb.connect() as con:
        con.register("rows", table)
        arguments = ", ".join(f"CAST({key} AS VARCHAR)" for key in text)
        hashes = con.sql(f"SELECT hash({arguments}) AS h FROM rows").fetchnumpy()["h"]
    hashes = np.asarray(hashes, dtype=np.uint64)
    hashes = hashes ^ np.uint64(pd.util.hash_array(np.array(columns, dtype=object)).sum())
    return hashes ^ (_occurrences(hashes) * _OCCURRENCE)


def _occurrences(hashes: np.ndarray) -> np.ndarray:
    """0 for the first row with its hash, 1 for the second, ... in row order. A sort finds the
    hashes that repeat; only their rows, few, are then ordered stably (a stable argsort of
    every hash costs twice the sort)."""
    occurrence = np.zeros(len(hashes), dtype=np.uint64)
    ordered = np.sort(hashes)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return occurrence
    rows = np.flatnonzero(is_known(hashes, repeated))
    rows = rows[np.argsort(hashes[rows], kind="stable")]
    copies = hashes[rows]
    position = np.arange(len(rows))
    starts = np.r_[True, copies[1:] != copies[:-1]]
    occurrence[rows] = position - np.maximum.accumulate(np.where(starts, position, 0))
    return occurrence


def is_known(hashes: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Mask of `hashes` present in `known`."""
    return pd.Index(known).get_indexer(hashes) >= 0 if len(known) else np.zeros(len(hashes), bool)
