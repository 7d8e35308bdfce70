"""Group "unify": golden customers, the source-to-customer crosswalk, and every fact row
(transactions, deals, activities) tied to its customer. Facts whose company is unknown go to
quarantine with the reason `company_source_id_orphan`."""

import dagster as dg
import pandas as pd

from cleansing.matching import MatchResult
from cleansing.unify import attach_customers, source_map
from pipelines.metadata import frame_metadata

FACTS = {
    "customer_transactions": "transactions",
    "customer_deals": "deals",
    "customer_activities": "activities",
}


@dg.multi_asset(
    name="unify_customers",
    outs={
        "customers": dg.AssetOut(
            group_name="unify", kinds={"pandas"}, description="Golden record per customer"
        ),
        "customer_source_map": dg.AssetOut(
            group_name="unify",
            kinds={"pandas"},
            description="Every source company record and the customer it belongs to",
        ),
        **{
            name: dg.AssetOut(
                group_name="unify",
                kinds={"pandas"},
                description=f"Staged {entity} with customer_id",
            )
            for name, entity in FACTS.items()
        },
        "quarantine": dg.AssetOut(
            group_name="unify",
            kinds={"pandas"},
            description="Every row that was not loaded, with its source location and reason",
        ),
    },
)
def unify_customers(
    company_matches: MatchResult,
    staged_companies: pd.DataFrame,
    staged_transactions: pd.DataFrame,
    staged_deals: pd.DataFrame,
    staged_activities: pd.DataFrame,
    staging_quarantine: pd.DataFrame,
):
    crosswalk = source_map(company_matches.crosswalk, staged_companies)
    yield dg.Output(
        company_matches.customers,
        output_name="customers",
        metadata=frame_metadata(company_matches.customers),
    )
    yield dg.Output(
        crosswalk, output_name="customer_source_map", metadata=frame_metadata(crosswalk)
    )
    orphans = [staging_quarantine]
    staged = {
        "transactions": staged_transactions,
        "deals": staged_deals,
        "activities": staged_activities,
    }
    for name, entity in FACTS.items():
        linked, orphaned = attach_customers(staged[entity], crosswalk, entity)
        orphans.append(orphaned)
        yield dg.Output(linked, output_name=name, metadata=frame_metadata(linked))
    quarantine = pd.concat([q for q in orphans if not q.empty] or [staging_quarantine])
    quarantine = quarantine.reset_index(drop=True)
    yield dg.Output(quarantine, output_name="quarantine", metadata=frame_metadata(quarantine))
