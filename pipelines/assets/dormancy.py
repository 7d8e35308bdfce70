"""Group "dormancy": tiers, flags and reactivation priority per customer as of a run date."""

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pandas as pd

from cleansing.dormancy import compute_dormancy, load_rules
from pipelines.metadata import frame_metadata
from pipelines.resources import tokyo_today


class DormancyConfig(dg.Config):
    """`as_of`: the run date (YYYY-MM-DD) dormancy is judged on; default today in Tokyo.
    `rules_path`: a dormancy rules YAML; default $HORIOKOSHI_DORMANCY_RULES, else the shipped
    cleansing/dormancy/default_rules.yaml."""

    as_of: str | None = None
    rules_path: str | None = None

    def run_date(self) -> dt.date:
        if self.as_of:
            return dt.date.fromisoformat(self.as_of)
        return tokyo_today()

    def rules_file(self) -> Path | None:
        path = self.rules_path or os.environ.get("HORIOKOSHI_DORMANCY_RULES")
        return Path(path) if path else None


@dg.asset(
    group_name="dormancy",
    kinds={"pandas"},
    description="Unified customers with dormancy tier, flags, segment and reactivation "
    "priority with reasons (rules: cleansing/dormancy/default_rules.yaml).",
)
def customer_dormancy(
    context: dg.AssetExecutionContext,
    config: DormancyConfig,
    customers: pd.DataFrame,
    customer_transactions: pd.DataFrame,
    customer_deals: pd.DataFrame,
    customer_activities: pd.DataFrame,
) -> pd.DataFrame:
    as_of = config.run_date()
    rules = load_rules(config.rules_file())
    dormancy = compute_dormancy(
        customers, customer_transactions, customer_deals, customer_activities, as_of, rules
    )
    result = customers.merge(
        dormancy, on="customer_id", how="left", validate="1:1", suffixes=("", "_dormancy")
    )
    result["as_of_date"] = pd.Timestamp(as_of)
    tiers = result["tier"].value_counts().to_dict()
    metadata = frame_metadata(result, ["customer_id", "name", "tier", "priority"])
    metadata.update({f"tier/{tier}": int(n) for tier, n in tiers.items()})
    metadata["as_of"] = as_of.isoformat()
    context.add_output_metadata(metadata)
    return result
