"""Shared by the SaaS readers: fields to request, flat records, incremental merge, rejects.

A vendor module only knows its wire format: it pulls the records changed since a mark (or
all of them) as flat dicts. This module turns them into mapped raw rows the same way for all
three, keeps the snapshot and the high-water mark, and rejects records that have no id.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import pandas as pd

from connectors.base import (
    ROW_REF,
    EntityMapping,
    ReadResult,
    SourceConfig,
    apply_mapping,
    make_rejects,
)
from connectors.state import Snapshot, StateStore, upsert


class Reader(Protocol):
    """A vendor's pull: every record (since=None) or those changed at or after `since`."""

    id_field: str
    default_modified_field: str

    def pull(
        self, mapping: EntityMapping, fields: list[str], since: pd.Timestamp | None
    ) -> list[dict[str, Any]]: ...

    def label(self, mapping: EntityMapping) -> str: ...


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted keys (Account.Name); Salesforce `attributes` are dropped."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[prefix + key] = json.dumps(value, ensure_ascii=False)
        else:
            out[prefix + key] = value
    return out


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as text (or missing), so snapshots have one stable type per column."""
    return frame.apply(lambda col: col.map(_text, na_action="ignore").astype("string"))


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def read_api_entity(
    reader: Reader,
    config: SourceConfig,
    mapping: EntityMapping,
    entity: str,
    source: str,
    state: StateStore | None,
) -> ReadResult:
    """Pull one entity (incrementally when a snapshot with the same fields exists)."""
    modified = mapping.modified_field or reader.default_modified_field
    fields = list(dict.fromkeys([reader.id_field, modified, *mapping.source_fields()]))
    previous = state.load(entity) if state and config.incremental else None
    since = previous.mark if previous and previous.fields == fields else None
    # a changed mapping (new fields) needs a full pull: the snapshot lacks those fields
    records = reader.pull(mapping, fields, since)
    frame = _as_text(pd.DataFrame(records, columns=fields))
    no_id = frame[reader.id_field].isna() | frame[reader.id_field].eq("")
    pulled = frame[~no_id]
    snapshot = upsert(previous.records, pulled, reader.id_field) if since is not None else pulled
    stamps = pd.to_datetime(frame[modified], utc=True, errors="coerce", format="ISO8601")
    marks = [m for m in (since, stamps.max()) if m is not None and not pd.isna(m)]
    label = reader.label(mapping)
    rows = snapshot.copy()
    rows[ROW_REF] = label + ":" + rows[reader.id_field]
    mapped = apply_mapping(rows, mapping, entity, label)
    if state:
        state.save(entity, Snapshot(snapshot, max(marks) if marks else None, fields))
    rejects = make_rejects(
        source,
        entity,
        [f"{label}:record {i + 1} of this pull" for i in no_id[no_id].index],
        "record_id_missing",
        [f"no {reader.id_field}"] * int(no_id.sum()),
        [records[i] for i in no_id[no_id].index],
    )
    return ReadResult(rows=mapped, rejects=rejects)
