"""Group "stage": raw rows of every source -> canonical staged tables + quarantine rows.

A full night stages every row. An incremental night stages only the rows it has not seen: new
rows of an incomplete read (SQL above its mark; nothing for an unchanged file), and, in a
complete read, rows whose hash is not among the hashes of the rows held from earlier nights (an
edited row is a new row, and its old version is gone). Every staged and quarantined row is held
in the night store with its raw row's hash, so the next night can tell what changed. The hash
covers the row's values, not its place in the file: a re-sorted export stages nothing again (a
held quarantine row keeps the location it had when it was first seen).

The outputs are this night's rows: all rows in a full night, the new ones in an incremental
night. `source_inventory` counts the rows processed, so row conservation holds per night.
"""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import numpy as np
import pandas as pd

from cleansing.delta import is_known, row_hashes
from cleansing.dormancy.daily import daily_purchases
from cleansing.quality import import_engine_in_background
from cleansing.schema import ENTITIES
from cleansing.staging import empty_staged, stage_entity_rows
from cleansing.text import text_positions, texts_in
from cleansing.threads import in_threads
from cleansing.unify import crosswalk_rows_of_source
from connectors import ReadResult
from connectors.base import ROW_REF, empty_rejects
from pipelines.assets.extract import raw_asset_key
from pipelines.metadata import selected_outputs
from pipelines.night_store import NightStore
from pipelines.resources import NightResource, SourcesResource, WarehouseResource, tokyo_today

STAGED = {entity: f"staged_{entity}" for entity in ENTITIES}
HASH = "_row_hash"
REMOVED_KEY = "stage/removed"  # rows gone from complete reads, for publish to delete


def held_key(source: str, entity: str) -> str:
    """Night-store entry of the staged rows held for one entity of one source."""
    return f"stage/{source}/{entity}"


def held_quarantine_key(source: str, entity: str) -> str:
    return f"stage/{source}/{entity}/quarantine"


def held_count_key(source: str, entity: str) -> str:
    return f"stage/{source}/{entity}/rows"


def held_daily_key(source: str) -> str:
    """Night-store entry of the held sales lines per company record and day (dormancy's)."""
    return f"stage/{source}/transactions/daily"


@dataclass
class NightRows:
    """What one entity of one source contributes to this night."""

    staged: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    rows_held: int  # staged rows held after this night
    removed: pd.DataFrame  # source, entity, source_id of rows gone from a complete read


def _hashed(frame: pd.DataFrame, hashes: np.ndarray) -> pd.DataFrame:
    return frame.assign(**{HASH: pd.array(hashes, dtype="uint64")})


def _reject_hashes(rejects: pd.DataFrame) -> np.ndarray:
    return row_hashes(rejects[["location", "raw"]]) if not rejects.empty else np.empty(0, np.uint64)


