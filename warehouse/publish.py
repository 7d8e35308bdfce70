"""Atomic, idempotent publication of the warehouse tables.

All tables and views are replaced inside ONE transaction: BI readers see either the previous
run or this one, never a half-written mix, and re-running the same data replaces rows instead
of duplicating them. Each table is bulk-loaded into a staging copy (`<name>__staging`) while
readers keep using the live table, then swapped in by a drop and a rename. Tables are derived
data, so a table whose columns no longer match the schema is dropped and recreated (the
simplest migration that is always right).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import AddConstraint, CreateTable, DropTable

from warehouse.bulk import bulk_load, duckdb_view
from warehouse.frames import to_arrow
from warehouse.roles import grant_bi_select
from warehouse.schema import (
    NAMING_CONVENTION,
    TABLES,
    VIEWS,
    daily_columns,
    keyed_on_duckdb,
    partition_column,
)
from warehouse.stopwatch import Stopwatch

STAGING_SUFFIX = "__staging"
# The PostgreSQL bulk path is psycopg 3's COPY; DuckDB is read through duckdb-engine.
SUPPORTED_DRIVERS = {"duckdb": "duckdb_engine", "postgresql": "psycopg"}


def make_engine(url: str) -> Engine:
    """An engine for the warehouse URL; a DuckDB file's folder is created when missing."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if SUPPORTED_DRIVERS.get(backend) != parsed.get_driver_name():
        raise ValueError(
            f"unsupported warehouse URL scheme {parsed.drivername}://: use duckdb:/// or "
            "postgresql+psycopg://"
        )
    if backend == "duckdb" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)


def existing_columns(conn: Connection) -> dict[str, list[str]]:
    """Columns of the tables and views in the current schema, through information_schema (both
    dialects have it; duckdb-engine's SQLAlchemy reflection does not work with SQLAlchemy 2.1)."""
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    ).all()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


@dataclass(frozen=True)
class NightChanges:
    """What an incremental night changes in the tables it does not replace.

    - facts: per fact table, this night's rows, replacing rows of the same (source, source_id);
    - quarantine: the rows quarantined this night;
    - processed: (source, entity, source_id) of every row processed this night, whose earlier
      quarantine rows, if any, are replaced by this night's outcome;
    - crosswalk: customer_source_map rows replacing those of the same (source, source_id):
      the rows that may differ from the published ones (the others are as published);
    - moved: (source, source_id, customer_id) of company records now in another customer,
      whose earlier facts follow them;
    - removed: (source, entity, source_id) of rows their source no longer has, deleted first
      from the quarantine, and from the fact tables and the crosswalk where `staged_gone` (no
      staged row of that id is left).
    """

    facts: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    processed: pd.DataFrame
    crosswalk: pd.DataFrame
    moved: pd.DataFrame
    removed: pd.DataFrame


FACT_TABLES = ("transactions", "deals", "activities")


