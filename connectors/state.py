"""What an incremental pull keeps between runs: the source's records so far and a high-water mark.

An API pull after the first fetches only records changed since the mark, so the full picture
that staging needs is the previous snapshot with the changed records upserted by id. Both are
files in the source's state folder, replaced atomically and only after a pull succeeded: a
failed run leaves the previous state (and Dagster the previous materialisation) in place.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass
class Snapshot:
    records: pd.DataFrame
    mark: pd.Timestamp | None
    fields: list[str]


class StateStore:
    """One folder per source; `<entity>.parquet` holds the records, `<entity>.json` the mark."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def load(self, entity: str) -> Snapshot | None:
        meta_path, data_path = self._paths(entity)
        if not (meta_path.exists() and data_path.exists()):
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        mark = pd.Timestamp(meta["mark"]) if meta.get("mark") else None
        return Snapshot(pd.read_parquet(data_path), mark, list(meta["fields"]))

    def save(self, entity: str, snapshot: Snapshot) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        meta_path, data_path = self._paths(entity)
        _replace(data_path, lambda tmp: snapshot.records.to_parquet(tmp, index=False))
        meta = {
            "mark": snapshot.mark.isoformat() if snapshot.mark is not None else None,
            "fields": snapshot.fields,
        }
        _replace(meta_path, lambda tmp: tmp.write_text(json.dumps(meta), encoding="utf-8"))

    def _paths(self, entity: str) -> tuple[Path, Path]:
        return self.folder / f"{entity}.json", self.folder / f"{entity}.parquet"


def _replace(path: Path, write) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def upsert(old: pd.DataFrame, new: pd.DataFrame, key: str) -> pd.DataFrame:
    """`old` with the rows of `new` replacing those of the same key (changed records)."""
    merged = pd.concat([old, new], ignore_index=True)
    return merged.drop_duplicates(subset=[key], keep="last").reset_index(drop=True)