def stage_night(
    source: str,
    entity: str,
    result: ReadResult,
    today: dt.date,
    store: NightStore,
    incremental: bool,
) -> NightRows:
    """Stage what is new in `result` and update the rows held in `store`."""
    raw, rejects = result.rows, result.rejects
    hashed = result.complete and not result.appends_only
    # The row's values, not where it sits: a re-sorted export is the same rows
    hashes = (
        row_hashes(raw.drop(columns=[ROW_REF], errors="ignore"))
        if hashed
        else np.zeros(len(raw), np.uint64)
    )
    reject_hashes = _reject_hashes(rejects)
    has_held = incremental and store.value(held_count_key(source, entity)) is not None
    if has_held and result.complete:
        held = store.read(held_key(source, entity))
        held_q = store.read(held_quarantine_key(source, entity))
        known = np.r_[held[HASH].to_numpy(np.uint64), held_q[HASH].to_numpy(np.uint64)]
        new = ~is_known(hashes, known)
        new_rejects = ~is_known(reject_hashes, known)
        seen = np.r_[hashes, reject_hashes]
        still = is_known(held[HASH].to_numpy(np.uint64), seen)
        still_q = is_known(held_q[HASH].to_numpy(np.uint64), seen)
        gone = int((~still).sum() + (~still_q).sum())
        removed = pd.concat([held[~still], held_q[~still_q]], ignore_index=True)
        kept_ids = held["source_id"][still]  # the held rows are not filtered whole: _rehold
    else:
        new = np.ones(len(raw), bool)
        new_rejects = np.ones(len(rejects), bool)
        gone = 0
        removed = pd.DataFrame({"source_id": pd.Series(dtype="string")})
        kept_ids = removed["source_id"]
    rows = raw[new].reset_index(drop=True)
    if rows.empty and not rows.columns.size:
        good, bad, bad_mask = empty_staged(entity), empty_rejects(), np.zeros(0, bool)
    else:
        good, bad, bad_mask = stage_entity_rows(source, entity, rows, today)
    new_hashes = hashes[new]
    good = _hashed(good, new_hashes[~bad_mask])
    bad = _hashed(bad, new_hashes[bad_mask])
    fresh_rejects = _hashed(rejects[new_rejects], reject_hashes[new_rejects])
    quarantine = pd.concat([q for q in (fresh_rejects, bad) if len(q)] or [bad], ignore_index=True)

    if not has_held:
        _hold(store, source, entity, good, quarantine, replace=True)
        rows_held = len(good)
    elif result.complete:
        rows_held = int(still.sum()) + len(good)
        # Rewritten whole even when rows were only added: held as chunks beside the others,
        # every reader would concatenate them (a copy), which costs more than this write.
        if gone or len(good) or len(quarantine):
            _rehold(store, source, entity, (held, still, good), (held_q, still_q, quarantine))
    else:
        rows_held = store.value(held_count_key(source, entity), 0) + len(good)
        _hold(store, source, entity, good, quarantine, replace=False)
    store.set_value(held_count_key(source, entity), rows_held)
    return NightRows(
        staged=good.drop(columns=[HASH]),
        quarantine=quarantine.drop(columns=[HASH]),
        rows_read=int(new.sum() + new_rejects.sum()),
        rows_held=rows_held,
        removed=_removed(source, entity, removed, [kept_ids, good["source_id"]]),
    )


def _hold(
    store: NightStore,
    source: str,
    entity: str,
    staged: pd.DataFrame,
    quarantine: pd.DataFrame,
    replace: bool,
) -> None:
    """Hold `staged` and `quarantine` rows: as all the rows held (`replace`), or added to them.
    Sales lines are also held per record and day, which is all dormancy reads of them: a few
    million rows instead of ten million lines."""
    held = {held_key(source, entity): staged, held_quarantine_key(source, entity): quarantine}
    if entity == "transactions":
        held[held_daily_key(source)] = daily_purchases(staged)
    for key, frame in held.items():
        if replace:
            store.replace(key, frame)
        elif len(frame):
            store.append(key, frame)


def _rehold(
    store: NightStore,
    source: str,
    entity: str,
    staged: tuple[pd.DataFrame, np.ndarray, pd.DataFrame],
    quarantine: tuple[pd.DataFrame, np.ndarray, pd.DataFrame],
) -> None:
    """Hold the rows still held (the held rows, which of them stay) and tonight's new ones:
    each table rewritten a batch at a time, not filtered and concatenated whole
    (`NightStore.rewrite`: at 1M records 0.2 s instead of 0.5-0.8 s a table). Sales lines are
    held per day too, worked out from all of them."""
    if entity == "transactions":
        held, still, good = staged
        store.replace(
            held_daily_key(source),
            daily_purchases(pd.concat([held[still], good], ignore_index=True)),
        )
    store.rewrite(held_key(source, entity), *staged)
    store.rewrite(held_quarantine_key(source, entity), *quarantine)


