"""DataFrames conformed to a warehouse table as typed Arrow tables.

Both bulk paths (PostgreSQL COPY, DuckDB scans) read Arrow, and casting once here to the
schema's types means both databases receive exactly the same values: integers stay integers
even when pandas made them floats around a missing value, NaN becomes NULL, dates lose any time
of day, and a value that does not fit its column fails here, naming the column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

# Python type of a schema column -> (pandas conversion, Arrow type)
_CONVERSIONS: dict[type, tuple[Callable[[pd.Series], pd.Series], pa.DataType]] = {
    str: (lambda s: s.astype("string"), pa.large_string()),
    dt.date: (lambda s: pd.to_datetime(s).dt.normalize(), pa.date32()),
    float: (lambda s: s.astype("float64"), pa.float64()),
    int: (lambda s: s.astype("Int64"), pa.int64()),
    bool: (lambda s: s.astype("boolean"), pa.bool_()),
}


def _column(series: pd.Series, column: sa.Column) -> pa.Array:
    convert, type_ = _CONVERSIONS[column.type.python_type]
    try:
        values = pa.array(convert(series), from_pandas=True)
        return values.cast(type_)
    except (TypeError, ValueError, pa.ArrowException) as error:
        raise ValueError(f"column {column.table.name}.{column.name}: {error}") from error


def to_arrow(frame: pd.DataFrame, table: sa.Table) -> pa.Table:
    """Exactly the table's columns, in order and typed; columns the frame lacks are NULL."""
    arrays = [
        _column(frame[c.name], c)
        if c.name in frame.columns
        else pa.nulls(len(frame), _CONVERSIONS[c.type.python_type][1])
        for c in table.columns
    ]
    return pa.Table.from_arrays(arrays, names=[c.name for c in table.columns])
