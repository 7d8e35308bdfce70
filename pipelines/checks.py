"""Day-one asset checks. Blocking ones stop the warehouse load when they fail."""

import dagster as dg
import pandas as pd

from cleansing.quality import conservation_report
from cleansing.schema import TIERS
from pipelines.metadata import preview


@dg.asset_check(asset="customers", blocking=True, description="customer_id is unique")
def customer_id_unique(customers: pd.DataFrame) -> dg.AssetCheckResult:
    duplicated = customers["customer_id"][customers["customer_id"].duplicated(keep=False)]
    missing = int(customers["customer_id"].isna().sum())
    return dg.AssetCheckResult(
        passed=duplicated.empty and missing == 0,
        metadata={
            "duplicate_ids": int(duplicated.nunique()),
            "null_ids": missing,
            "samples": ", ".join(duplicated.astype(str).unique()[:5]),
        },
    )


@dg.asset_check(
    asset="customer_transactions",
    blocking=True,
    description="Every transaction belongs to a known customer (no orphans)",
    additional_ins={"customers": dg.AssetIn()},
)
def transactions_have_customer(
    customer_transactions: pd.DataFrame, customers: pd.DataFrame
) -> dg.AssetCheckResult:
    known = customer_transactions["customer_id"].isin(customers["customer_id"])
    orphans = customer_transactions.loc[~known]
    return dg.AssetCheckResult(
        passed=orphans.empty,
        metadata={
            "orphan_rows": len(orphans),
            "samples": ", ".join(orphans["source_id"].astype(str).head(5)),
        },
    )


@dg.asset_check(
    asset="quarantine",
    blocking=True,
    description="Every source row is accounted for: rows read = rows loaded + rows quarantined, "
    "per source and entity",
    additional_ins={
        name: dg.AssetIn()
        for name in (
            "source_inventory",
            "customer_source_map",
            "customer_transactions",
            "customer_deals",
            "customer_activities",
        )
    },
)
def rows_conserved(
    quarantine: pd.DataFrame,
    source_inventory: pd.DataFrame,
    customer_source_map: pd.DataFrame,
    customer_transactions: pd.DataFrame,
    customer_deals: pd.DataFrame,
    customer_activities: pd.DataFrame,
) -> dg.AssetCheckResult:
    loaded = {
        "companies": customer_source_map,
        "transactions": customer_transactions,
        "deals": customer_deals,
        "activities": customer_activities,
    }
    report = conservation_report(source_inventory, loaded, quarantine)
    broken = report[~report["balanced"]]
    return dg.AssetCheckResult(
        passed=broken.empty,
        metadata={
            "rows_read": int(report["rows_read"].sum()),
            "rows_loaded": int(report["rows_loaded"].sum()),
            "rows_quarantined": int(report["rows_quarantined"].sum()),
            "report": preview(report),
        },
    )


@dg.asset_check(asset="customer_dormancy", blocking=True, description="Every tier is allowed")
def tier_values_allowed(customer_dormancy: pd.DataFrame) -> dg.AssetCheckResult:
    bad = customer_dormancy.loc[~customer_dormancy["tier"].isin(TIERS), "tier"]
    counts = customer_dormancy["tier"].value_counts()
    return dg.AssetCheckResult(
        passed=bad.empty,
        metadata={
            "unexpected": int(len(bad)),
            **{f"tier/{t}": int(counts.get(t, 0)) for t in TIERS},
        },
    )


CHECKS = [customer_id_unique, transactions_have_customer, rows_conserved, tier_values_allowed]