def _removed(source: str, entity: str, gone: pd.DataFrame, staged: list[pd.Series]) -> pd.DataFrame:
    """(source, entity, source_id) of the rows gone tonight (held staged or quarantine rows),
    `staged_gone`: no staged row of that id is held any more (a vanished quarantined copy of a
    duplicate id leaves its staged row, and its published row, in place), and the fact's
    `company_source_id` (missing for a company or a quarantine row): dormancy judges its
    customer again."""
    gone = gone[gone["source_id"].notna()]
    ids = gone["source_id"].astype("string").reset_index(drop=True)
    company = gone.get("company_source_id") if entity != "companies" else None
    company = pd.Series(pd.NA, index=gone.index, dtype="string") if company is None else company
    still_staged = texts_in(ids, pd.concat(staged)) if len(ids) else np.zeros(0, bool)
    return pd.DataFrame(
        {
            "source": source,
            "entity": entity,
            "source_id": ids,
            "staged_gone": ~still_staged,
            "company_source_id": company.astype("string").reset_index(drop=True),
        }
    )


def stage_all(
    raws: dict[str, dict[str, ReadResult]],
    today: dt.date,
    store: NightStore,
    incremental: bool,
):
    """Stage every entity of every source; also count rows processed per source and entity.
    Each (source, entity) is staged on its own, with its own held rows: both cores take them
    (cleansing/threads.py), the largest first, and the results keep the sources' order."""
    staged: dict[str, list[pd.DataFrame]] = {entity: [] for entity in ENTITIES}
    quarantine: list[pd.DataFrame] = []
    removed: list[pd.DataFrame] = []
    inventory = []
    parts = [(s, e, result) for s, results in raws.items() for e, result in results.items()]
    jobs = {
        f"{source}/{entity}": functools.partial(
            stage_night, source, entity, result, today, store, incremental
        )
        for source, entity, result in sorted(parts, key=lambda part: -len(part[2].rows))
    }
    done = in_threads(jobs)
    for source, entity, _ in parts:
        night = done[f"{source}/{entity}"]
        staged[entity].append(night.staged)
        quarantine.append(night.quarantine)
        removed.append(night.removed)
        inventory.append(
            {
                "source": source,
                "entity": entity,
                "rows_read": night.rows_read,
                "rows_held": night.rows_held,
            }
        )
    store.replace(REMOVED_KEY, pd.concat(removed, ignore_index=True))
    frames = {entity: _concat(parts, empty_staged(entity)) for entity, parts in staged.items()}
    rejected = _concat(quarantine, empty_rejects())
    columns = ["source", "entity", "rows_read", "rows_held"]
    return frames, rejected, pd.DataFrame(inventory, columns=columns)


