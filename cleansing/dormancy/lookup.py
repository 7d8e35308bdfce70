"""Per-distinct-value work on columns with few distinct values, without per-row Python.

pandas' default string dtype is Arrow-backed: building it from a million Python or numpy
strings costs far more than the logic around it, so strings are built by taking from a small
Arrow table of names with integer codes, and dict lookups run once per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cleansing.text import pick


def lookup(values: pd.Series, mapping: Mapping[Any, Any], missing: Any = None) -> np.ndarray:
    """mapping[value] for each value; `missing` for NaN or values not in the mapping."""
    codes, distinct = pd.factorize(values)
    table = [mapping.get(value, missing) for value in distinct] + [missing]
    return np.asarray(table)[codes]


def positions(ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Row position of each value in `ids`, -1 where absent. A categorical is looked up by its
    categories, without factorising its values again; over `ids` themselves, its codes are the
    positions."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, distinct = values.cat.codes.to_numpy(), values.cat.categories
        if distinct.equals(ids):
            return codes.astype(np.int64)
    else:
        codes, distinct = pd.factorize(values)
    return np.append(ids.get_indexer(distinct), -1)[codes]


def format_distinct(parts: pd.DataFrame, sentence: Callable[..., str]) -> pd.Series:
    """sentence(**row) for every row, called once per distinct row: reasons are built from a
    few low-cardinality parts, so a million customers share a few thousand sentences."""
    groups = parts.groupby(list(parts.columns), dropna=False, sort=False)
    firsts = groups.head(1)  # first-seen order, which is also ngroup's numbering
    texts = [sentence(**record) for record in firsts.to_dict("records")]
    return pick(texts, groups.ngroup().to_numpy(), parts.index)
