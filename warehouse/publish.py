"""Atomic, idempotent publication of the warehouse tables.

All tables and views are replaced inside ONE transaction: BI readers see either the previous
run or this one, never a half-written mix, and re-running the same data replaces rows instead
of duplicating them. The tables are derived data, so a table whose columns no longer match the
schema is dropped and recreated (the simplest migration that is always right).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.schema import TABLES, VIEWS, metadata

DEFAULT_URL = "duckdb:///data/warehouse.duckdb"


def make_engine(url: str) -> Engine:
    """An engine for the warehouse URL; a DuckDB file's folder is created when missing."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "duckdb" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)


def conform(frame: pd.DataFrame, table: sa.Table) -> pd.DataFrame:
    """Exactly the table's columns, in order; missing ones are NULL."""
    return pd.DataFrame(
        {c.name: frame[c.name] if c.name in frame.columns else None for c in table.columns},
        index=frame.index,
    ).reset_index(drop=True)


def _bulk_insert(conn: Connection, table: sa.Table, data: pd.DataFrame) -> None:
    if data.empty:
        return
    if conn.dialect.name == "duckdb":
        duck = conn.connection.driver_connection
        view = f"_horiokoshi_load_{table.name}"
        duck.register(view, data)
        try:
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" SELECT * FROM "{view}"')
        finally:
            duck.unregister(view)
        return
    records = data.astype(object).where(data.notna(), None).to_dict("records")
    conn.execute(table.insert(), records)


def existing_columns(conn: Connection) -> dict[str, list[str]]:
    """Columns of the tables in the current schema, through information_schema (both dialects
    have it; duckdb-engine's SQLAlchemy reflection does not work with SQLAlchemy 2.1)."""
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    ).all()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def _drop_stale_tables(conn: Connection) -> None:
    existing = existing_columns(conn)
    for name, table in TABLES.items():
        if name in existing:
            columns = existing[name]
            if columns != [c.name for c in table.columns]:
                table.drop(conn)


def publish(engine: Engine, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace the given tables and recreate the views in one transaction; return row counts."""
    unknown = set(frames) - set(TABLES)
    if unknown:
        raise KeyError(f"no warehouse table named {sorted(unknown)}")
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for view in VIEWS:
            conn.exec_driver_sql(f'DROP VIEW IF EXISTS "{view}"')
        _drop_stale_tables(conn)
        metadata.create_all(conn)
        for name, frame in frames.items():
            table = TABLES[name]
            conn.execute(table.delete())
            _bulk_insert(conn, table, conform(frame, table))
            counts[name] = len(frame)
        for view, sql in VIEWS.items():
            conn.exec_driver_sql(f'CREATE VIEW "{view}" AS {sql}')
    return counts


def read_table(engine: Engine, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(f'SELECT * FROM "{name}"'), conn)
