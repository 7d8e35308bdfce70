"""Publication into the embedded DuckDB warehouse: complete, idempotent, atomic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import warehouse.publish as publish_module
from warehouse.publish import make_engine, publish, read_table


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


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = make_engine(f"duckdb:///{tmp_path / 'nested' / 'wh.duckdb'}")
    yield engine
    engine.dispose()


def test_publish_creates_tables_views_and_replaces_on_rerun(engine: sa.Engine) -> None:
    assert publish(engine, frames(3)) == {"customers": 3, "transactions": 3}
    assert publish(engine, frames(3)) == {"customers": 3, "transactions": 3}
    customers = read_table(engine, "customers")
    assert len(customers) == 3
    assert customers["name"].eq("株式会社山田商事").all()
    with engine.connect() as conn:
        targets = conn.exec_driver_sql("SELECT customer_id FROM v_reactivation_targets").all()
        summary = conn.exec_driver_sql("SELECT tier, customers FROM v_tier_summary").all()
    assert [t[0] for t in targets] == ["C0", "C1", "C2"]
    assert summary == [("dormant", 3)]


def test_failed_publish_keeps_previous_tables(engine: sa.Engine, monkeypatch) -> None:
    publish(engine, frames(2))
    real_insert = publish_module._bulk_insert

    def insert_then_fail(conn, table, data):
        real_insert(conn, table, data)
        if table.name == "transactions":
            raise RuntimeError("injected failure after the staging write")

    monkeypatch.setattr(publish_module, "_bulk_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        publish(engine, frames(5))
    assert len(read_table(engine, "customers")) == 2
    assert len(read_table(engine, "transactions")) == 2


def test_table_with_old_columns_is_rebuilt(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (customer_id VARCHAR, legacy INTEGER)")
    publish(engine, frames(1))
    assert "legacy" not in read_table(engine, "customers").columns


def test_unknown_table_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(KeyError, match="no warehouse table"):
        publish(engine, {"customerz": pd.DataFrame()})
