"""Sales-management (販売管理) databases read over SQLAlchemy: SQLite, MariaDB/MySQL, PostgreSQL."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from connectors.base import (
    ROW_REF,
    ConnectorError,
    EntityMapping,
    ReadResult,
    apply_mapping,
    empty_rejects,
)


def read_sql_entity(mapping: EntityMapping, entity: str, url: str) -> ReadResult:
    """Run the entity's query and map its columns; values come back as text."""
    engine = sa.create_engine(url)
    where = f"{engine.url.render_as_string(hide_password=True)} ({entity})"
    try:
        with engine.connect() as conn:
            raw = pd.read_sql_query(sa.text(mapping.query), conn, dtype=object)
    except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
        raise ConnectorError(f"{where}: query failed: {exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    id_column = mapping.columns.get("source_id")
    if id_column not in raw.columns:
        raise ConnectorError(f"{where}: the query returns no column {id_column!r}")
    raw[ROW_REF] = entity + ":" + raw[id_column].astype("string")
    return ReadResult(rows=apply_mapping(raw, mapping, entity, where), rejects=empty_rejects())
