"""Group "match": candidate pairs, scores, decisions and clusters over staged companies."""

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from cleansing.matching import MatchResult, match_companies
from pipelines.metadata import preview
from pipelines.resources import WarehouseResource
from warehouse.publish import existing_columns


def previous_crosswalk(warehouse: WarehouseResource) -> pd.DataFrame | None:
    """Last published source-to-customer map, so customer ids survive from run to run."""
    engine = warehouse.engine()
    try:
        with engine.connect() as conn:
            if "customer_source_map" not in existing_columns(conn):
                return None
            return pd.read_sql_query(
                sa.text("SELECT source, source_id, customer_id FROM customer_source_map"), conn
            )
    finally:
        engine.dispose()


@dg.asset(
    group_name="match",
    kinds={"rapidfuzz"},
    description="Blocking, scoring and clustering of company records (名寄せ); each merge "
    "carries its reason, borderline pairs go to review.",
)
def company_matches(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    staged_companies: pd.DataFrame,
) -> MatchResult:
    result = match_companies(staged_companies, previous_map=previous_crosswalk(warehouse))
    metadata: dict[str, object] = {f"matching/{k}": v for k, v in result.stats.items()}
    metadata["dagster/row_count"] = len(result.crosswalk)
    if not result.review.empty:
        metadata["review_preview"] = preview(result.review)
    context.add_output_metadata(metadata)
    return result
