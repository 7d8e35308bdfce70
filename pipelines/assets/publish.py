"""Group "publish": every warehouse table and the BI views, replaced in one transaction."""

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from pipelines.resources import WarehouseResource
from warehouse.publish import publish
from warehouse.schema import TABLES

# warehouse table <- the asset that feeds it
TABLE_INPUTS = {
    "customers": "customer_dormancy",
    "dormancy_history": "customer_dormancy",
    "customer_source_map": "customer_source_map",
    "transactions": "customer_transactions",
    "deals": "customer_deals",
    "activities": "customer_activities",
    "quarantine": "quarantine",
    "match_review": "match_review",
}


@dg.asset(
    group_name="match",
    kinds={"pandas"},
    description="Borderline pairs for a data steward to confirm or reject",
)
def match_review(company_matches) -> pd.DataFrame:
    return company_matches.review


def column_schema(table: sa.Table) -> dg.TableSchema:
    """The table's columns with their English / Japanese comments, for the UI's schema tab."""
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, str(c.type), description=c.comment) for c in table.columns]
    )


@dg.multi_asset(
    name="publish_warehouse",
    specs=[
        dg.AssetSpec(
            ["warehouse", table],
            group_name="publish",
            kinds={"sql"},
            deps=[source],
            description=TABLES[table].comment or f"Warehouse table `{table}`",
            tags={"layer": "published"},
            metadata={"dagster/column_schema": column_schema(TABLES[table])},
        )
        for table, source in TABLE_INPUTS.items()
    ],
    ins={source: dg.AssetIn() for source in set(TABLE_INPUTS.values())},
    can_subset=True,
)
def publish_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource, **inputs):
    """Publishes the selected tables (all of them in the nightly job) in one transaction."""
    selected = {key.path[-1] for key in context.selected_asset_keys}
    frames = {t: inputs[source] for t, source in TABLE_INPUTS.items() if t in selected}
    engine = warehouse.engine()
    try:
        counts = publish(engine, frames)
    finally:
        engine.dispose()
    for table, count in counts.items():
        yield dg.MaterializeResult(
            asset_key=["warehouse", table], metadata={"dagster/row_count": count}
        )
