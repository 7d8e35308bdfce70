"""Group "match": candidate pairs, scores, decisions and clusters over staged companies."""

import dataclasses
import hashlib
import os
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from cleansing.matching import (
    MatchResult,
    Overrides,
    PreviousMatch,
    load_overrides,
    match_companies,
)
from cleansing.matching.overrides import OVERRIDES_ENV
from cleansing.unify import source_map
from pipelines.assets.stage import HASH, held_companies
from pipelines.metadata import preview
from pipelines.night_store import NightStore
from pipelines.resources import REPO_ROOT, NightResource, SourcesResource, WarehouseResource
from warehouse.bulk import read_arrow
from warehouse.publish import existing_columns

DEFAULT_OVERRIDES = REPO_ROOT / "config" / "match_overrides.yaml"
SCORES_KEY = "match/scores"
FINGERPRINTS_KEY = "match/fingerprints"
CUSTOMERS_KEY = "match/customers"
SPLITS_KEY = "match/splits"  # signatures of the components the guard split
MOVED_KEY = "match/moved"  # records now in another customer than published, for publish
REBUILT_KEY = "match/rebuilt"  # crosswalk rows that may differ from the published ones
CROSSWALK_KEY = "match/crosswalk"  # kept so that the result's file of it is a link, written
# beside the others instead of after them by the IO manager
OVERRIDES_KEY = "match/overrides"  # digest of the steward overrides the night applied


def steward_overrides() -> tuple[Overrides, Path | None]:
    """The steward's must-link / cannot-link file: HORIOKOSHI_MATCH_OVERRIDES (which must
    exist), else config/match_overrides.yaml when present."""
    named = os.environ.get(OVERRIDES_ENV)
    path = Path(named) if named else DEFAULT_OVERRIDES
    if not named and not path.exists():
        return Overrides(), None
    return load_overrides(path), path


def score_distribution(pairs: pd.DataFrame) -> pd.DataFrame:
    """Scored pairs per score band (tenths, the top one closed) and decision, for the UI."""
    edges = np.linspace(0, 1, 11)
    table = pd.DataFrame({"score": [f"{lo:.1f}-{hi:.1f}" for lo, hi in pairs_of(edges)]})
    score = pairs["score"].to_numpy(dtype=float, na_value=np.nan)
    decision = pairs["decision"].astype("category").cat.remove_unused_categories()
    code = decision.cat.codes.to_numpy()  # a million pairs: compare codes, not strings
    for value, at in sorted((str(v), c) for c, v in enumerate(decision.cat.categories)):
        table[value] = np.histogram(score[code == at], bins=edges)[0]
    return table


def pairs_of(edges: np.ndarray) -> list[tuple[float, float]]:
    return list(zip(edges[:-1], edges[1:], strict=True))


def previous_crosswalk(warehouse: WarehouseResource) -> pd.DataFrame | None:
    """Last published source-to-customer map, so customer ids survive from run to run."""
    engine = warehouse.engine()
    try:
        with engine.connect() as conn:
            if "customer_source_map" not in existing_columns(conn):
                return None
            return read_arrow(
                conn, "SELECT source, source_id, customer_id FROM customer_source_map"
            )
    finally:
        engine.dispose()


def previous_match(store: NightStore) -> PreviousMatch | None:
    keys = (SCORES_KEY, FINGERPRINTS_KEY, CUSTOMERS_KEY, SPLITS_KEY)
    parts = [store.read(key) for key in keys]
    if any(part is None for part in parts):
        return None
    return PreviousMatch(*parts)


@dg.asset(
    group_name="match",
    kinds={"rapidfuzz"},
    description="Blocking, scoring and clustering of every company record held (名寄せ); "
    "each merge carries its reason, borderline pairs go to review; the crosswalk carries each "
    "record's own spelling and corporate number. An incremental night re-scores only pairs "
    "with a new or changed record.",
)
def company_matches(
    context: dg.AssetExecutionContext,
    sources: SourcesResource,
    warehouse: WarehouseResource,
    night: NightResource,
    staged_companies: pd.DataFrame,
) -> MatchResult:
    store, incremental = night.open(context.run_id, sources, warehouse)
    store.restart("match")
    overrides, path = steward_overrides()
    companies = held_companies(store, list(sources.load()))
    previous = previous_match(store) if incremental else None
    result = match_companies(
        companies.drop(columns=[HASH]),
        # last night's match keeps its crosswalk: the published one is read on a full night
        previous_map=previous_crosswalk(warehouse) if previous is None else None,
        overrides=overrides,
        previous=previous,
        source_hashes=companies[HASH].to_numpy(np.uint64),
    )
    crosswalk = source_map(result.crosswalk, companies, result.source_rows)
    # A carried customer's crosswalk rows are as published unless an override changed the
    # decision, and so the reason, of a pair inside it: then every row is republished.
    digest = hashlib.sha256(overrides.model_dump_json().encode()).hexdigest()
    same_overrides = incremental and store.value(OVERRIDES_KEY) == digest
    store.set_value(OVERRIDES_KEY, digest)
    tables = {
        SCORES_KEY: result.kept.pairs,
        FINGERPRINTS_KEY: result.kept.fingerprints,
        CUSTOMERS_KEY: result.kept.customers,
        SPLITS_KEY: result.kept.splits,
        MOVED_KEY: result.moved,
        CROSSWALK_KEY: crosswalk,
    }
    if same_overrides:
        tables[REBUILT_KEY] = crosswalk[result.rebuilt]
    store.replace_all(tables)
    if not same_overrides:  # every row is rebuilt: the crosswalk's file, not a second copy
        store.alias(REBUILT_KEY, CROSSWALK_KEY)
    # as stored (memory-mapped): the result's files of them are then links to the store's
    pairs, customers, crosswalk = (
        store.read(key) for key in (SCORES_KEY, CUSTOMERS_KEY, CROSSWALK_KEY)
    )
    result = dataclasses.replace(
        result, kept=None, pairs=pairs, crosswalk=crosswalk, customers=customers
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
