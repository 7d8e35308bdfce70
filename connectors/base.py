"""The reader contract and the source-configuration model.

A reader turns one configured entity of one source into raw rows whose columns carry the
canonical raw names of `cleansing.schema.RAW_COLUMNS` (renamed by the entity's mapping), plus a
`row_ref` column that says where each row came from (file:row, table:key, ...). Rows that cannot
even be read (a broken spreadsheet row, a record without an id) are returned as rejects with a
reason, never dropped. Anything that makes a whole source unreadable raises `ConnectorError`
naming the file/endpoint and what is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cleansing.schema import ENTITIES, QUARANTINE_COLUMNS, RAW_COLUMNS, REQUIRED_RAW
from cleansing.text import map_unique

ROW_REF = "row_ref"
FILE_KINDS = ("csv", "excel")
API_KINDS = ("salesforce", "hubspot", "kintone")
# Credentials each API kind needs, as names of environment variables (never the values).
REQUIRED_SECRETS: dict[str, tuple[frozenset[str], ...]] = {
    "salesforce": (frozenset({"client_id", "client_secret"}),),
    "hubspot": (
        frozenset({"access_token"}),
        frozenset({"client_id", "client_secret", "refresh_token"}),
    ),
    "kintone": (frozenset({"api_token"}),),
}
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


class ConnectorError(RuntimeError):
    """A source cannot be read at all; the message names the file/table and the field."""


@dataclass
class ReadResult:
    """What a reader returns for one entity of one source.

    `complete` is False when `rows` hold only what was added since the previous read (an
    incremental SQL read above `mark`, or nothing at all for an unchanged file);
    `appends_only` says later reads will be such reads, so rows need no hash to be told apart."""

    rows: pd.DataFrame
    rejects: pd.DataFrame
    complete: bool = True
    mark: object = None
    appends_only: bool = False

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.rejects)


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})


def make_rejects(
    source: str,
    entity: str,
    locations: list[str],
    reason: str,
    details: list[str],
    raws: list[object],
) -> pd.DataFrame:
    """Quarantine rows for records a reader could not turn into a row at all."""
    if not locations:
        return empty_rejects()
    return pd.DataFrame(
        {
            "source": source,
            "entity": entity,
            "source_id": None,
            "location": locations,
            "reason": reason,
            "detail": details,
            "raw": [json.dumps(r, ensure_ascii=False, default=str)[:2000] for r in raws],
        },
        columns=list(QUARANTINE_COLUMNS),
    )


class NegativeWhen(BaseModel):
    """Returns coded in a separate column (区分: 1 売上 / 2 返品 / 3 値引): those rows' amounts
    are made negative so staging sees a return the same way whatever the system wrote."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    column: str
    values: list[str]


