"""Group "dormancy": tiers, flags and reactivation priority per customer as of a run date.

Time moves tiers, so every customer is judged as of every run date, from every fact held in the
night store (not from tonight's new rows, which is all an incremental night unifies). A night
after a judged one carries the judgement of each customer whose golden record and facts are
unchanged and on whom no day of the run date's move bears (cleansing/dormancy/carry.py), and
judges the others from their own held facts only."""

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

import cleansing.unify
from cleansing.dormancy import compute_dormancy, load_rules
from cleansing.dormancy.carry import (
    carried_judgement,
    dated_within,
    fact_windows,
    judged_again,
    judgement_fingerprint,
)
from cleansing.dormancy.features import CUSTOMER_INPUTS
from cleansing.dormancy.history import tier_changes
from cleansing.dormancy.rules import DormancyRules
from cleansing.text import text_positions, texts_in
from cleansing.unify import crosswalk_rows_of_source
from pipelines.assets import stage
from pipelines.assets.match import REBUILT_KEY
from pipelines.assets.stage import DORMANCY_COLUMNS, REMOVED_KEY, held_fact_key, held_facts
from pipelines.metadata import frame_metadata
from pipelines.night_store import NightStore
from pipelines.resources import NightResource, SourcesResource, WarehouseResource, tokyo_today
from warehouse.history import previous_tiers

DORMANCY_KEY = "dormancy/customers"  # the night's judged customers, for the next to carry
JUDGED_KEY = "dormancy/judged"  # their run date, rules and code fingerprint, and run id


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
    store.restart("dormancy")
    facts = {
        "transactions": customer_transactions,
        "deals": customer_deals,
        "activities": customer_activities,
    }
    # this module and those that gather the facts it judges from
    code = (Path(__file__), Path(stage.__file__), Path(cleansing.unify.__file__))
    fingerprint = judgement_fingerprint(rules, *code)
    # A night that staged, matched and unified here, after a judged one: its unified facts are
    # its new rows, and the match marked the customers it rebuilt.
    tonight = incremental and all(store.wrote(k) for k in (REMOVED_KEY, REBUILT_KEY, "unify"))
    previous = _previous_judgement(store, as_of, fingerprint) if tonight else None
    if previous is not None:
        night_facts = Night(store, list(sources.load()), customer_source_map, facts)
        dormancy, judged = _carry(customers, *previous, night_facts, as_of, rules)
    else:
        # Every fact held in the night store (sales lines as days: 4M rows instead of 10M),
        # as this run staged them or as the last committed night left them (an incremental
        # night's unified facts are only its new rows). A full night that did not stage here
        # (re-executed from a failure, or this asset alone) has nothing of its own in the
        # store: its unified facts are every fact.
        if incremental or store.wrote(REMOVED_KEY):
            ids = pd.Index(customers["customer_id"])
            facts = held_facts(store, list(sources.load()), customer_source_map, ids)
        dormancy = compute_dormancy(
            customers, facts["transactions"], facts["deals"], facts["activities"], as_of, rules
        )
        judged = len(customers)
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
    # kept for the next night, and handed on as that file (the IO manager links it)
    store.replace(DORMANCY_KEY, result)
    judgement = {
        "as_of": as_of.isoformat(),
        "fingerprint": fingerprint,
        "run": context.run_id,
        "columns": list(dormancy.columns),  # what the next night reads of it
    }
    store.set_value(JUDGED_KEY, judgement)
    result = store.read(DORMANCY_KEY)
    metadata = frame_metadata(result, ["customer_id", "name", "tier", "tier_change", "priority"])
    for column in ("tier", "tier_change"):
        counts = result[column].value_counts().to_dict()
        metadata.update({f"{column}/{value}": int(n) for value, n in counts.items()})
    metadata["as_of"] = as_of.isoformat()
    metadata["customers judged"] = judged
    metadata["customers carried"] = len(result) - judged
    context.add_output_metadata(metadata)
    return result


