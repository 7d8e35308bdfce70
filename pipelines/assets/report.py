"""Group "publish": the dormancy report for sales managers, who never open the Dagster UI.

It reads the published warehouse, so it runs after `publish_warehouse` and shows exactly what
BI tools see. The file goes beside a DuckDB warehouse (`reports/` next to the .duckdb file);
a PostgreSQL warehouse has no folder, so there it goes to the configured folder.
"""

import os
from pathlib import Path

import dagster as dg

from pipelines.resources import REPO_ROOT, WarehouseResource
from warehouse.report import folder_beside, write_report

DEFAULT_REPORT_DIR = REPO_ROOT / "data" / "reports"


class ReportConfig(dg.Config):
    """`folder`: where reports are written; default $HORIOKOSHI_REPORT_DIR, else `reports/`
    beside a DuckDB warehouse file, else data/reports. `top_targets`: targets listed."""

    folder: str | None = None
    top_targets: int = 20

    def report_dir(self, warehouse_url: str) -> Path:
        chosen = self.folder or os.environ.get("HORIOKOSHI_REPORT_DIR")
        return Path(chosen) if chosen else folder_beside(warehouse_url) or DEFAULT_REPORT_DIR


@dg.asset(
    group_name="publish",
    kinds={"html"},
    deps=[dg.AssetKey(["warehouse", "customers"]), dg.AssetKey(["warehouse", "dormancy_history"])],
    description="Self-contained HTML dormancy report (休眠顧客レポート) for sales managers: "
    "customers and past spend by tier, tier changes per run date, top reactivation targets "
    "with their reasons. Written as dormancy_<as_of>.html; the path is in the metadata.",
)
def dormancy_report(config: ReportConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    engine = warehouse.engine()
    try:
        report = write_report(engine, config.report_dir(warehouse.url), top=config.top_targets)
    finally:
        engine.dispose()
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.path(str(report.path)),
            "open_report": dg.MetadataValue.url(report.path.as_uri()),
            "as_of": report.data.as_of.isoformat(),
            "customers": int(report.data.tiers["customers"].sum()),
            "reactivation_targets": report.data.target_count,
        }
    )
