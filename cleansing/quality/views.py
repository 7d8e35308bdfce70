"""Frames derived for expectations that GX cannot state on the raw asset: a recomputed 法人番号
check digit, the customer a fact row points at if it exists, the per-source share of companies
with a name, row conservation per source."""

from __future__ import annotations

import pandas as pd

from cleansing.corporate_number import check_digit
from cleansing.quality.conservation import conservation_report
from cleansing.quality.model import Frames
from cleansing.text import map_unique

NAMELESS_REASONS = ("name_missing", "name_unusable")
# Rows of this night: in an incremental night the crosswalk holds every record, of which only
# the staged ones were read tonight; in a full night the two are the same rows.
LOADED = {
    "companies": "staged_companies",
    "transactions": "customer_transactions",
    "deals": "customer_deals",
    "activities": "customer_activities",
}


def _with_recomputed_check_digit(number: str) -> str | None:
    """The number with its leading check digit recomputed from the other twelve (the
    published formula, independent of the python-stdnum validation staging uses)."""
    if len(number) != 13 or not (number.isascii() and number.isdigit()):
        return None
    return f"{check_digit(number[1:])}{number[1:]}"


def with_expected_corporate_number(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame plus `corporate_number_expected`, equal to `corporate_number` when its check
    digit is right."""
    expected = map_unique(frame["corporate_number"], _with_recomputed_check_digit)
    return frame.assign(corporate_number_expected=expected)


def with_known_customer(frames: Frames) -> pd.DataFrame:
    """Transactions plus `customer_id_known`, missing when the customer does not exist. (GX's
    in-set expectation re-serialises its value set many times: too slow for every customer id.)"""
    transactions = frames["customer_transactions"]
    known = transactions["customer_id"].isin(frames["customers"]["customer_id"])
    return transactions.assign(customer_id_known=transactions["customer_id"].where(known))


def name_share_by_source(frames: Frames) -> pd.DataFrame:
    """Per source: company rows read (staged + quarantined) and the share that had a usable
    name. A mapping pointed at the wrong column shows here before it shows in matching."""
    staged = frames["staged_companies"]
    held = frames["staging_quarantine"]
    held = held[held["entity"] == "companies"]
    rows = pd.concat(
        [
            pd.DataFrame({"source": staged["source"], "named": True}),
            pd.DataFrame(
                {"source": held["source"], "named": ~held["reason"].isin(NAMELESS_REASONS)}
            ),
        ],
        ignore_index=True,
    )
    share = rows.groupby("source")["named"].agg(rows="size", name_share="mean").reset_index()
    return share.astype({"source": "str", "rows": "int64", "name_share": "float64"})


def conservation(frames: Frames) -> pd.DataFrame:
    """`conservation_report` plus rows accounted for and the quarantined share."""
    loaded = {entity: frames[asset] for entity, asset in LOADED.items()}
    report = conservation_report(frames["source_inventory"], loaded, frames["quarantine"])
    accounted = report["rows_loaded"] + report["rows_quarantined"]
    read = report["rows_read"].where(report["rows_read"] > 0)
    return report.assign(
        rows_accounted=accounted,
        quarantined_share=(report["rows_quarantined"] / read).fillna(0.0),
    )


def rows_held(inventory: pd.DataFrame, entity: str) -> pd.DataFrame:
    """One row: the staged rows of `entity` held after this night, over every source."""
    held = inventory.loc[inventory["entity"] == entity, "rows_held"].sum()
    return pd.DataFrame({"entity": [entity], "rows_held": [int(held)]})
