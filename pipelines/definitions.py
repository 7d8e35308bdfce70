"""The Dagster definitions: assets built from config/sources.yaml, checks, job, schedule
and sensors."""

from pathlib import Path

import dagster as dg

from connectors import load_sources
from pipelines.assets.dormancy import customer_dormancy
from pipelines.assets.extract import build_source_assets
from pipelines.assets.match import company_matches
from pipelines.assets.publish import match_review, publish_warehouse
from pipelines.assets.report import dormancy_report
from pipelines.assets.stage import build_stage_asset
from pipelines.assets.unify import unify_customers
from pipelines.checks import CHECKS
from pipelines.resources import NightResource, build_resources, sources_path
from pipelines.schedules import (
    build_nightly_schedule,
    night_executor,
    nightly_job,
    weekly_full_schedule,
)
from pipelines.sensors import build_sensors

OWNER = "team:data-engineering"


def with_owner(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Every asset has an owner in the UI; the data-engineering team unless it names another."""
    return spec if spec.owners else spec.replace_attributes(owners=[OWNER])


def build_definitions(
    sources_file: Path | None = None,
    resources: dict[str, object] | None = None,
    executor: dg.ExecutorDefinition = night_executor,
) -> dg.Definitions:
    """Definitions for one deployment; tests pass their own sources file and resources, a
    distributed deployment its executor (pipelines/executors.py)."""
    sources = load_sources(sources_file or sources_path())
    quiet_nights_in_process = executor is night_executor  # another executor has its own config
    return dg.Definitions(
        assets=dg.map_asset_specs(
            with_owner,
            [
                *build_source_assets(sources),
                build_stage_asset(list(sources)),
                company_matches,
                match_review,
                unify_customers,
                customer_dormancy,
                publish_warehouse,
                dormancy_report,
            ],
        ),
        asset_checks=CHECKS,
        jobs=[nightly_job],
        schedules=[build_nightly_schedule(quiet_nights_in_process), weekly_full_schedule],
        executor=executor,
        sensors=build_sensors(quiet_nights_in_process),
        resources={"night": NightResource(), **(resources or build_resources())},
    )


defs = build_definitions()
