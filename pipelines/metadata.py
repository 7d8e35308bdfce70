"""Metadata helpers so every asset shows counts and a preview the same way."""

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 10


def preview(frame: pd.DataFrame, columns: list[str] | None = None) -> dg.MetadataValue:
    shown = frame[columns] if columns else frame
    return dg.MetadataValue.md(shown.head(PREVIEW_ROWS).to_markdown(index=False))


def frame_metadata(frame: pd.DataFrame, columns: list[str] | None = None) -> dict[str, object]:
    return {"dagster/row_count": len(frame), "preview": preview(frame, columns)}
