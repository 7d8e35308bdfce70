"""Publication into both warehouses, the embedded DuckDB file and the real PostgreSQL server:
complete, typed, idempotent, atomic, and identical row for row between the two."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import warehouse.publish as publish_module
from warehouse.frames import to_arrow
from warehouse.history import previous_tiers
from warehouse.publish import FACT_TABLES, NightChanges, make_engine, publish, read_table
from warehouse.schema import TABLES, VIEWS, grows_nightly, keyed_on_duckdb
from warehouse.stopwatch import Stopwatch

TRICKY_TEXT = ["", 'say "hi"', "a,b", "two\nlines", "\\.", "C:\\path", "株式会社　山田商事"]


def frames(n: int) -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "name": ["株式会社山田商事"] * n,
            "tier": ["dormant"] * n,
            "priority_rank": list(range(1, n + 1)),
            "last_purchase_date": pd.to_datetime(["2024-01-31"] * n),
        }
    )
    transactions = pd.DataFrame(
        {"source": "sales_db", "source_id": [str(i) for i in range(n)], "amount": 1000.0}
    )
    return {"customers": customers, "transactions": transactions}


def tricky_frames() -> dict[str, pd.DataFrame]:
    """Every table, with the values a bulk path gets wrong: '' against NULL, quotes, commas,
    newlines, backslashes, full-width text, floats that need all 17 digits, integers pandas
    turned into floats, missing dates and booleans."""
    n = len(TRICKY_TEXT)
    ids = [f"C{i:02d}" for i in range(n)]
    floats = [0.1 + 0.2, -0.0, 1e-300, 123456789.12345679, np.nan, -2500.0, 2.0**53 + 2]
    dates = pd.to_datetime(
        ["2024-01-31", None, "1989-01-08", "2019-05-01", None, "2026-11-23", "2000-02-29 13:45"],
        format="ISO8601",
    )
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "name": TRICKY_TEXT,
            "address": [None, *TRICKY_TEXT[1:]],
            "employees": floats,
            "lifetime_amount": [1000.0 * i for i in range(n)],
            "purchase_count": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0],
            "last_purchase_date": dates,
            "tier": ["active", "at_risk", "dormant", "long_dormant", "prospect", "dormant", None],
            "declining": [True, None, False, True, False, None, True],
            "priority_rank": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    keyed = {"source": "crm", "source_id": [f"S{i}" for i in range(n)], "customer_id": ids}
    return {
        "customers": customers,
        "customer_source_map": pd.DataFrame({**keyed, "name_raw": TRICKY_TEXT}),
        "transactions": pd.DataFrame(
            {**keyed, "transaction_date": dates, "amount": floats, "product": TRICKY_TEXT}
        ),
        "deals": pd.DataFrame({**keyed, "deal_date": dates, "stage": "won"}),
        "activities": pd.DataFrame({**keyed, "activity_type": TRICKY_TEXT}),
        "quarantine": pd.DataFrame(
            {"source": "crm", "entity": "transactions", "reason": "x", "raw": TRICKY_TEXT}
        ),
        "match_review": pd.DataFrame({"record_key_l": ids, "score": floats}),
        "dormancy_history": pd.DataFrame(
            {
                "customer_id": ids,
                "as_of_date": pd.Timestamp("2026-11-23"),
                "tier": customers["tier"],
                "tier_change": ["unchanged", "newly_at_risk", *TRICKY_TEXT[2:]],
                "amount_12m": floats,
            }
        ),
    }


@pytest.fixture(params=["duckdb", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'nested' / 'wh.duckdb'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def rows(engine: sa.Engine, name: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')]


def test_publish_creates_tables_views_and_replaces_on_rerun(engine: sa.Engine) -> None:
    assert publish(engine, frames(3)) == {"customers": 3, "transactions": 3}
    assert publish(engine, frames(3)) == {"customers": 3, "transactions": 3}
    customers = read_table(engine, "customers")
    assert len(customers) == 3
    assert customers["name"].eq("株式会社山田商事").all()
    with engine.connect() as conn:
        targets = conn.exec_driver_sql("SELECT customer_id FROM v_reactivation_targets").all()
        summary = conn.exec_driver_sql("SELECT tier, customers FROM v_tier_summary").all()
        quarantined = conn.exec_driver_sql("SELECT * FROM v_quarantine_summary").all()
    assert [t[0] for t in targets] == ["C0", "C1", "C2"]
    assert summary == [("dormant", 3)]
    assert quarantined == []


def test_publish_times_each_phase(engine: sa.Engine) -> None:
    watch = Stopwatch()
    publish(engine, frames(3), stopwatch=watch)
    phases = {"load customers", "load transactions", "swap and views", "commit"}
    assert phases <= set(watch.seconds)
    assert all(seconds >= 0 for seconds in watch.seconds.values())
    rounded = list(watch.rounded().values())
    assert rounded == sorted(rounded, reverse=True)


def test_values_round_trip_exactly(engine: sa.Engine) -> None:
    data = tricky_frames()
    publish(engine, data)
    for name, frame in data.items():
        expected = [tuple(row.values()) for row in to_arrow(frame, TABLES[name]).to_pylist()]
        assert Counter(rows(engine, name)) == Counter(expected), name
    loaded = dict(zip(TRICKY_TEXT, rows(engine, "customers"), strict=True))
    assert loaded[""][1] == "" and loaded[""][8] is None  # '' stays '', NULL stays NULL


def test_failed_publish_keeps_previous_tables(engine: sa.Engine, monkeypatch) -> None:
    publish(engine, frames(2))
    real_load = publish_module.bulk_load

    def load_then_fail(conn, table_name, data):
        real_load(conn, table_name, data)
        if table_name.startswith("transactions"):
            raise RuntimeError("injected failure after the staging write")

    monkeypatch.setattr(publish_module, "bulk_load", load_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        publish(engine, frames(5))
    assert len(read_table(engine, "customers")) == 2
    assert len(read_table(engine, "transactions")) == 2
    monkeypatch.undo()
    assert publish(engine, frames(5)) == {"customers": 5, "transactions": 5}
    assert publish(engine, frames(5)) == {"customers": 5, "transactions": 5}
    assert len(read_table(engine, "transactions")) == 5


def test_duplicate_key_fails_and_keeps_previous_tables(engine: sa.Engine) -> None:
    publish(engine, frames(2))
    duplicated = frames(2)
    customers = duplicated["customers"]
    # repeated apart, and side by side in id order (checked by neighbours)
    for repeated in (
        pd.concat([customers] * 2),
        pd.concat([customers] * 2).sort_values("customer_id"),
    ):
        duplicated["customers"] = repeated
        with pytest.raises(ValueError, match=r"customers: repeated primary key \['customer_id'\]"):
            publish(engine, duplicated)  # refused before anything is loaded
    crosswalk = pd.DataFrame({"source": "crm", "source_id": ["A1", "A1"], "customer_id": "C1"})
    with pytest.raises(sa.exc.DBAPIError):  # a keyed table: the key refuses it
        publish(engine, {"customer_source_map": crosswalk})
    assert len(read_table(engine, "customers")) == 2
    assert read_table(engine, "customer_source_map").empty


def test_table_with_old_columns_is_rebuilt(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE quarantine (source VARCHAR, legacy INTEGER)")
        conn.exec_driver_sql("CREATE TABLE customers (customer_id VARCHAR, legacy INTEGER)")
    publish(engine, frames(1))
    assert "legacy" not in read_table(engine, "customers").columns
    assert "legacy" not in read_table(engine, "quarantine").columns


def test_bad_value_is_refused_naming_the_column(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="customers.priority_rank"):
        publish(
            engine, {"customers": pd.DataFrame({"customer_id": ["C1"], "priority_rank": [1.5]})}
        )


def test_unknown_table_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(KeyError, match="no warehouse table"):
        publish(engine, {"customerz": pd.DataFrame()})


@pytest.mark.parametrize("url", ["postgresql+psycopg2://u@h/db", "sqlite:///x.db"])
def test_unsupported_warehouse_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql\\+psycopg://"):
        make_engine(url)


def test_duckdb_and_postgresql_hold_the_same_rows(tmp_path: Path, postgres_url: str) -> None:
    data = tricky_frames()
    engines = [make_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}"), make_engine(postgres_url)]
    try:
        for engine in engines:
            publish(engine, data)
        duck, postgres = engines
        for name in TABLES:
            assert Counter(rows(duck, name)) == Counter(rows(postgres, name)), name
        for name in VIEWS:  # the views' own ORDER BY, where there is one, must agree too
            ordered = "ORDER BY" in VIEWS[name].sql
            duck_rows, postgres_rows = rows(duck, name), rows(postgres, name)
            assert (duck_rows if ordered else Counter(duck_rows)) == (
                postgres_rows if ordered else Counter(postgres_rows)
            ), name
    finally:
        for engine in engines:
            engine.dispose()


def test_postgresql_keys_indexes_and_comments(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        publish(engine, frames(2))
        publish(engine, frames(2))  # the second run renames staged keys over existing ones
        with engine.connect() as conn:
            indexes = set(
                conn.exec_driver_sql(
                    "SELECT tablename, indexname FROM pg_indexes "
                    "WHERE schemaname = current_schema()"
                ).all()
            )
            comments = dict(
                conn.exec_driver_sql(
                    "SELECT c.relname || coalesce('.' || a.attname, ''), d.description "
                    "FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
                    "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid "
                    "WHERE c.relnamespace = current_schema()::regnamespace"
                ).all()
            )
            leftovers = conn.exec_driver_sql(
                "SELECT relname FROM pg_class WHERE strpos(relname, 'staging') > 0 "
                "AND relnamespace = current_schema()::regnamespace"
            ).all()
    finally:
        engine.dispose()
    assert ("transactions", "pk_transactions") in indexes
    assert ("transactions", "ix_transactions_customer_id") in indexes
    assert ("transactions", "ix_transactions_transaction_date") in indexes
    assert ("customers", "ix_customers_tier") in indexes
    expected_indexes = {(t.name, i.name) for t in TABLES.values() for i in t.indexes} | {
        (t.name, f"pk_{t.name}") for t in TABLES.values() if t.primary_key.columns
    }
    assert indexes == expected_indexes
    assert leftovers == []
    expected_comments = {name: view.comment for name, view in VIEWS.items()}
    for table in TABLES.values():
        expected_comments[table.name] = table.comment
        expected_comments.update({f"{table.name}.{c.name}": c.comment for c in table.columns})
    assert comments == expected_comments
    assert comments["customers.tier"].endswith("/ 休眠区分")


def test_postgresql_text_keys_use_byte_order(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        publish(engine, frames(1))
        with engine.connect() as conn:
            collations = dict(
                conn.exec_driver_sql(
                    "SELECT column_name, collation_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'transactions'"
                ).all()
            )
    finally:
        engine.dispose()
    assert collations["customer_id"] == "C" and collations["source_id"] == "C"
    assert collations["product"] is None


def test_dates_drop_their_time_of_day() -> None:
    frame = pd.DataFrame({"transaction_date": pd.to_datetime(["2000-02-29 13:45"])})
    data = to_arrow(frame, TABLES["transactions"])
    assert data.column("transaction_date").to_pylist() == [dt.date(2000, 2, 29)]


def test_history_replaces_only_the_run_dates_it_is_given(engine: sa.Engine) -> None:
    def snapshot(day: str, ids: list[str]) -> dict[str, pd.DataFrame]:
        frame = pd.DataFrame(
            {"customer_id": ids, "as_of_date": pd.Timestamp(day), "tier": "dormant"}
        )
        return {"dormancy_history": frame}

    publish(engine, snapshot("2026-11-22", ["C1", "C2"]))
    publish(engine, snapshot("2026-11-23", ["C1", "C2", "C3"]))
    publish(engine, snapshot("2026-11-22", ["C1"]))  # a re-run of the first date
    history = read_table(engine, "dormancy_history")
    per_day = history.groupby(history["as_of_date"].astype(str)).size().to_dict()
    assert per_day == {"2026-11-22": 1, "2026-11-23": 3}
    # what the next run compares itself with: the latest date before its own
    assert previous_tiers(engine, dt.date(2026, 11, 22)) is None
    assert previous_tiers(engine, dt.date(2026, 11, 23))["customer_id"].tolist() == ["C1"]
    latest = previous_tiers(engine, dt.date(2026, 11, 24))
    assert sorted(latest["customer_id"]) == ["C1", "C2", "C3"]
    assert set(latest["tier"]) == {"dormant"}


def night_changes(removed: pd.DataFrame | None = None) -> NightChanges:
    """An incremental night's changes: none, but the given removed rows."""
    nothing = pd.DataFrame(columns=["source", "source_id"])
    return NightChanges(
        facts={name: nothing for name in FACT_TABLES},
        quarantine=pd.DataFrame(columns=["source", "entity", "source_id"]),
        processed=pd.DataFrame(columns=["source", "entity", "source_id"]),
        crosswalk=nothing,
        moved=pd.DataFrame(columns=["source", "source_id", "customer_id"]),
        removed=pd.DataFrame(columns=["source", "entity", "source_id", "staged_gone"])
        if removed is None
        else removed,
    )


