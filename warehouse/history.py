"""Reads of earlier runs' published state, for what a run compares itself with."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.bulk import read_arrow
from warehouse.publish import existing_columns
from warehouse.schema import dormancy_history


def previous_tiers(engine: Engine, as_of: dt.date) -> pd.DataFrame | None:
    """Each customer's tier at the latest run date before `as_of`; None before the first run."""
    with engine.connect() as conn:
        if dormancy_history.name not in existing_columns(conn):
            return None
        latest = (
            sa.select(sa.func.max(dormancy_history.c.as_of_date))
            .where(dormancy_history.c.as_of_date < as_of)
            .scalar_subquery()
        )
        query = sa.select(dormancy_history.c.customer_id, dormancy_history.c.tier).where(
            dormancy_history.c.as_of_date == latest
        )
        sql = query.compile(conn, compile_kwargs={"literal_binds": True})
        frame = read_arrow(conn, str(sql))
    return frame if not frame.empty else None
