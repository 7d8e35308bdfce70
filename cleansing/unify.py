"""Tie source rows to unified customers: the crosswalk, and facts joined through it."""

from __future__ import annotations

import pandas as pd

from cleansing.schema import QUARANTINE_COLUMNS
from cleansing.staging import raw_json

MAP_DETAIL_COLUMNS = ["source", "source_id", "name_raw", "name_key", "corporate_number"]


def source_map(crosswalk: pd.DataFrame, staged_companies: pd.DataFrame) -> pd.DataFrame:
    """The matcher's crosswalk with the source's own spelling and corporate number beside it."""
    details = staged_companies[[*MAP_DETAIL_COLUMNS, "corporate_number_valid"]]
    return crosswalk.merge(details, on=["source", "source_id"], how="left", validate="1:1")


def attach_customers(
    facts: pd.DataFrame, crosswalk: pd.DataFrame, entity: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add customer_id to fact rows; rows whose company is unknown become quarantine rows."""
    keys = crosswalk[["source", "source_id", "customer_id"]].rename(
        columns={"source_id": "company_source_id"}
    )
    linked = facts.merge(keys, on=["source", "company_source_id"], how="left", validate="m:1")
    orphan = linked["customer_id"].isna()
    bad = linked.loc[orphan]
    quarantine = pd.DataFrame(
        {
            "source": bad["source"],
            "entity": entity,
            "source_id": bad["source_id"],
            "location": entity + ":" + bad["source_id"].astype("string"),
            "reason": "company_source_id_orphan",
            "detail": "company_source_id=" + bad["company_source_id"].astype("string"),
            "raw": raw_json(bad.drop(columns=["customer_id"])),
        },
        columns=list(QUARANTINE_COLUMNS),
    )
    return linked.loc[~orphan].reset_index(drop=True), quarantine.reset_index(drop=True)
