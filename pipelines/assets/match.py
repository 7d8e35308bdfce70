"""Group "match": candidate pairs, scores, decisions and clusters over staged companies."""

import os
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import sqlalchemy as sa

from cleansing.matching import MatchResult, Overrides, load_overrides, match_companies
from cleansing.matching.overrides import OVERRIDES_ENV
from pipelines.metadata import preview
from pipelines.resources import REPO_ROOT, WarehouseResource
from warehouse.publish import existing_columns

DEFAULT_OVERRIDES = REPO_ROOT / "config" / "match_overrides.yaml"


def steward_overrides() -> tuple[Overrides, Path | None]:
    """The steward's must-link / cannot-link file: HORIOKOSHI_MATCH_OVERRIDES (which must
    exist), else config/match_overrides.yaml when present."""
    named = os.environ.get(OVERRIDES_ENV)
    path = Path(named) if named else DEFAULT_OVERRIDES
    if not named and not path.exists():
        return Overrides(), None
    return load_overrides(path), path


def score_distribution(pairs: pd.DataFrame) -> pd.DataFrame:
    """Scored pairs per score band and decision, for the UI."""
    bands = pd.cut(pairs["score"], np.linspace(0, 1, 11), include_lowest=True)
    table = pd.crosstab(bands, pairs["decision"], dropna=False)
    table = table.rename_axis(index="score", columns=None)
    return table.reset_index().astype({"score": "str"})


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
    overrides, path = steward_overrides()
    result = match_companies(
        staged_companies, previous_map=previous_crosswalk(warehouse), overrides=overrides
    )
    metadata: dict[str, object] = {f"matching/{k}": v for k, v in result.stats.items()}
    metadata["dagster/row_count"] = len(result.crosswalk)
    metadata["steward_overrides"] = str(path) if path else "none"
    metadata["score_distribution"] = preview(score_distribution(result.pairs))
    if not result.review.empty:
        metadata["review_preview"] = preview(result.review)
    if not result.unknown_overrides.empty:
        metadata["unknown_overrides"] = preview(result.unknown_overrides)
    context.add_output_metadata(metadata)
    return result
