"""Metadata helpers so every asset shows counts and a preview the same way."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 10


def preview(frame: pd.DataFrame, columns: list[str] | None = None) -> dg.MetadataValue:
    shown = frame[columns] if columns else frame
    return dg.MetadataValue.md(shown.head(PREVIEW_ROWS).to_markdown(index=False))


def frame_metadata(frame: pd.DataFrame, columns: list[str] | None = None) -> dict[str, object]:
    return {"dagster/row_count": len(frame), "preview": preview(frame, columns)}


def selected_outputs(
    context: dg.AssetExecutionContext,
    frames: dict[str, pd.DataFrame],
    extra: dict[str, dict[str, object]] | None = None,
) -> Iterator[dg.Output]:
    """Outputs of a subsettable multi-asset: only those selected, each with counts + preview
    (and its `extra` metadata, which may override them)."""
    for name, frame in frames.items():
        if name in context.selected_output_names:
            metadata = frame_metadata(frame) | (extra or {}).get(name, {})
            yield dg.Output(frame, output_name=name, metadata=metadata)
