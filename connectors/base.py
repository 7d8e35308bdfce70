"""The reader contract and the source-configuration model.

A reader turns one configured entity of one source into raw rows whose columns carry the
canonical raw names of `cleansing.schema.RAW_COLUMNS` (renamed by the entity's mapping), plus a
`row_ref` column that says where each row came from (file:row, table:key, ...). Rows that cannot
even be read (a broken spreadsheet row, a record with garbage) are returned as rejects with a
reason, never dropped. Anything that makes a whole file unreadable raises `ConnectorError`
naming the file and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cleansing.schema import ENTITIES, QUARANTINE_COLUMNS, RAW_COLUMNS, REQUIRED_RAW

ROW_REF = "row_ref"


class ConnectorError(RuntimeError):
    """A source cannot be read at all; the message names the file/table and the field."""


@dataclass
class ReadResult:
    """What a reader returns for one entity of one source."""

    rows: pd.DataFrame
    rejects: pd.DataFrame

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.rejects)


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})


class EntityMapping(BaseModel):
    """How one entity (companies, transactions, ...) is read from a source."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    encoding: str = "utf-8-sig"
    query: str | None = None
    header_contains: list[str] = Field(default_factory=list)
    columns: dict[str, str]
    constants: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)

    def check_for(self, entity: str) -> None:
        allowed = set(RAW_COLUMNS[entity])
        unknown = (set(self.columns) | set(self.constants) | set(self.values)) - allowed
        if unknown:
            raise ValueError(
                f"unknown canonical column(s) {sorted(unknown)} for {entity}; "
                f"allowed: {sorted(allowed)}"
            )
        missing = set(REQUIRED_RAW[entity]) - set(self.columns) - set(self.constants)
        if missing:
            raise ValueError(f"{entity} mapping lacks required column(s) {sorted(missing)}")


class SourceConfig(BaseModel):
    """One configured source system."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["csv", "sql", "excel"]
    description: str = ""
    url: str | None = None
    url_env: str | None = None
    entities: dict[str, EntityMapping]

    @model_validator(mode="after")
    def _check(self) -> SourceConfig:
        for entity, mapping in self.entities.items():
            if entity not in ENTITIES:
                raise ValueError(f"unknown entity {entity!r}; allowed: {list(ENTITIES)}")
            mapping.check_for(entity)
            if self.kind in ("csv", "excel") and not mapping.path:
                raise ValueError(f"{entity}: a {self.kind} source needs `path`")
            if self.kind == "sql" and not mapping.query:
                raise ValueError(f"{entity}: a sql source needs `query`")
        if self.kind == "sql" and not (self.url or self.url_env):
            raise ValueError("a sql source needs `url` or `url_env`")
        return self


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: dict[str, SourceConfig]

    @model_validator(mode="after")
    def _names(self) -> SourcesFile:
        for name in self.sources:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"source name {name!r} must be lower snake_case")
        return self


def load_sources(path: Path) -> dict[str, SourceConfig]:
    """Read and validate sources.yaml; a bad value fails here and names its key."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return SourcesFile.model_validate(data).sources
    except ValidationError as exc:
        raise ConnectorError(f"{path}: invalid source configuration:\n{exc}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConnectorError(f"{path}: cannot read source configuration: {exc}") from exc


def apply_mapping(
    frame: pd.DataFrame, mapping: EntityMapping, entity: str, location: str
) -> pd.DataFrame:
    """Rename source columns to canonical raw names, add constants, translate coded values."""
    missing = [col for col in mapping.columns.values() if col not in frame.columns]
    if missing:
        raise ConnectorError(
            f"{location}: missing column(s) {missing} for {entity}; "
            f"found {[c for c in frame.columns if c != ROW_REF]}"
        )
    out = pd.DataFrame(
        {canon: frame[src] for canon, src in mapping.columns.items()}, index=frame.index
    )
    for canon, value in mapping.constants.items():
        out[canon] = value
    for canon, table in mapping.values.items():
        out[canon] = out[canon].astype("string").str.strip().replace(table)
    out[ROW_REF] = frame[ROW_REF]
    return out.reset_index(drop=True)
