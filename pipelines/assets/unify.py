"""Group "unify": golden customers, the source-to-customer crosswalk over every company record
held, and this night's fact rows (transactions, deals, activities: all of them in a full
night) tied to their customer. Facts whose company is unknown go to quarantine with the reason
`company_source_id_orphan`; an incremental night does not retry earlier orphans, the next full
night does. Facts of earlier nights whose company record moved to another customer are
re-attached by the publish step."""

import dagster as dg
import pandas as pd

from cleansing.matching import MatchResult
from cleansing.unify import attach_all
from pipelines.metadata import selected_outputs
from pipelines.resources import NightResource, SourcesResource, WarehouseResource

FACTS = {
    "customer_transactions": "transactions",
    "customer_deals": "deals",
    "customer_activities": "activities",
}


@dg.multi_asset(
    name="unify_customers",
    outs={
        "customers": dg.AssetOut(
            is_required=False,
            group_name="unify",
            kinds={"pandas"},
            description="Golden record per customer",
        ),
        "customer_source_map": dg.AssetOut(
            is_required=False,
            group_name="unify",
            kinds={"pandas"},
            description="Every source company record and the customer it belongs to",
        ),
        **{
            name: dg.AssetOut(
                is_required=False,
                group_name="unify",
                kinds={"pandas"},
                description=f"Staged {entity} with customer_id",
            )
            for name, entity in FACTS.items()
        },
        "quarantine": dg.AssetOut(
            is_required=False,
            group_name="unify",
            kinds={"pandas"},
            description="Every row that was not loaded, with its source location and reason",
        ),
    },
    can_subset=True,
)
def unify_customers(
    context: dg.AssetExecutionContext,
    sources: SourcesResource,
    warehouse: WarehouseResource,
    night: NightResource,
    company_matches: MatchResult,
    staged_transactions: pd.DataFrame,
    staged_deals: pd.DataFrame,
    staged_activities: pd.DataFrame,
    staging_quarantine: pd.DataFrame,
):
    store, _ = night.open(context.run_id, sources, warehouse)
    store.restart("unify")
    crosswalk = company_matches.crosswalk
    store.set_value("unify", "done")
    outputs = {"customers": company_matches.customers, "customer_source_map": crosswalk}
    staged = {
        "transactions": staged_transactions,
        "deals": staged_deals,
        "activities": staged_activities,
    }
    quarantined = [staging_quarantine]
    attached = attach_all(staged, crosswalk)
    for name, entity in FACTS.items():
        outputs[name], orphaned = attached[entity]
        quarantined.append(orphaned)
    outputs["quarantine"] = pd.concat(
        [q for q in quarantined if not q.empty] or [staging_quarantine], ignore_index=True
    )
    yield from selected_outputs(context, outputs)