@pytest.mark.parametrize("share", [0.0, 1.0])  # replaced / refreshed in place on DuckDB
def test_an_incremental_night_leaves_customers_equal_to_its_frame(
    engine: sa.Engine, share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB refreshes the customers in place when few rows changed (gone rows deleted,
    changed ones replaced, the daily columns updated), else replaces them: either way the
    table must hold exactly the night's frame."""
    monkeypatch.setattr(publish_module, "IN_PLACE_MAX_SHARE", share)
    refreshed = []
    refresh = publish_module._refresh_in_place
    monkeypatch.setattr(
        publish_module,
        "_refresh_in_place",
        lambda *args: refreshed.append(refresh(*args)) or refreshed[-1],
    )
    first = frames(5)["customers"].assign(as_of_date=pd.Timestamp("2026-11-23"))
    publish(engine, {"customers": first})
    night = first.assign(as_of_date=pd.Timestamp("2026-11-24"), priority_rank=[5, 4, 3, 2, 1])
    night.loc[1, "tier"] = "long_dormant"  # a judgement changed
    night.loc[3, "last_purchase_date"] = pd.NaT  # a value gone
    night = pd.concat(
        [night.drop(index=2), night.iloc[[0]].assign(customer_id="C9", name="新規")],
        ignore_index=True,
    )
    watch = Stopwatch()
    publish(engine, {"customers": night}, night_changes(), watch)
    published = read_table(engine, "customers").sort_values("customer_id", ignore_index=True)
    dates = ["last_purchase_date", "as_of_date"]  # DATE columns come back as dates
    published[dates] = published[dates].apply(pd.to_datetime).astype("datetime64[ns]")
    expected = night.sort_values("customer_id", ignore_index=True)
    expected[dates] = expected[dates].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(published[list(night.columns)], expected, check_dtype=False)
    postgres = engine.dialect.name == "postgresql"
    assert refreshed == ([] if postgres else [5 if share else None])
    # the publish's metadata says which path took how long
    assert ("refresh customers" in watch.seconds) == (not postgres)
    assert ("load customers" in watch.seconds) == (postgres or not share)


def stored_and_live(engine: sa.Engine, table: str) -> tuple[int, int]:
    """Rows a DuckDB table's storage holds (deleted ones too) and rows it has."""
    with engine.connect() as conn:
        (stored,) = conn.exec_driver_sql(
            f"SELECT estimated_size FROM duckdb_tables() WHERE table_name = '{table}'"
        ).one()
        (live,) = conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').one()
    return stored, live


def test_incremental_nights_defer_compaction_until_deleted_rows_pile_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """250k customers fill two row groups and a bit; a night that replaces 15% of them leaves
    few enough rows for two, so DuckDB's checkpoint would rewrite the table to compact them.
    An incremental night keeps the deleted rows instead, and the settings as they were; once
    they pass MAX_DEAD_SHARE, the next night compacts."""
    engine = make_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    n = 250_000
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "name": "株式会社山田商事",
            "tier": "dormant",
            "priority_rank": np.arange(n),
        }
    )
    publish(engine, {"customers": customers})

    def night(changed: np.ndarray) -> tuple[int, int]:
        customers.loc[changed, "tier"] = "long_dormant"  # outside the daily columns
        publish(engine, {"customers": customers}, night_changes())
        return stored_and_live(engine, "customers")

    every_seventh = np.arange(0, n, 7)  # 14%: refreshed in place
    assert night(every_seventh) == (n + len(every_seventh), n)
    with engine.connect() as conn:
        settings = conn.exec_driver_sql(
            "SELECT current_setting('max_vacuum_tasks'), current_setting('preserve_insertion_order')"
        ).one()
    assert tuple(settings) == (100, True)  # DuckDB's defaults, put back
    monkeypatch.setattr(publish_module, "MAX_DEAD_SHARE", 0.0)  # any deleted row is too many
    stored, live = night(every_seventh + 1)
    assert live == n and stored < n + len(every_seventh)  # compacted
    engine.dispose()


