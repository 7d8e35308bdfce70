"""Group "extract": one asset per configured source, built from sources.yaml.

API sources pull incrementally: their snapshot and high-water mark live in a state folder per
source (HORIOKOSHI_STATE_DIR, default `<data_dir>/.state`), written only after a pull
succeeded, so a failed pull leaves both the state and the previous materialisation in place.
"""

import datetime as dt
import os
from pathlib import Path

import dagster as dg

from connectors import ReadResult, SourceConfig, read_source
from pipelines.resources import SourcesResource


def raw_asset_key(source: str) -> str:
    return f"raw_{source}"


def state_dir(data_dir: Path, source: str) -> Path:
    root = os.environ.get("HORIOKOSHI_STATE_DIR")
    return (Path(root) if root else data_dir / ".state") / source


def build_source_asset(name: str, config: SourceConfig) -> dg.AssetsDefinition:
    """An asset that reads every entity of one source into raw rows (+ unreadable rows)."""

    @dg.asset(
        name=raw_asset_key(name),
        group_name="extract",
        kinds={config.kind},
        description=config.description or f"Raw rows of source {name}",
        metadata={"source": name, "entities": ", ".join(config.entities)},
        tags={"source": name},
        freshness_policy=dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(hours=config.fresh_within_hours),
            warn_window=dt.timedelta(hours=config.fresh_within_hours * 0.75),
        ),
    )
    def _raw(context: dg.AssetExecutionContext, sources: SourcesResource) -> dict[str, ReadResult]:
        data_dir = Path(sources.data_dir)
        results = read_source(
            sources.load()[name], data_dir, source=name, state_dir=state_dir(data_dir, name)
        )
        metadata: dict[str, object] = {
            f"rows_read/{entity}": result.rows_read for entity, result in results.items()
        }
        metadata.update(
            {f"rejected/{entity}": len(result.rejects) for entity, result in results.items()}
        )
        metadata["dagster/row_count"] = sum(r.rows_read for r in results.values())
        context.add_output_metadata(metadata)
        return results

    return _raw


def build_source_assets(sources: dict[str, SourceConfig]) -> list[dg.AssetsDefinition]:
    return [build_source_asset(name, config) for name, config in sources.items()]
