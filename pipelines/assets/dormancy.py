"""Group "dormancy": tiers, flags and reactivation priority per customer as of a run date.

Time moves tiers, so every customer is judged every night, from every fact held in the night
store (not from tonight's new rows, which is all an incremental night unifies)."""

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pandas as pd

from cleansing.dormancy import compute_dormancy, load_rules
from cleansing.dormancy.history import tier_changes
from pipelines.assets.stage import REMOVED_KEY, held_facts
from pipelines.metadata import frame_metadata
from pipelines.resources import NightResource, SourcesResource, WarehouseResource, tokyo_today
from warehouse.history import previous_tiers


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
    description="Unified customers with dormancy tier, flags, segment, reactivation priority "
    "with reasons, and the tier change since the previous run date "
    "(rules: cleansing/dormancy/default_rules.yaml).",
)
def customer_dormancy(
    context: dg.AssetExecutionContext,
    config: DormancyConfig,
    sources: SourcesResource,
    warehouse: WarehouseResource,
    night: NightResource,
    customers: pd.DataFrame,
    customer_source_map: pd.DataFrame,
    customer_transactions: pd.DataFrame,
    customer_deals: pd.DataFrame,
    customer_activities: pd.DataFrame,
) -> pd.DataFrame:
    as_of = config.run_date()
    rules = load_rules(config.rules_file())
    store, incremental = night.open(context.run_id, sources, warehouse)
    facts = {
        "transactions": customer_transactions,
        "deals": customer_deals,
        "activities": customer_activities,
    }
    # Every fact held in the night store (sales lines as days: 4M rows instead of 10M), as this
    # run staged them or as the last committed night left them (an incremental night's unified
    # facts are only its new rows). A full night that did not stage here (re-executed from a
    # failure, or this asset alone) has nothing of its own in the store: its unified facts are
    # every fact.
    if incremental or store.wrote(REMOVED_KEY):
        ids = pd.Index(customers["customer_id"])
        facts = held_facts(store, list(sources.load()), customer_source_map, ids)
    dormancy = compute_dormancy(
        customers, facts["transactions"], facts["deals"], facts["activities"], as_of, rules
    )
    # compute_dormancy keeps the customers' order (and refuses a repeated id)
    result = pd.concat(
        [customers.reset_index(drop=True), dormancy.drop(columns=["customer_id"])], axis=1
    )
    engine = warehouse.engine()
    try:
        changes = tier_changes(result, previous_tiers(engine, as_of))
    finally:
        engine.dispose()
    result[["previous_tier", "tier_change"]] = changes[["previous_tier", "tier_change"]]
    result["as_of_date"] = pd.Timestamp(as_of)
    metadata = frame_metadata(result, ["customer_id", "name", "tier", "tier_change", "priority"])
    for column in ("tier", "tier_change"):
        counts = result[column].value_counts().to_dict()
        metadata.update({f"{column}/{value}": int(n) for value, n in counts.items()})
    metadata["as_of"] = as_of.isoformat()
    context.add_output_metadata(metadata)
    return result