def test_incremental_changes_keep_rows_whose_id_is_still_staged(engine: sa.Engine) -> None:
    """A removed row whose id is still staged (a vanished duplicate copy) deletes only its
    quarantine row; a removed id with nothing staged left leaves the crosswalk and facts."""
    keyed = {"source": "crm", "source_id": ["A1", "A2"]}
    publish(
        engine,
        {
            "customer_source_map": pd.DataFrame({**keyed, "customer_id": ["C1", "C2"]}),
            "deals": pd.DataFrame({**keyed, "company_source_id": ["A1", "A2"]}),
            "quarantine": pd.DataFrame(
                {"source": "crm", "entity": "companies", "source_id": ["A1"], "reason": ["dup"]}
            ),
        },
    )
    removed = pd.DataFrame(
        {
            "source": "crm",
            "entity": ["companies", "companies", "deals", "deals"],
            "source_id": ["A1", "A2", "A1", "A2"],
            "staged_gone": [False, True, False, True],
        }
    )
    publish(engine, {}, night_changes(removed=removed))
    assert read_table(engine, "customer_source_map")["source_id"].tolist() == ["A1"]
    assert read_table(engine, "deals")["source_id"].tolist() == ["A1"]
    assert read_table(engine, "quarantine").empty


def test_duckdb_keys_no_table_changed_row_by_row(tmp_path: Path) -> None:
    """DuckDB's ART primary keys cost more than the loads on tables of millions of lines, and
    than the commit of a refresh in place; the fact tables, the history and the customers go
    without (PostgreSQL keeps every key, as checked above)."""
    engine = make_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    try:
        publish(engine, frames(3))
        with engine.connect() as conn:
            keyed = {
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT table_name FROM duckdb_constraints() "
                    "WHERE constraint_type = 'PRIMARY KEY'"
                ).all()
            }
    finally:
        engine.dispose()
    growing = {t.name for t in TABLES.values() if grows_nightly(t)}
    assert growing == {"transactions", "deals", "activities", "dormancy_history"}
    keyed_tables = {t.name for t in TABLES.values() if t.primary_key.columns}
    assert keyed == keyed_tables - growing - {"customers"}
    assert keyed == {
        t.name for t in TABLES.values() if t.primary_key.columns and keyed_on_duckdb(t)
    }
