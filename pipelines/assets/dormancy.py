"""Group "dormancy": tiers, flags and reactivation priority per customer as of a run date."""

import datetime as dt

import dagster as dg
import pandas as pd

from cleansing.dormancy import compute_dormancy
from pipelines.metadata import frame_metadata
from pipelines.resources import tokyo_today


class DormancyConfig(dg.Config):
    """`as_of`: the run date (YYYY-MM-DD) dormancy is judged on; default today in Tokyo."""

    as_of: str | None = None

    def run_date(self) -> dt.date:
        if self.as_of:
            return dt.date.fromisoformat(self.as_of)
        return tokyo_today()


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
    dormancy = compute_dormancy(
        customers, customer_transactions, customer_deals, customer_activities, as_of
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