def _previous_judgement(
    store: NightStore, as_of: dt.date, fingerprint: str
) -> tuple[pd.DataFrame, dt.date] | None:
    """The last night's judged customers and run date, when that night judged them under the
    same rules and code, on or before `as_of` (a run for an earlier date judges everyone)."""
    judgement = store.value(JUDGED_KEY)
    if not judgement or judgement["run"] != store.committed_run():
        return None  # none, or one that an earlier night made: facts since then are unknown
    before = dt.date.fromisoformat(judgement["as_of"])
    if judgement["fingerprint"] != fingerprint or before > as_of:
        return None
    frame = store.read(DORMANCY_KEY, [*judgement["columns"], *CUSTOMER_INPUTS])
    return (frame, before) if frame is not None and len(frame) else None


class Night:
    """Where tonight's changes to the facts are: the night store's held rows and removed rows,
    the match's rebuilt customers and the night's unified (new) facts."""

    def __init__(
        self,
        store: NightStore,
        sources: list[str],
        crosswalk: pd.DataFrame,
        unified: dict[str, pd.DataFrame],
    ) -> None:
        self.store, self.sources, self.crosswalk, self.unified = store, sources, crosswalk, unified

    def touched_customer_ids(self, windows: dict[str, list]) -> pd.Series:
        """The customers rebuilt tonight, those with a fact new or gone tonight, and those
        with a held fact on a day in `windows` (per entity)."""
        rebuilt = self.store.read(REBUILT_KEY, ["customer_id"])["customer_id"]
        new = [frame["customer_id"].dropna() for frame in self.unified.values()]
        removed = self.store.read(REMOVED_KEY)
        rows = []  # crosswalk rows of the records with a removed or windowed fact
        for source in self.sources:
            gone = removed[(removed["source"] == source) & removed["company_source_id"].notna()]
            records = [gone["company_source_id"]]
            for entity, read in DORMANCY_COLUMNS.items():
                held = self.store.read(
                    held_fact_key(source, entity), ["company_source_id", read[0]]
                )
                if held is not None:
                    hit = dated_within(held[read[0]], windows[entity])
                    records.append(held["company_source_id"][hit])
            # one lookup per source: each builds a hash set of the source's crosswalk ids
            records = pd.concat([r.astype("str") for r in records], ignore_index=True)
            rows.append(crosswalk_rows_of_source(source, records, self.crosswalk))
        found = np.unique(np.concatenate(rows))
        found = found[found >= 0]
        windowed = self.crosswalk["customer_id"].iloc[found]
        parts = [rebuilt, *new, windowed]
        return pd.concat([p.astype("str") for p in parts], ignore_index=True)

    def held_facts_of(self, customer_ids: pd.Series) -> dict[str, pd.DataFrame]:
        """The held facts of these customers only (in the held order, as for everyone)."""
        theirs = self.crosswalk[texts_in(self.crosswalk["customer_id"], customer_ids)]
        return held_facts(self.store, self.sources, theirs, pd.Index(customer_ids))


def _carry(
    customers: pd.DataFrame,
    previous: pd.DataFrame,
    previous_as_of: dt.date,
    night: Night,
    as_of: dt.date,
    rules: DormancyRules,
) -> tuple[pd.DataFrame, int]:
    """Tonight's judgement (compute_dormancy's frame), judging only the customers who need it;
    and how many were judged."""
    ids = customers["customer_id"]
    if not ids.is_unique:  # compute_dormancy sees only the customers judged again
        raise ValueError("customers.customer_id must be unique")
    touched_ids = night.touched_customer_ids(fact_windows(previous_as_of, as_of, rules))
    touched = texts_in(ids, touched_ids)
    position = text_positions(ids, previous["customer_id"])
    again = judged_again(customers, previous, position, touched, as_of, rules)
    subset = customers[again].reset_index(drop=True)
    facts = night.held_facts_of(subset["customer_id"])
    judged = compute_dormancy(
        subset, facts["transactions"], facts["deals"], facts["activities"], as_of, rules
    )
    return carried_judgement(previous, position, judged, again), int(again.sum())