def publish(
    engine: Engine,
    frames: dict[str, pd.DataFrame],
    changes: NightChanges | None = None,
    stopwatch: Stopwatch | None = None,
) -> dict[str, int]:
    """Replace the given tables, apply an incremental night's `changes`, and recreate the views,
    in one transaction; return row counts (of the rows loaded). `stopwatch` gets the seconds
    of each phase (per table, the views, the commit).

    Tables not given stay as they are, unless missing or stale: those are created empty through
    the same path, so every table gets its keys and comments the same way. A history table
    (`partition_column` in its info) gets only the partitions in its frame replaced. With
    `changes` (an incremental night), a DuckDB table with `daily_columns` is refreshed in place
    to equal its frame (`_refresh_in_place`)."""
    unknown = set(frames) - set(TABLES)
    if unknown:
        raise KeyError(f"no warehouse table named {sorted(unknown)}")
    for name, frame in frames.items():
        if daily_columns(TABLES[name]):
            _refuse_repeated_keys(TABLES[name], frame)
    watch = stopwatch or Stopwatch()
    with (
        _duckdb_settings(engine, incremental=changes is not None),
        engine.connect() as conn,
        conn.begin() as transaction,
    ):
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # a second publisher waits for this one instead of colliding with it
            conn.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(hashtext('horiokoshi.publish'), "
                "hashtext(current_schema()))"
            )
        existing = existing_columns(conn)
        stale = {n for n, t in TABLES.items() if existing.get(n) != [c.name for c in t.columns]}
        partitioned = {n: f for n, f in frames.items() if partition_column(TABLES[n])}
        # An incremental night refreshes DuckDB tables with daily columns in place.
        in_place = {
            n: f
            for n, f in frames.items()
            if changes is not None and not postgres and daily_columns(TABLES[n]) and n not in stale
        }
        counts = {}
        for name, frame in in_place.items():
            with watch.phase(f"refresh {name}"):
                refreshed = _refresh_in_place(conn, TABLES[name], frame)
            if refreshed is not None:
                counts[name] = refreshed
        loads = {name: pd.DataFrame() for name in stale} | {
            n: f for n, f in frames.items() if n not in partitioned and n not in counts
        }
        for name, frame in loads.items():
            with watch.phase(f"load {name}"):
                counts[name] = _stage(conn, TABLES[name], frame, postgres)
        with watch.phase("swap and views"):
            for view in VIEWS:
                conn.exec_driver_sql(f'DROP VIEW IF EXISTS "{view}"')
            for name in loads:
                _swap(conn, TABLES[name], postgres)
            _create_views(conn)
        for name, frame in partitioned.items():
            with watch.phase(f"partitions {name}"):
                counts[name] = _replace_partitions(conn, TABLES[name], frame)
        changed = _apply_changes(conn, changes, watch) if changes is not None else {}
        if postgres:
            with watch.phase("grants and analyze"):
                grant_bi_select(conn)
                for name in [*frames, *changed]:
                    conn.exec_driver_sql(f'ANALYZE "{name}"')
        with watch.phase("commit"):
            transaction.commit()
    return {name: counts[name] for name in frames} | changed


# Deleted rows a DuckDB table may hold, as a share of its live rows, before a night compacts it.
MAX_DEAD_SHARE = 1.0


@contextlib.contextmanager
def _duckdb_settings(engine: Engine, incremental: bool) -> Iterator[None]:
    """Database-wide DuckDB settings for the publish, put back as they were afterwards.

    - `preserve_insertion_order = false`: tables are sets (every reader orders what it shows),
      and loading without keeping the frames' row order lets DuckDB compress row groups in
      parallel, which halves the loads (512k customers: 2.0 -> 1.0 s).
    - On an incremental night, `max_vacuum_tasks = 0` while no table holds more deleted rows
      than `MAX_DEAD_SHARE` of its live ones: the customers' refresh deletes and inserts again
      the ~16% of rows whose purchases, tier or priority changed, in every row group, and the
      commit's checkpoint then rewrote the whole table to compact them (1.5 s of a 1m night's
      1.8 s checkpoint; 0.3 s without). The deleted rows stay behind, skipped by every scan,
      until a table passes the bound (about a week of nights for the customers) or a full night
      replaces it.
    """
    if engine.dialect.name != "duckdb":
        yield
        return
    settings: dict[str, object] = {"preserve_insertion_order": False}
    with engine.connect() as conn:
        if incremental and not _dead_rows_past_bound(conn):
            settings["max_vacuum_tasks"] = 0
        kept = {
            name: conn.exec_driver_sql(f"SELECT current_setting('{name}')").scalar_one()
            for name in settings
        }
        _apply_settings(conn, settings)
    try:
        yield
    finally:
        with engine.connect() as conn:
            _apply_settings(conn, kept)


def _apply_settings(conn: Connection, settings: dict[str, object]) -> None:
    for name, value in settings.items():
        conn.exec_driver_sql(
            f"SET {name} = {str(value).lower() if isinstance(value, bool) else value}"
        )