class EntityMapping(BaseModel):
    """How one entity (companies, transactions, ...) is read from a source."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str | None = None
    sheets: list[str] = Field(default_factory=list)
    query: str | None = None
    # A column of the query's result that grows with every new row (a slip number, an insert
    # timestamp): an incremental night reads only the rows above the last night's maximum.
    incremental_column: str | None = None
    object: str | None = None
    app: int | None = None
    modified_field: str | None = None
    header_contains: list[str] = Field(default_factory=list)
    columns: dict[str, str]
    constants: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    negative_when: NegativeWhen | None = None
    missing_values: list[str] = Field(default_factory=list)

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
        if self.negative_when and "amount" not in self.columns:
            raise ValueError(f"{entity}: `negative_when` needs an `amount` column")

    def source_fields(self) -> list[str]:
        """The source columns/fields the mapping reads (what an API pull must request)."""
        fields = [*self.columns.values()]
        if self.negative_when:
            fields.append(self.negative_when.column)
        return [f for f in dict.fromkeys(fields) if f != ROW_REF]


class SourceConfig(BaseModel):
    """One configured source system."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["csv", "sql", "excel", "salesforce", "hubspot", "kintone"]
    description: str = ""
    url: str | None = None
    url_env: str | None = None
    secrets: dict[str, str] = Field(default_factory=dict)
    incremental: bool = True
    timeout_seconds: float = Field(30.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    backoff_seconds: float = Field(1.0, ge=0)
    max_wait_seconds: float = Field(120.0, ge=0)
    page_size: int | None = Field(None, gt=0)
    chunk_rows: int = Field(50_000, gt=0)
    api_version: str = "v62.0"
    # The nightly run reads every source once a day: older than this, the UI shows it stale.
    fresh_within_hours: float = Field(26.0, gt=0)
    # Sources waiting for a free step process start in descending priority: give the slowest
    # read (a sales database of millions of lines) the highest, so the others read beside it.
    priority: int = 0
    entities: dict[str, EntityMapping]

    @model_validator(mode="after")
    def _check(self) -> SourceConfig:
        for entity, mapping in self.entities.items():
            if entity not in ENTITIES:
                raise ValueError(f"unknown entity {entity!r}; allowed: {list(ENTITIES)}")
            mapping.check_for(entity)
            self._check_entity(entity, mapping)
        if self.kind == "sql" and not (self.url or self.url_env):
            raise ValueError("a sql source needs `url` or `url_env`")
        if self.kind in ("salesforce", "kintone") and not (self.url or self.url_env):
            raise ValueError(f"a {self.kind} source needs `url` or `url_env` (its base URL)")
        self._check_secrets()
        return self

    def _check_entity(self, entity: str, mapping: EntityMapping) -> None:
        needs = {
            "csv": "path",
            "excel": "path",
            "sql": "query",
            "salesforce": "object",
            "hubspot": "object",
            "kintone": "app",
        }[self.kind]
        if getattr(mapping, needs) is None:
            raise ValueError(f"{entity}: a {self.kind} source needs `{needs}`")

    def _check_secrets(self) -> None:
        for key, env in self.secrets.items():
            if not _ENV_NAME.fullmatch(env):
                raise ValueError(
                    f"secrets.{key} must name an environment variable (e.g. HUBSPOT_TOKEN), "
                    "never hold the secret itself"
                )
        options = REQUIRED_SECRETS.get(self.kind)
        if options and not any(option <= set(self.secrets) for option in options):
            wanted = " or ".join(str(sorted(o)) for o in options)
            raise ValueError(f"a {self.kind} source needs `secrets` {wanted}")


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


def _negate(values: pd.Series, flagged: pd.Series) -> pd.Series:
    """Make flagged amounts negative; text that already carries a minus/▲/△/( stays as is."""
    out = values.astype(object).copy()
    numbers = pd.to_numeric(values, errors="coerce")
    is_number = flagged & numbers.notna()
    out[is_number] = -numbers[is_number].abs()
    text = values.astype("string").str.strip()
    signed = text.str.match(r"^[-−▲△(（]").fillna(False)
    is_text = flagged & ~is_number & text.notna() & text.ne("") & ~signed
    out[is_text] = "-" + text[is_text]
    return out


def apply_mapping(
    frame: pd.DataFrame, mapping: EntityMapping, entity: str, location: str
) -> pd.DataFrame:
    """Rename source columns to canonical raw names, add constants, translate coded values."""
    wanted = [*mapping.columns.values()]
    if mapping.negative_when:
        wanted.append(mapping.negative_when.column)
    missing = [col for col in dict.fromkeys(wanted) if col not in frame.columns]
    if missing:
        raise ConnectorError(
            f"{location}: missing column(s) {missing} for {entity}; "
            f"found {[c for c in frame.columns if c != ROW_REF]}"
        )
    out = pd.DataFrame(
        {canon: frame[src] for canon, src in mapping.columns.items()}, index=frame.index
    )
    if mapping.missing_values:
        out = out.mask(out.isin(mapping.missing_values))
    for canon, value in mapping.constants.items():
        out[canon] = value
    for canon, table in mapping.values.items():
        # once per distinct code: Series.replace passes over every cell per table entry
        codes = out[canon].astype("string").str.strip()
        out[canon] = map_unique(
            codes, lambda v, t=table: t.get(v, v), dtype="string", na_value=pd.NA
        )
    if mapping.negative_when:
        codes = frame[mapping.negative_when.column].astype("string").str.strip()
        out["amount"] = _negate(out["amount"], codes.isin(mapping.negative_when.values))
    out[ROW_REF] = frame[ROW_REF]
    return out.reset_index(drop=True)