def _concat(parts: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    """The non-empty parts (an empty part's untyped columns would turn typed ones to object)."""
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty


def held_companies(store: NightStore, sources: list[str]) -> pd.DataFrame:
    """Every staged company row held after this night, over all sources, with the hash of its
    source row (`_row_hash`, 0 when the row was read by mark)."""
    parts = [store.read(held_key(source, "companies")) for source in sources]
    parts = [p for p in parts if p is not None]
    if not parts:
        return _hashed(empty_staged("companies"), np.empty(0, np.uint64))
    return pd.concat(parts, ignore_index=True)


def held_fact_key(source: str, entity: str) -> str:
    """The held rows dormancy reads of a fact entity: sales lines as days."""
    return held_daily_key(source) if entity == "transactions" else held_key(source, entity)


# The fact columns dormancy reads, besides the company link; sales lines per record and day.
DORMANCY_COLUMNS = {
    "transactions": ["transaction_date", "amount", "largest_line"],
    "deals": ["deal_date", "stage", "loss_reason"],
    "activities": ["activity_date", "activity_type"],
}


def held_facts(
    store: NightStore, sources: list[str], crosswalk: pd.DataFrame, customer_ids: pd.Index
) -> dict[str, pd.DataFrame]:
    """Every fact row held (sales lines as days of lines: cleansing/dormancy/daily.py) of a
    company in `crosswalk`, per entity, with the columns dormancy reads and its customer_id, a
    categorical over `customer_ids` (the customers' order): 10M rows share ~500k ids, and
    dormancy then takes each row's customer from its code instead of looking its id up. Rows of
    other companies count for no customer and are left out: given the crosswalk rows of some
    customers, these are their facts."""

    def held_rows(entity: str, source: str) -> tuple[pd.DataFrame, np.ndarray] | None:
        """One source's held rows of an entity and their crosswalk rows (-1: unknown)."""
        held = store.read(
            held_fact_key(source, entity), ["company_source_id", *DORMANCY_COLUMNS[entity]]
        )
        if held is None or not len(held):
            return None
        return held, crosswalk_rows_of_source(source, held.pop("company_source_id"), crosswalk)

    # reads and lookups are independent: both cores take them (cleansing/threads.py)
    jobs: dict[str, Callable[[], object]] = {
        f"{entity}/{source}": functools.partial(held_rows, entity, source)
        for entity in DORMANCY_COLUMNS
        for source in sources
    }
    jobs["customer codes"] = lambda: text_positions(crosswalk["customer_id"], customer_ids)
    done = in_threads(jobs)
    codes_of_rows = np.append(done["customer codes"], -1)  # -1: an unknown company
    dtype = pd.CategoricalDtype(customer_ids)
    facts = {}
    for entity, read in DORMANCY_COLUMNS.items():
        parts = []
        for source in sources:
            found = done.pop(f"{entity}/{source}")  # its arrays go with the part
            if found is not None:
                held, rows = found
                codes = codes_of_rows[rows]
                known = codes >= 0
                if not known.all():
                    held, codes = held[known], codes[known]
                ids = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
                parts.append(held.assign(customer_id=ids))
        if not parts:
            empty = empty_staged(entity)
            empty = daily_purchases(empty) if entity == "transactions" else empty
            parts = [empty[read].assign(customer_id=pd.Series(dtype=dtype))]
        facts[entity] = pd.concat(parts, ignore_index=True)
    return facts


def build_stage_asset(sources: list[str]) -> dg.AssetsDefinition:
    outs = {
        name: dg.AssetOut(
            group_name="stage",
            kinds={"pandas"},
            is_required=False,
            description=f"Canonical {entity} staged this night (every row in a full night)",
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
        description="Rows processed per source and entity: the left side of row conservation",
    )

    @dg.multi_asset(
        name="stage_sources",
        outs=outs,
        ins={raw_asset_key(s): dg.AssetIn() for s in sources},
        can_subset=True,
    )
    def _stage(
        context: dg.AssetExecutionContext,
        sources: SourcesResource,
        warehouse: WarehouseResource,
        night: NightResource,
        **raws: dict[str, ReadResult],
    ):
        # The staged rows' checks come next: GX's import starts here, beside staging's DuckDB
        # and Arrow work, when no read started it (see the extract asset).
        import_engine_in_background()
        store, incremental = night.open(context.run_id, sources, warehouse)
        store.restart("stage")
        by_source = {key.removeprefix("raw_"): value for key, value in raws.items()}
        frames, rejected, inventory = stage_all(by_source, tokyo_today(), store, incremental)
        outputs = {name: frames[entity] for entity, name in STAGED.items()}
        outputs |= {"staging_quarantine": rejected, "source_inventory": inventory}
        held = inventory.groupby("entity")["rows_held"].sum()
        extra = {
            name: {
                "dagster/row_count": int(held.get(entity, 0)),
                "rows_this_night": len(frames[entity]),
                "night": "incremental" if incremental else "full",
            }
            for entity, name in STAGED.items()
        }
        yield from selected_outputs(context, outputs, extra)

    return _stage
