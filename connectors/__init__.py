"""Readers for each kind of source, chosen by the `kind` of a configured source."""

from __future__ import annotations

import glob
import hashlib
import os
from contextlib import closing
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from connectors.api import read_api_entity
from connectors.base import ConnectorError, ReadResult, SourceConfig, empty_rejects, load_sources
from connectors.csv_export import read_csv_entity
from connectors.excel import read_excel_entity
from connectors.hubspot import HubSpotReader
from connectors.kintone import KintoneReader
from connectors.salesforce import SalesforceReader
from connectors.secrets import resolve_url
from connectors.sql import is_sqlite_file, read_sql_entity
from connectors.state import StateStore

__all__ = [
    "ConnectorError",
    "ReadResult",
    "SourceConfig",
    "file_signature",
    "load_sources",
    "read_source",
    "reads_natively",
]

READERS = {"salesforce": SalesforceReader, "hubspot": HubSpotReader, "kintone": KintoneReader}


def read_source(
    config: SourceConfig,
    data_dir: Path,
    *,
    source: str = "",
    state_dir: Path | None = None,
    marks: dict[str, object] | None = None,
) -> dict[str, ReadResult]:
    """Read every configured entity of one source. API sources keep their snapshot and
    high-water mark in `state_dir` (without one, every pull is a full pull).

    `marks` are the previous read's marks per entity (an incremental night): a file entity
    whose files have the same fingerprint is not read again, and a SQL entity with an
    `incremental_column` reads only the rows above its mark. Each result carries its mark."""
    if config.kind in READERS:
        return _read_api(config, data_dir, source, state_dir)
    marks = marks or {}
    results: dict[str, ReadResult] = {}
    for entity, mapping in config.entities.items():
        previous = marks.get(entity)
        if config.kind in ("csv", "excel"):
            fingerprint = files_fingerprint(data_dir, mapping.path or "")
            if previous is not None and previous == fingerprint:
                results[entity] = ReadResult(
                    rows=pd.DataFrame(), rejects=empty_rejects(), complete=False, mark=previous
                )
                continue
            if config.kind == "csv":
                result = read_csv_entity(mapping, entity, data_dir, source)
            else:
                result = read_excel_entity(mapping, entity, data_dir)
            result.mark = fingerprint
            results[entity] = result
        else:
            url = resolve_url(config, data_dir)
            since = previous if mapping.incremental_column else None
            results[entity] = read_sql_entity(mapping, entity, url, config.chunk_rows, since)
    return results


def reads_natively(config: SourceConfig, data_dir: Path) -> bool:
    """Whether the source is read mostly in native code that releases the GIL (Arrow's CSV
    parser; a SQLite file through ADBC), so that other work can use another core beside it.
    A database cursor, a workbook and an API build a Python object per value."""
    if config.kind == "csv":
        return True
    if config.kind != "sql":
        return False
    try:
        return is_sqlite_file(sa.make_url(resolve_url(config, data_dir)))
    except (ConnectorError, sa.exc.ArgumentError):  # the read itself reports it
        return False


def files_fingerprint(data_dir: Path, pattern: str) -> str:
    """Name, size and modification time of every file the pattern matches: an export that
    was rewritten shows a new fingerprint even when its size did not change."""
    paths = sorted(glob.glob(str(data_dir / pattern)))
    parts = [f"{os.path.relpath(path, data_dir)}:{file_signature(Path(path))}" for path in paths]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def file_signature(path: Path) -> str:
    """ "mtime_ns:size": changes whenever a file is written again, without reading it."""
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def _read_api(
    config: SourceConfig, data_dir: Path, source: str, state_dir: Path | None
) -> dict[str, ReadResult]:
    url = resolve_url(config, data_dir) or None
    state = StateStore(state_dir) if state_dir else None
    name = source or config.kind
    with closing(READERS[config.kind](config, name, url)) as reader:
        return {
            entity: read_api_entity(reader, config, mapping, entity, name, state)
            for entity, mapping in config.entities.items()
        }
