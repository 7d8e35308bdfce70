"""Row conservation: every row read is either loaded or quarantined, per source and entity."""

from __future__ import annotations

import pandas as pd


def conservation_report(
    inventory: pd.DataFrame, loaded: dict[str, pd.DataFrame], quarantine: pd.DataFrame
) -> pd.DataFrame:
    """Per source and entity: rows read, loaded and quarantined, and whether they balance."""
    counts = [
        frame.groupby("source").size().rename("rows_loaded").reset_index().assign(entity=entity)
        for entity, frame in loaded.items()
    ]
    loaded_counts = pd.concat(counts, ignore_index=True)
    held = quarantine.groupby(["source", "entity"]).size().rename("rows_quarantined").reset_index()
    report = inventory.merge(loaded_counts, on=["source", "entity"], how="outer").merge(
        held, on=["source", "entity"], how="outer"
    )
    for column in ("rows_read", "rows_loaded", "rows_quarantined"):
        report[column] = report[column].fillna(0).astype(int)
    report["balanced"] = report["rows_read"] == report["rows_loaded"] + report["rows_quarantined"]
    return report.sort_values(["source", "entity"]).reset_index(drop=True)
