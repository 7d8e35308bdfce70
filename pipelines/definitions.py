"""The Dagster definitions: assets built from config/sources.yaml, checks, job and schedule."""

from pathlib import Path

import dagster as dg

from connectors import load_sources
from pipelines.assets.dormancy import customer_dormancy
from pipelines.assets.extract import build_source_assets
from pipelines.assets.match import company_matches
from pipelines.assets.publish import match_review, publish_warehouse
from pipelines.assets.stage import build_stage_asset
from pipelines.assets.unify import unify_customers
from pipelines.checks import CHECKS
from pipelines.resources import build_resources, sources_path
from pipelines.schedules import nightly_job, nightly_schedule


def build_definitions(
    sources_file: Path | None = None, resources: dict[str, object] | None = None
) -> dg.Definitions:
    """Definitions for one deployment; tests pass their own sources file and resources."""
    sources = load_sources(sources_file or sources_path())
    return dg.Definitions(
        assets=[
            *build_source_assets(sources),
            build_stage_asset(list(sources)),
            company_matches,
            match_review,
            unify_customers,
            customer_dormancy,
            publish_warehouse,
        ],
        asset_checks=CHECKS,
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        resources=resources or build_resources(),
    )


defs = build_definitions()
