"""Group "publish": every warehouse table and the BI views, replaced in one transaction."""

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from pipelines.assets.match import MOVED_KEY, REBUILT_KEY
from pipelines.assets.stage import REMOVED_KEY
from pipelines.night_store import NightStore
from pipelines.resources import NightResource, SourcesResource, WarehouseResource
from warehouse.publish import FACT_TABLES, NightChanges, publish
from warehouse.schema import TABLES
from warehouse.stopwatch import Stopwatch

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


# Tables an incremental night changes row by row instead of replacing.
INCREMENTAL_TABLES = {*FACT_TABLES, "quarantine", "customer_source_map"}


def night_changes(
    store: NightStore,
    inputs: dict[str, pd.DataFrame],
    staged_companies: pd.DataFrame,
) -> NightChanges:
    """This night's fact and quarantine rows, the rows it processed, the crosswalk rows of the
    customers worked out tonight and the company records whose customer changed since the
    published crosswalk (both found by the match step), and the rows gone from sources (found
    by staging)."""
    facts = {t: inputs[TABLE_INPUTS[t]] for t in FACT_TABLES}
    quarantine = inputs["quarantine"]
    processed = pd.concat(
        [
            staged_companies[["source", "source_id"]].assign(entity="companies"),
            *(f[["source", "source_id"]].assign(entity=t) for t, f in facts.items()),
            quarantine[["source", "entity", "source_id"]].dropna(),
        ],
        ignore_index=True,
    )
    return NightChanges(
        facts=facts,
        quarantine=quarantine,
        processed=processed,
        crosswalk=store.read(REBUILT_KEY),
        moved=store.read(MOVED_KEY),
        removed=store.read(REMOVED_KEY),
    )


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
            # An incremental night's quarantine also depends on the companies staged tonight.
            deps=[source, *(["staged_companies"] if table == "quarantine" else [])],
            description=TABLES[table].comment or f"Warehouse table `{table}`",
            tags={"layer": "published"},
            metadata={"dagster/column_schema": column_schema(TABLES[table])},
        )
        for table, source in TABLE_INPUTS.items()
    ],
    ins={source: dg.AssetIn() for source in {*TABLE_INPUTS.values(), "staged_companies"}},
    can_subset=True,
)
def publish_warehouse(
    context: dg.AssetExecutionContext,
    sources: SourcesResource,
    warehouse: WarehouseResource,
    night: NightResource,
    staged_companies: pd.DataFrame,
    **inputs,
):
    """Publishes the selected tables (all of them in the nightly job) in one transaction, then
    commits the night's state. An incremental night replaces the customers (as of the run date:
    carried judgements too move ranks and tier changes), the review and the run date's history,
    adds this night's rows to the fact tables and the quarantine, and replaces the crosswalk
    rows of the customers it rebuilt."""
    watch = Stopwatch()
    with watch.phase("open night store"):
        store, incremental = night.open(context.run_id, sources, warehouse)
    selected = {key.path[-1] for key in context.selected_asset_keys}
    whole_night = selected >= INCREMENTAL_TABLES
    if incremental and not whole_night and selected & INCREMENTAL_TABLES:
        raise dg.Failure(
            "an incremental night publishes the fact tables, the quarantine and the crosswalk "
            "together: select them all, or run a full night (night mode 'full')"
        )
    replaced = {t for t in selected if not (incremental and t in INCREMENTAL_TABLES)}
    frames = {t: inputs[source] for t, source in TABLE_INPUTS.items() if t in replaced}
    engine = warehouse.engine()
    try:
        changes = None
        if incremental and whole_night:
            with watch.phase("read night changes"):
                changes = night_changes(store, inputs, staged_companies)
        counts = publish(engine, frames, changes, watch)
        if whole_night:
            with watch.phase("commit night state"):
                committed = store.commit()
            context.log.info(
                "night state committed" if committed else "partial run: next night is full"
            )
    finally:  # also when it failed: how far it got, and how long each phase took
        engine.dispose()
        seconds = watch.rounded()
        context.log.info(f"publish seconds by phase: {seconds}")
    for table, count in counts.items():
        label = "dagster/row_count" if table in frames else "rows_added_or_replaced"
        yield dg.MaterializeResult(
            asset_key=["warehouse", table],
            metadata={label: count, "publish_seconds": dg.MetadataValue.json(seconds)},
        )
