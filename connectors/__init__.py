"""Readers for each kind of source, chosen by the `kind` of a configured source."""

from __future__ import annotations

import os
from pathlib import Path

from connectors.base import ConnectorError, ReadResult, SourceConfig, load_sources
from connectors.csv_export import read_csv_entity
from connectors.excel import read_excel_entity
from connectors.sql import read_sql_entity

__all__ = ["ConnectorError", "ReadResult", "SourceConfig", "load_sources", "read_source"]


def resolve_url(config: SourceConfig, data_dir: Path) -> str:
    """The database URL: from the named environment variable (secrets) or the config."""
    if config.url_env:
        url = os.environ.get(config.url_env)
        if not url:
            raise ConnectorError(f"environment variable {config.url_env} is not set")
        return url
    return config.url.format(data_dir=data_dir.resolve())


def read_source(config: SourceConfig, data_dir: Path) -> dict[str, ReadResult]:
    """Read every configured entity of one source."""
    results: dict[str, ReadResult] = {}
    for entity, mapping in config.entities.items():
        if config.kind == "csv":
            results[entity] = read_csv_entity(mapping, entity, data_dir)
        elif config.kind == "excel":
            results[entity] = read_excel_entity(mapping, entity, data_dir)
        else:
            results[entity] = read_sql_entity(mapping, entity, resolve_url(config, data_dir))
    return results
