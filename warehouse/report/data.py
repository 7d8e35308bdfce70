"""The numbers behind the dormancy report, read from the published tables and views.

Only SQL both dialects accept, so a DuckDB file and a PostgreSQL warehouse give the same
report; the report shows what BI tools see, not what the pipeline held in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

TARGET_COLUMNS = (
    "priority_rank, customer_id, name, prefecture, industry, tier, segment, priority, "
    "priority_reasons, recommended_action, last_purchase_date, lifetime_amount"
)


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows: one frame per chart or table."""

    as_of: dt.date
    tiers: pd.DataFrame  # tier, customers, lifetime_amount, amount_12m
    changes: pd.DataFrame  # as_of_date, tier_change, customers (moves only)
    run_dates: list[dt.date]  # every run date shown, oldest first, with or without moves
    targets: pd.DataFrame  # top reactivation targets, best first
    target_count: int  # all reactivation targets, not only the top ones


def read_report_data(engine: Engine, top: int = 20, history_dates: int = 30) -> ReportData:
    """The latest run date's tiers and targets, and the tier moves of the last
    `history_dates` run dates up to it."""
    with engine.connect() as conn:
        as_of = conn.execute(sa.text("SELECT MAX(as_of_date) FROM customers")).scalar_one()
        if as_of is None:
            raise ValueError("the warehouse has no customers yet: run the pipeline first")
        as_of = pd.Timestamp(as_of).date()
        run_dates = _run_dates(conn, as_of, history_dates)
        return ReportData(
            as_of=as_of,
            tiers=_query(
                conn,
                "SELECT tier, customers, COALESCE(lifetime_amount, 0) AS lifetime_amount, "
                "COALESCE(amount_12m, 0) AS amount_12m FROM v_tier_summary",
            ),
            changes=_changes(conn, run_dates),
            run_dates=run_dates,
            targets=_query(
                conn,
                f"SELECT {TARGET_COLUMNS} FROM v_reactivation_targets "
                "ORDER BY priority_rank LIMIT :top",
                top=top,
            ),
            target_count=conn.execute(
                sa.text("SELECT COUNT(*) FROM v_reactivation_targets")
            ).scalar_one(),
        )


def _query(conn: Connection, sql: str, **params: object) -> pd.DataFrame:
    return pd.read_sql_query(sa.text(sql), conn, params=params)


def _run_dates(conn: Connection, as_of: dt.date, limit: int) -> list[dt.date]:
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT as_of_date FROM dormancy_history WHERE as_of_date <= :as_of "
            "ORDER BY as_of_date DESC LIMIT :limit"
        ),
        {"as_of": as_of, "limit": limit},
    ).scalars()
    return sorted(pd.Timestamp(value).date() for value in rows)


def _changes(conn: Connection, run_dates: list[dt.date]) -> pd.DataFrame:
    """Customers per run date and kind of move; from the history itself, so a customer who
    has since left the customers table still counts on the dates it moved."""
    if not run_dates:
        return pd.DataFrame(columns=["as_of_date", "tier_change", "customers"])
    frame = _query(
        conn,
        "SELECT as_of_date, tier_change, COUNT(*) AS customers FROM dormancy_history "
        "WHERE as_of_date BETWEEN :first AND :last AND tier_change NOT IN ('new', 'unchanged') "
        "GROUP BY as_of_date, tier_change",
        first=run_dates[0],
        last=run_dates[-1],
    )
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    return frame
