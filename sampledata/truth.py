"""Ground truth kept beside the sources for tests: which record is which entity."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

from sampledata.csvfile import write_csv
from sampledata.entities import Entity
from sampledata.history import last_purchase, tier_by_recency

ENTITY_COLUMNS = (
    "entity_id",
    "name",
    "legal_form",
    "corporate_number",
    "prefecture",
    "industry",
    "employees",
    "capital_yen",
    "pattern",
    "last_purchase_date",
    "tier_by_recency",
)


class TruthRow(NamedTuple):
    source: str  # crm / sales_db / excel
    source_id: str
    entity_id: str


def write_truth(path: Path, rows: list[TruthRow]) -> int:
    return write_csv(path, TruthRow._fields, rows)


def write_entities(path: Path, entities: list[Entity], as_of: date) -> int:
    def row(e: Entity) -> tuple[object, ...]:
        last = last_purchase(e)
        return (
            e.entity_id,
            e.name,
            e.legal_form,
            e.corporate_number,
            e.address.prefecture,
            e.industry,
            e.employees,
            e.capital_yen,
            e.pattern,
            last.isoformat() if last else None,
            tier_by_recency(e, last, as_of),
        )

    return write_csv(path, ENTITY_COLUMNS, map(row, entities))
