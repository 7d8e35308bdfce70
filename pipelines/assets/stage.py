"""Group "stage": raw rows of every source -> canonical staged tables + quarantine rows."""

import datetime as dt

import dagster as dg
import pandas as pd

from cleansing.schema import ENTITIES, QUARANTINE_COLUMNS
from cleansing.staging import empty_staged, stage_entity
from connectors import ReadResult
from pipelines.assets.extract import raw_asset_key
from pipelines.metadata import selected_outputs
from pipelines.resources import tokyo_today

STAGED = {entity: f"staged_{entity}" for entity in ENTITIES}


def stage_all(raws: dict[str, dict[str, ReadResult]], today: dt.date):
    """Stage every entity of every source; also count rows read per source and entity."""
    staged: dict[str, list[pd.DataFrame]] = {entity: [] for entity in ENTITIES}
    quarantine: list[pd.DataFrame] = []
    inventory = []
    for source, results in raws.items():
        for entity, result in results.items():
            good, bad = stage_entity(source, entity, result.rows, today)
            staged[entity].append(good)
            quarantine.extend([result.rejects, bad])
            inventory.append({"source": source, "entity": entity, "rows_read": result.rows_read})
    frames = {
        entity: pd.concat(parts, ignore_index=True) if parts else empty_staged(entity)
        for entity, parts in staged.items()
    }
    parts = [q for q in quarantine if not q.empty]
    rejected = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    )
    return frames, rejected, pd.DataFrame(inventory, columns=["source", "entity", "rows_read"])


def build_stage_asset(sources: list[str]) -> dg.AssetsDefinition:
    outs = {
        name: dg.AssetOut(
            group_name="stage",
            kinds={"pandas"},
            is_required=False,
            description=f"Canonical {entity}",
        )
        for entity, name in STAGED.items()
    }
    outs["staging_quarantine"] = dg.AssetOut(
        is_required=False,
        group_name="stage",
        kinds={"pandas"},
        description="Rows that could not be staged",
    )
    outs["source_inventory"] = dg.AssetOut(
        is_required=False,
        group_name="stage",
        kinds={"pandas"},
        description="Rows read per source and entity: the left side of row conservation",
    )

    @dg.multi_asset(
        name="stage_sources",
        outs=outs,
        ins={raw_asset_key(s): dg.AssetIn() for s in sources},
        can_subset=True,
    )
    def _stage(context: dg.AssetExecutionContext, **raws: dict[str, ReadResult]):
        by_source = {key.removeprefix("raw_"): value for key, value in raws.items()}
        frames, rejected, inventory = stage_all(by_source, tokyo_today())
        outputs = {name: frames[entity] for entity, name in STAGED.items()}
        outputs |= {"staging_quarantine": rejected, "source_inventory": inventory}
        yield from selected_outputs(context, outputs)

    return _stage
