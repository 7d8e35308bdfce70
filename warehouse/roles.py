"""The read-only BI role on a PostgreSQL warehouse: `python -m warehouse.roles` (`make bi-role`).

Creates the login role `horiokoshi_bi` when missing (safe to re-run), lets it connect and use
the warehouse schema, and grants it SELECT on the published tables and views only: never on
the quarantine, which holds raw source values, and nothing that writes. Publishing recreates
the tables and views, which drops their grants, so `publish()` re-grants after every load.

Reads HORIOKOSHI_WAREHOUSE_URL (the warehouse; its search_path picks the schema) and, if set,
HORIOKOSHI_BI_PASSWORD, which is hashed (SCRAM) on this side: the password itself never
reaches the server's statement log, nor this command's output.
"""

from __future__ import annotations

import argparse
import os
import sys

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import TABLES, VIEWS, bi_readable

BI_ROLE = "horiokoshi_bi"
PASSWORD_ENV = "HORIOKOSHI_BI_PASSWORD"
# Whatever the role was before, it ends up unable to do more than log in and read.
ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"


def bi_objects() -> list[str]:
    """Tables and views the BI role may read: every view and every table not hidden from it."""
    return [name for name, table in TABLES.items() if bi_readable(table)] + list(VIEWS)


def _existing(conn: Connection, names: list[str]) -> list[str]:
    """The given relations that exist in the current schema, in the given order."""
    found = set(
        conn.execute(
            sa.text(
                "SELECT relname FROM pg_class "
                "WHERE relnamespace = current_schema()::regnamespace AND relname = ANY(:names)"
            ),
            {"names": names},
        ).scalars()
    )
    return [name for name in names if name in found]


def grant_bi_select(conn: Connection) -> list[str]:
    """SELECT for the BI role on its tables and views that exist, and no privilege at all on
    the hidden tables; nothing when the role has not been created. Returns the granted names."""
    if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": BI_ROLE}).first():
        hidden = [name for name, table in TABLES.items() if not bi_readable(table)]
        for name in _existing(conn, hidden):
            conn.exec_driver_sql(f'REVOKE ALL ON "{name}" FROM "{BI_ROLE}"')
        granted = _existing(conn, bi_objects())
        for name in granted:
            conn.exec_driver_sql(f'GRANT SELECT ON "{name}" TO "{BI_ROLE}"')
        return granted
    return []


def create_bi_role(conn: Connection, password: str | None) -> list[str]:
    """Create or fix the role, let it reach the current schema, grant SELECT; return grants."""
    # Concurrent runs of this command would otherwise race on the same catalog rows.
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('horiokoshi.roles'))")
    conn.exec_driver_sql(
        "DO $$ BEGIN "
        f'CREATE ROLE "{BI_ROLE}"; '
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    )
    conn.exec_driver_sql(f'ALTER ROLE "{BI_ROLE}" {ROLE_ATTRIBUTES}')
    if password:
        pgconn = conn.connection.driver_connection.pgconn
        hashed = pgconn.encrypt_password(password.encode(), BI_ROLE.encode()).decode()
        conn.exec_driver_sql(f"ALTER ROLE \"{BI_ROLE}\" PASSWORD '{hashed}'")
    database, schema = conn.exec_driver_sql("SELECT current_database(), current_schema()").one()
    conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO "{BI_ROLE}"')
    conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO "{BI_ROLE}"')
    return grant_bi_select(conn)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    url = os.environ.get("HORIOKOSHI_WAREHOUSE_URL", "")
    if not url or sa.make_url(url).get_backend_name() != "postgresql":
        print(
            "HORIOKOSHI_WAREHOUSE_URL must name a PostgreSQL warehouse "
            "(postgresql+psycopg://...); the embedded DuckDB file has no roles",
            file=sys.stderr,
        )
        return 2
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            granted = create_bi_role(conn, os.environ.get(PASSWORD_ENV))
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    finally:
        engine.dispose()
    print(f"role {BI_ROLE} ready on {engine.url.render_as_string(hide_password=True)}")
    print(f"password {'set from ' + PASSWORD_ENV if os.environ.get(PASSWORD_ENV) else 'unchanged'}")
    print(
        f"SELECT granted in schema {schema} on: {', '.join(granted) or '(nothing published yet)'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