def _dead_rows_past_bound(conn: Connection) -> bool:
    """Whether a DuckDB table holds more deleted rows than `MAX_DEAD_SHARE` of its live rows:
    its estimated size counts the rows its storage still holds, deleted ones too."""
    sizes = conn.exec_driver_sql(
        "SELECT table_name, estimated_size FROM duckdb_tables() "
        "WHERE schema_name = current_schema() AND NOT temporary"
    ).all()
    for name, stored in sizes:
        (live,) = conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').one()
        if stored - live > MAX_DEAD_SHARE * live:
            return True
    return False


def _apply_changes(conn: Connection, changes: NightChanges, watch: Stopwatch) -> dict[str, int]:
    counts = {}
    removed = changes.removed
    with watch.phase("changes quarantine"):
        _delete_matching(conn, TABLES["quarantine"], removed[["source", "entity", "source_id"]])
    staged_gone = removed[removed["staged_gone"].astype(bool)]
    # table <- its rows tonight, and the entity whose gone ids it loses
    upserts = {name: (changes.facts[name], name) for name in FACT_TABLES}
    upserts["customer_source_map"] = (changes.crosswalk, "companies")
    for name, (frame, entity) in upserts.items():
        table = TABLES[name]
        gone = staged_gone.loc[staged_gone["entity"] == entity, ["source", "source_id"]]
        with watch.phase(f"changes {name}"):
            _delete_matching(conn, table, pd.concat([gone, frame[["source", "source_id"]]]))
            data = to_arrow(frame, table)
            bulk_load(conn, name, data, fresh=False)
        counts[name] = data.num_rows
    if not changes.moved.empty:
        with watch.phase("moved records"):
            moved = _scratch(conn, "moved_records", changes.moved)
            for name in FACT_TABLES:
                conn.exec_driver_sql(
                    f'UPDATE "{name}" SET customer_id = m.customer_id FROM "{moved}" m '
                    f'WHERE "{name}".source = m.source AND "{name}".company_source_id = m.source_id'
                )
            conn.exec_driver_sql(f'DROP TABLE "{moved}"')
    quarantine = TABLES["quarantine"]
    with watch.phase("changes quarantine"):
        _delete_matching(conn, quarantine, changes.processed)
        data = to_arrow(changes.quarantine, quarantine)
        bulk_load(conn, quarantine.name, data, fresh=False)
    counts["quarantine"] = data.num_rows
    return counts


# A refresh in place pays off while few rows change; past this share of the rows, a replace.
IN_PLACE_MAX_SHARE = 0.2


def _refresh_in_place(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int | None:
    """Make the DuckDB `table` hold exactly `frame`'s rows, changing only what differs: rows
    whose key is gone, or whose value changed in a column other than the daily ones, are
    replaced (deleted, and inserted again when still in `frame`); the daily columns of the
    others are updated. Returns the rows of `frame`, or None, changing nothing, when more than
    `IN_PLACE_MAX_SHARE` of them would be replaced.

    Rows are compared with IS DISTINCT FROM, which holds -0.0 and 0.0 equal: such a row keeps
    its published sign. DuckDB rewrites only the columns and rows a statement touches, where
    replacing 512k customers of 43 columns rebuilt the table, its key and their checkpoint
    (~2 s against ~0.7 s, ~0.5 s of it finding the rows to replace). PostgreSQL rewrites whole
    rows on update, so it keeps the replace."""
    data = to_arrow(frame, table)
    name, key, daily = table.name, table.primary_key.columns.keys(), daily_columns(table)
    others = [c.name for c in table.columns if c.name not in (*key, *daily)]
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    keys = ", ".join(f'"{k}"' for k in key)
    tonight_keys = ", ".join(f't."{k}"' for k in key)
    redo, target = f"{name}_redo{STAGING_SUFFIX}", f'"{name}"'

    def joined(left: str, right: str) -> str:
        return " AND ".join(f'{left}."{k}" = {right}."{k}"' for k in key)

    with duckdb_view(conn, data) as tonight:
        changed = " OR ".join(f't."{c}" IS DISTINCT FROM c."{c}"' for c in others)
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {redo} AS SELECT {tonight_keys} "
            f"FROM {tonight} t LEFT JOIN {target} c ON {joined('t', 'c')} "
            f'WHERE c."{key[0]}" IS NULL OR {changed} '
            f"UNION ALL SELECT {keys} FROM {target} c ANTI JOIN {tonight} t ON {joined('c', 't')}"
        )
        (count,) = conn.exec_driver_sql(f"SELECT count(*) FROM {redo}").one()
        few = count <= IN_PLACE_MAX_SHARE * len(frame)
        if few:
            conn.exec_driver_sql(f"DELETE FROM {target} USING {redo} r WHERE {joined(target, 'r')}")
            conn.exec_driver_sql(
                f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {tonight} t "
                f"SEMI JOIN {redo} r ON {joined('t', 'r')}"
            )
            outdated = " OR ".join(f't."{c}" IS DISTINCT FROM {target}."{c}"' for c in daily)
            values = ", ".join(f'"{c}" = t."{c}"' for c in daily)
            conn.exec_driver_sql(
                f"UPDATE {target} SET {values} FROM {tonight} t "
                f"WHERE {joined('t', target)} AND ({outdated})"
            )
        conn.exec_driver_sql(f"DROP TABLE {redo}")
    return data.num_rows if few else None


