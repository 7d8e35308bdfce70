"""Readers for each kind of source, chosen by the `kind` of a configured source."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from connectors.api import read_api_entity
from connectors.base import ConnectorError, ReadResult, SourceConfig, load_sources
from connectors.csv_export import read_csv_entity
from connectors.excel import read_excel_entity
from connectors.hubspot import HubSpotReader
from connectors.kintone import KintoneReader
from connectors.salesforce import SalesforceReader
from connectors.secrets import resolve_url
from connectors.sql import read_sql_entity
from connectors.state import StateStore

__all__ = ["ConnectorError", "ReadResult", "SourceConfig", "load_sources", "read_source"]

READERS = {"salesforce": SalesforceReader, "hubspot": HubSpotReader, "kintone": KintoneReader}


def read_source(
    config: SourceConfig, data_dir: Path, *, source: str = "", state_dir: Path | None = None
) -> dict[str, ReadResult]:
    """Read every configured entity of one source. API sources keep their snapshot and
    high-water mark in `state_dir` (without one, every pull is a full pull)."""
    if config.kind in READERS:
        return _read_api(config, data_dir, source, state_dir)
    results: dict[str, ReadResult] = {}
    for entity, mapping in config.entities.items():
        if config.kind == "csv":
            results[entity] = read_csv_entity(mapping, entity, data_dir, source)
        elif config.kind == "excel":
            results[entity] = read_excel_entity(mapping, entity, data_dir)
        else:
            url = resolve_url(config, data_dir)
            results[entity] = read_sql_entity(mapping, entity, url, config.chunk_rows)
    return results


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
