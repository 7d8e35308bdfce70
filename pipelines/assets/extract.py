"""Group "extract": one asset per configured source, built from sources.yaml.

Incremental nights (pipelines/night_store.py) skip files whose fingerprint did not change and
read SQL entities with an `incremental_column` above the last night's mark; the marks are
committed with the night, after the warehouse was published.
API sources pull incrementally: their snapshot and high-water mark live in a state folder per
source (HORIOKOSHI_STATE_DIR, default `<data_dir>/.state`), written only after a pull
succeeded, so a failed pull leaves both the state and the previous materialisation in place.
"""

import datetime as dt
from pathlib import Path

import dagster as dg

from cleansing.quality import import_engine_in_background
from connectors import ReadResult, SourceConfig, read_source, reads_natively
from pipelines.resources import NightResource, SourcesResource, WarehouseResource, state_root


def raw_asset_key(source: str) -> str:
    return f"raw_{source}"


def mark_key(source: str, entity: str) -> str:
    """The night-store entry of an entity's read mark (file fingerprint, high-water mark)."""
    return f"extract/{source}/{entity}"


def state_dir(data_dir: Path, source: str) -> Path:
    return state_root(data_dir) / source


def build_source_asset(name: str, config: SourceConfig) -> dg.AssetsDefinition:
    """An asset that reads every entity of one source into raw rows (+ unreadable rows)."""

    @dg.asset(
        name=raw_asset_key(name),
        group_name="extract",
        kinds={config.kind},
        description=config.description or f"Raw rows of source {name}",
        metadata={"source": name, "entities": ", ".join(config.entities)},
        tags={"source": name},
        op_tags={"dagster/priority": str(config.priority)},
        freshness_policy=dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(hours=config.fresh_within_hours),
            warn_window=dt.timedelta(hours=config.fresh_within_hours * 0.75),
        ),
    )
    def _raw(
        context: dg.AssetExecutionContext,
        sources: SourcesResource,
        warehouse: WarehouseResource,
        night: NightResource,
    ) -> dict[str, ReadResult]:
        data_dir = Path(sources.data_dir)
        config = sources.load()[name]
        if reads_natively(config, data_dir):
            # A one-process night's checks need Great Expectations: its import (~2 s, mostly
            # holding the GIL) starts beside the first read that leaves the GIL free. Beside
            # staging, it had taken 2 s of a 1m quiet night's 3.7 s of staging.
            import_engine_in_background()
        store, incremental = night.open(context.run_id, sources, warehouse)
        store.restart(f"extract/{name}")
        marks = {e: store.value(mark_key(name, e)) for e in config.entities} if incremental else {}
        results = read_source(
            config, data_dir, source=name, state_dir=state_dir(data_dir, name), marks=marks
        )
        for entity, result in results.items():
            store.set_value(mark_key(name, entity), result.mark)
        metadata: dict[str, object] = {
            f"rows_read/{entity}": result.rows_read for entity, result in results.items()
        }
        metadata.update(
            {f"rejected/{entity}": len(result.rejects) for entity, result in results.items()}
        )
        metadata.update(
            {
                f"read/{entity}": "complete" if result.complete else "new rows only"
                for entity, result in results.items()
            }
        )
        metadata["dagster/row_count"] = sum(r.rows_read for r in results.values())
        context.add_output_metadata(metadata)
        return results

    return _raw


def build_source_assets(sources: dict[str, SourceConfig]) -> list[dg.AssetsDefinition]:
    return [build_source_asset(name, config) for name, config in sources.items()]