def _refuse_repeated_keys(table: sa.Table, frame: pd.DataFrame) -> None:
    """A table DuckDB keeps without an index for its key (refreshed in place) gets a frame
    whose key is unique, or none: the check the index made (on PostgreSQL it still does)."""
    key = table.primary_key.columns.keys()
    if len(key) == 1 and _strictly_increasing(frame[key[0]]):
        return  # keys in order (the customers come by id): neighbours tell, without hashing
    repeated = frame.duplicated(subset=key, keep=False)
    if repeated.any():
        examples = frame.loc[repeated, key].drop_duplicates().head(3).to_dict("records")
        raise ValueError(f"{table.name}: repeated primary key {key}: {examples}")


def _strictly_increasing(column: pd.Series) -> bool:
    """Whether every value is known and greater than the one before: then none repeats.
    False when Arrow cannot say (mixed types): the caller hashes them."""
    try:
        values = pa.array(column.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return False
    if values.null_count:
        return False
    return len(values) < 2 or pc.all(pc.less(values[:-1], values[1:])).as_py()


def _scratch(conn: Connection, name: str, frame: pd.DataFrame) -> str:
    """A temporary table holding `frame`'s text columns, for set-based deletes and updates."""
    table = sa.Table(
        f"{name}{STAGING_SUFFIX}",
        sa.MetaData(),
        *(sa.Column(c, sa.Text) for c in frame.columns),
    )
    conn.execute(DropTable(table, if_exists=True))
    conn.execute(CreateTable(table))
    data = pa.Table.from_pandas(frame.astype("string"), preserve_index=False).cast(
        pa.schema([(c, pa.large_string()) for c in frame.columns])
    )
    bulk_load(conn, table.name, data)
    return table.name


def _delete_matching(conn: Connection, table: sa.Table, keys: pd.DataFrame) -> None:
    """Delete the rows of `table` whose values in `keys`' columns equal one of its rows."""
    if keys.empty:
        return
    scratch = _scratch(conn, f"{table.name}_keys", keys.drop_duplicates())
    match = " AND ".join(f'"{table.name}"."{c}" = k."{c}"' for c in keys.columns)
    conn.exec_driver_sql(
        f'DELETE FROM "{table.name}" WHERE EXISTS (SELECT 1 FROM "{scratch}" k WHERE {match})'
    )
    conn.exec_driver_sql(f'DROP TABLE "{scratch}"')


def _replace_partitions(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Replace only the partitions present in the frame, so re-running a run date replaces
    that date's rows and leaves the other dates' history alone."""
    column = table.c[partition_column(table)]
    data = to_arrow(frame, table)
    values = data.column(column.name).unique().to_pylist()
    conn.execute(table.delete().where(column.in_(values)))
    bulk_load(conn, table.name, data, fresh=False)
    return data.num_rows


def _staging(table: sa.Table, *, keys: bool) -> sa.Table:
    """`table` under its staging name, with or without its primary key and indexes."""
    constraints: list[sa.SchemaItem] = []
    if keys:
        constraints.append(sa.PrimaryKeyConstraint(*table.primary_key.columns.keys()))
        constraints += [sa.Index(None, *ix.columns.keys()) for ix in table.indexes]
    return sa.Table(
        table.name + STAGING_SUFFIX,
        sa.MetaData(naming_convention=NAMING_CONVENTION),
        *(sa.Column(c.name, c.type) for c in table.columns),
        *constraints,
    )


def _key_names(table: sa.Table) -> list[str]:
    """Primary key and index names, in an order that pairs a staging copy with its table."""
    indexes = sorted(table.indexes, key=lambda index: index.columns.keys())
    primary = [table.primary_key.name] if table.primary_key.columns else []
    return [*primary, *(index.name for index in indexes)]


def _add_keys(conn: Connection, table: sa.Table, *, primary: bool, indexes: bool) -> None:
    if primary and table.primary_key.columns:
        conn.execute(AddConstraint(table.primary_key))
    if indexes:
        for index in table.indexes:
            index.create(conn)


def _stage(conn: Connection, table: sa.Table, frame: pd.DataFrame, postgres: bool) -> int:
    """Bulk-load the frame into a fresh staging table and build its keys; return its row count.

    Keys are built after the load (faster than maintaining them row by row) and before the
    swap, so readers of the live table wait only for the renames. Secondary indexes exist on
    PostgreSQL only: DuckDB can rename no table that has one, and its ART indexes serve point
    lookups, not the scans BI runs, while costing more than the load itself on 10M rows. For
    the same reason DuckDB keys no table every night changes row by row (`keyed_on_duckdb`):
    building the primary key of 10M sales lines took 11 s of a full night's publish, and
    keeping it 2 s of each incremental night's (an ART insert and its checkpoint per 100k
    lines); the customers' refresh deleting 81k of 514k rows spent 0.7 s of the commit
    removing them from the index. Their keys stay unique all the same: staging quarantines
    repeated ids, the customers' frame is refused with a repeated id (`_refuse_repeated_keys`),
    and every night deletes the rows of the keys it loads before loading them."""
    conn.execute(CreateTable(_staging(table, keys=False)))
    data = to_arrow(frame, table)
    bulk_load(conn, table.name + STAGING_SUFFIX, data)
    primary = postgres or keyed_on_duckdb(table)
    _add_keys(conn, _staging(table, keys=True), primary=primary, indexes=postgres)
    return data.num_rows


def _swap(conn: Connection, table: sa.Table, postgres: bool) -> None:
    """Replace the live table by its staging copy, renaming its keys on PostgreSQL (DuckDB's
    keys have no names of their own), and comment it."""
    conn.execute(DropTable(table, if_exists=True))
    conn.exec_driver_sql(f'ALTER TABLE "{table.name}{STAGING_SUFFIX}" RENAME TO "{table.name}"')
    if postgres:
        staged = _key_names(_staging(table, keys=True))
        for old, new in zip(staged, _key_names(table), strict=True):
            conn.exec_driver_sql(f'ALTER INDEX "{old}" RENAME TO "{new}"')
    conn.execute(sa.schema.SetTableComment(table))
    for column in table.columns:
        conn.execute(sa.schema.SetColumnComment(column))


def _create_views(conn: Connection) -> None:
    literal = sa.String().literal_processor(conn.dialect)
    for view in VIEWS.values():
        conn.exec_driver_sql(f'CREATE VIEW "{view.name}" AS {view.sql}')
        conn.exec_driver_sql(f'COMMENT ON VIEW "{view.name}" IS {literal(view.comment)}')


def read_table(engine: Engine, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(f'SELECT * FROM "{name}"'), conn)
