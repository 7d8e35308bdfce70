"""Asset checks from the expectation suites (cleansing/quality/suites.py): one Dagster check per
expectation group. Blocking groups report ERROR and stop every downstream asset, so a failing
one keeps the run out of the warehouse; the others WARN. Each run writes an HTML report."""

import dagster as dg
import pandas as pd

from cleansing.quality import SUITES, GroupOutcome, Suite, SuiteOutcome, run_facts, run_suite
from pipelines.quality_report import report_dir, write_section
from pipelines.resources import WarehouseResource, tokyo_today


def previous_row_count(context: dg.AssetCheckExecutionContext, asset: str) -> int | None:
    """Row count of the asset's latest materialisation by another run, if any."""
    records = context.instance.fetch_materializations(dg.AssetKey(asset), limit=2).records
    for record in records:
        if record.run_id != context.run.run_id:
            count = record.asset_materialization.metadata.get("dagster/row_count")
            return int(count.value) if count is not None else None
    return None


def check_metadata(group: GroupOutcome, rows: int, page: str) -> dict[str, object]:
    """What a reader of the check needs: which expectations failed, how many rows, examples."""
    failed = group.failed
    table = pd.DataFrame(
        {
            "expectation": [e.label for e in group.expectations],
            "result": [
                {None: "skipped", True: "ok", False: "FAILED"}[e.success]
                for e in group.expectations
            ],
            "unexpected": [e.unexpected_count for e in group.expectations],
            "samples": ["; ".join(e.samples).replace("|", "/") for e in group.expectations],
            "note": [e.note for e in group.expectations],
        }
    )
    return {
        "failed_expectations": ", ".join(e.label for e in failed) or "none",
        "unexpected_count": sum(e.unexpected_count for e in failed),
        "samples": "\n".join(s for e in failed for s in e.samples) or "none",
        "expectations": dg.MetadataValue.md(table.to_markdown(index=False)),
        "rows": rows,
        "quality_report": dg.MetadataValue.url(page),
    }


# Suites run in one check step per upstream step: the assets of a step are checked together,
# and the multiprocess executor (dagster dev, the daemon) imports GX once per step, not per
# suite. Keyed by the asset each suite checks; a suite on an unlisted asset is a KeyError.
CHECK_STEPS = {
    "stage_quality": (
        "staged_companies",
        "staged_transactions",
        "staged_deals",
        "staged_activities",
    ),
    "unify_quality": ("customers", "customer_transactions", "quarantine"),
    "dormancy_quality": ("customer_dormancy",),
}


def _results(suite: Suite, outcome: SuiteOutcome, page: str) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            asset_key=suite.asset,
            check_name=group.name,
            passed=group.passed,
            severity=dg.AssetCheckSeverity.ERROR if group.blocking else dg.AssetCheckSeverity.WARN,
            metadata=check_metadata(group, outcome.rows, page),
        )
        for group in outcome.groups
    ]


def build_quality_check(name: str, suites: list[Suite]) -> dg.AssetChecksDefinition:
    """One Dagster check step running `suites`, each in its own GX context, reporting one
    asset check per expectation group."""
    specs = [
        dg.AssetCheckSpec(
            group.name,
            asset=suite.asset,
            description=group.description,
            blocking=group.blocking,
            additional_deps=list(suite.inputs),
        )
        for suite in suites
        for group in suite.groups
    ]
    assets = dict.fromkeys(a for suite in suites for a in (suite.asset, *suite.inputs))

    @dg.multi_asset_check(
        name=name,
        specs=specs,
        ins={asset: dg.AssetIn() for asset in assets},
        description="Great Expectations suites: " + ", ".join(s.name for s in suites),
    )
    def _check(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        **frames: pd.DataFrame,
    ):
        directory, today = report_dir(warehouse.url), tokyo_today()
        for suite in suites:
            facts = run_facts(today, previous_row_count(context, suite.asset))
            outcome = run_suite(suite, frames, facts)
            page = write_section(directory, context.run.run_id, SUITES.index(suite), outcome)
            yield from _results(suite, outcome, page.as_uri())

    return _check


STEP_OF_ASSET = {asset: step for step, assets in CHECK_STEPS.items() for asset in assets}
CHECKS = [
    build_quality_check(step, [s for s in SUITES if STEP_OF_ASSET[s.asset] == step])
    for step in CHECK_STEPS
]
