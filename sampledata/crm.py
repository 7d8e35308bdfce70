"""The CRM/SFA export: 取引先 (companies), 商談 (deals) and 活動 (activities) as BOM CSVs."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sampledata.csvfile import write_csv
from sampledata.engagement import Activity, Deal, plan_activities, plan_deals
from sampledata.entities import Entity
from sampledata.truth import TruthRow
from sampledata.variants import (
    NameStyle,
    plant_invalid_numbers,
    render_corporate_number,
    render_distinct_name,
    render_name,
    render_phone,
    render_street,
)

COMPANY_COLUMNS = (
    "取引先ID",
    "取引先名",
    "法人番号",
    "電話",
    "郵便番号",
    "都道府県",
    "住所",
    "業種",
    "従業員数",
    "最終更新日時",
)
DEAL_COLUMNS = ("商談ID", "取引先ID", "商談名", "フェーズ", "完了日", "金額", "失注理由")
ACTIVITY_COLUMNS = ("活動ID", "取引先ID", "日付", "種別")
STYLE = NameStyle(legal_full=0.7, legal_abbreviated=0.1, legal_missing=0.2, full_width=0.25)
_BUYER_SHARE = 0.5  # with every prospect and churned company: about 65% of entities
_DUPLICATE_RATE = 0.03 / 0.65  # about 3% of all entities
_MOVED_TO_DUPLICATE = 0.3  # share of deals and activities logged on the duplicate account


def _updated_at(as_of: date, rng: random.Random, *, stale: bool) -> str:
    days = rng.randint(365, 1500) if stale else rng.randint(0, 730)
    clock = time(rng.randint(8, 20), rng.randrange(60), rng.randrange(60))
    return datetime.combine(as_of - timedelta(days=days), clock).isoformat()


def _company_row(
    account_id: str, entity: Entity, name: str, duplicate: bool, as_of: date, rng: random.Random
) -> list[object]:
    a = entity.address
    return [
        account_id,
        name,
        render_corporate_number(entity.corporate_number, rng, present=0.45 if duplicate else 0.6),
        render_phone(entity.phone, rng) if rng.random() < 0.95 else "",
        f"{a.postal_code[:3]}-{a.postal_code[3:]}" if rng.random() < 0.9 else "",
        a.prefecture if rng.random() < 0.97 else "",
        render_street(a, rng),
        entity.industry if rng.random() < 0.95 else "",
        entity.employees if rng.random() < 0.9 else None,
        _updated_at(as_of, rng, stale=duplicate),
    ]


def write_crm(
    out_dir: Path, entities: list[Entity], as_of: date, rng: random.Random, taken: set[str]
) -> tuple[list[TruthRow], dict[str, str], dict[str, object]]:
    """Write crm/*.csv; return truth rows, each entity's main CRM spelling and the manifest part."""
    chosen = [
        e for e in entities if e.pattern in ("prospect", "churned") or rng.random() < _BUYER_SHARE
    ]
    accounts: list[tuple[Entity, bool]] = []
    for entity in chosen:
        accounts.append((entity, False))
        if rng.random() < _DUPLICATE_RATE:
            accounts.append((entity, True))
    rng.shuffle(accounts)

    names = {e.entity_id: render_name(e, STYLE, rng, taken) for e in chosen}
    ids: dict[tuple[str, bool], str] = {}
    companies, truth = [], []
    for i, (entity, duplicate) in enumerate(accounts, start=1):
        account_id = f"ACC-{i:06d}"
        ids[entity.entity_id, duplicate] = account_id
        truth.append(TruthRow("crm", account_id, entity.entity_id))
        name = names[entity.entity_id]
        if duplicate:
            name = render_distinct_name(entity, STYLE, rng, taken, avoid=name)
        companies.append(_company_row(account_id, entity, name, duplicate, as_of, rng))
    plant_invalid_numbers(companies, 2, [e.corporate_number for e, _ in accounts], rng)

    deals: dict[str, list[Deal]] = defaultdict(list)
    acts: dict[str, list[Activity]] = defaultdict(list)
    for entity in chosen:
        main = ids[entity.entity_id, False]
        dup = ids.get((entity.entity_id, True))
        entity_deals = plan_deals(entity, as_of, rng)
        for deal in entity_deals:
            deals[dup if dup and rng.random() < _MOVED_TO_DUPLICATE else main].append(deal)
        for act in plan_activities(entity, entity_deals, as_of, rng):
            acts[dup if dup and rng.random() < _MOVED_TO_DUPLICATE else main].append(act)

    order = [row[0] for row in companies]  # deals and activities already sorted by day
    deal_rows = [(account, d.day.isoformat(), d) for account in order for d in deals[account]]
    act_rows = [(account, a.day.isoformat(), a.kind) for account in order for a in acts[account]]
    crm = out_dir / "crm"
    counts = {
        "companies": write_csv(crm / "companies.csv", COMPANY_COLUMNS, companies, bom=True),
        "deals": write_csv(
            crm / "deals.csv",
            DEAL_COLUMNS,
            (
                (f"OPP-{i:06d}", acc, d.title, d.stage, day, d.amount, d.reason)
                for i, (acc, day, d) in enumerate(deal_rows, start=1)
            ),
            bom=True,
        ),
        "activities": write_csv(
            crm / "activities.csv",
            ACTIVITY_COLUMNS,
            ((f"ACT-{i:07d}", *row) for i, row in enumerate(act_rows, start=1)),
            bom=True,
        ),
    }
    manifest = {f"crm/{name}.csv": {"rows": count} for name, count in counts.items()}
    return truth, names, manifest
