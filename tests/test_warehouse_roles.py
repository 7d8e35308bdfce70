"""The read-only BI role, proven on the real PostgreSQL server by logging in as it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from tests.test_warehouse import tricky_frames
from warehouse import roles
from warehouse.publish import make_engine, publish
from warehouse.schema import VIEWS


@pytest.fixture
def published(postgres_url: str, monkeypatch) -> Iterator[str]:
    """A published warehouse whose BI role was set up by the documented command."""
    engine = make_engine(postgres_url)
    publish(engine, tricky_frames())
    engine.dispose()
    monkeypatch.setenv("HORIOKOSHI_WAREHOUSE_URL", postgres_url)
    monkeypatch.setenv(roles.PASSWORD_ENV, "s3cret-bi-Pa55")
    assert roles.main([]) == 0
    yield postgres_url


@pytest.fixture
def bi(published: str) -> Iterator[sa.Engine]:
    """An engine logged in as the BI role, with the password the command set."""
    url = sa.make_url(published).set(username=roles.BI_ROLE, password="s3cret-bi-Pa55")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def refused(engine: sa.Engine, statement: str) -> bool:
    """Whether the server refuses the statement for lack of privilege."""
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    except sa.exc.ProgrammingError as error:
        return isinstance(error.orig, psycopg.errors.InsufficientPrivilege)
    return False


def test_bi_role_reads_tables_and_views(bi: sa.Engine) -> None:
    with bi.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar_one() == 7
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM transactions").scalar_one() == 7
        for view in VIEWS:
            assert conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{view}"').scalar_one() > 0, view
        quarantine_summary = conn.exec_driver_sql(
            "SELECT rows_quarantined FROM v_quarantine_summary"
        ).scalar_one()
    assert quarantine_summary == 7  # counts of the quarantine, never its raw values


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT raw FROM quarantine",
        "SELECT COUNT(*) FROM quarantine",
        "INSERT INTO customers (customer_id) VALUES ('X1')",
        "UPDATE customers SET tier = 'active'",
        "DELETE FROM transactions",
        "TRUNCATE customers",
        "DROP VIEW v_tier_summary",
        "CREATE TABLE bi_scratch (x int)",
    ],
)
def test_bi_role_cannot_write_or_read_quarantine(bi: sa.Engine, statement: str) -> None:
    assert refused(bi, statement)


def test_grants_survive_a_republish(published: str, bi: sa.Engine) -> None:
    engine = make_engine(published)
    publish(engine, tricky_frames())
    engine.dispose()
    with bi.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar_one() == 7
    assert refused(bi, "SELECT raw FROM quarantine")


def test_role_is_plain_and_its_password_is_hashed_and_never_printed(
    published: str, postgres_admin: sa.Engine, capsys
) -> None:
    with postgres_admin.connect() as conn:
        role = conn.exec_driver_sql(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolpassword "
            f"FROM pg_authid WHERE rolname = '{roles.BI_ROLE}'"
        ).one()
    assert role[:4] == (False, False, False, True)
    assert role.rolpassword.startswith("SCRAM-SHA-256$")
    assert "s3cret" not in capsys.readouterr().out


def test_command_refuses_a_duckdb_warehouse(monkeypatch, capsys) -> None:
    monkeypatch.setenv("HORIOKOSHI_WAREHOUSE_URL", "duckdb:///data/warehouse.duckdb")
    assert roles.main([]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
