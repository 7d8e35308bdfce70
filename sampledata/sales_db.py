"""The 販売管理 database: 得意先マスタ, 売上伝票 and 売上明細 in SQLite, with planted bad rows."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import jaconv

from sampledata.entities import Entity, Line, Order
from sampledata.places import random_address, random_phone
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

SCHEMA = """
CREATE TABLE 得意先マスタ(
    得意先コード TEXT PRIMARY KEY, 得意先名 TEXT, 得意先名カナ TEXT, 郵便番号 TEXT, 住所 TEXT,
    電話番号 TEXT, 法人番号 TEXT, 業種 TEXT, 資本金 INTEGER);
CREATE TABLE 売上伝票(伝票番号 INTEGER PRIMARY KEY, 得意先コード TEXT, 売上日 TEXT);
CREATE TABLE 売上明細(
    伝票番号 INTEGER, 行番号 INTEGER, 商品コード TEXT, 商品名 TEXT, 数量 INTEGER, 単価 INTEGER,
    金額, PRIMARY KEY(伝票番号, 行番号));
"""
STYLE = NameStyle(
    legal_full=0.35, legal_abbreviated=0.5, legal_missing=0.15, full_width=0.35, half_kana=0.12
)
# (branch name, its reading, its prefecture): a second registration of the same company.
BRANCH_OFFICES = (
    ("東京支店", "トウキョウシテン", "東京都"),
    ("大阪支店", "オオサカシテン", "大阪府"),
    ("名古屋営業所", "ナゴヤエイギョウショ", "愛知県"),
    ("福岡営業所", "フクオカエイギョウショ", "福岡県"),
    ("札幌営業所", "サッポロエイギョウショ", "北海道"),
    ("横浜営業所", "ヨコハマエイギョウショ", "神奈川県"),
)
_BRANCH_RATE = 0.035  # of buyers with 3+ purchases: about 2% of all entities
UNCHECKED_AMOUNT = "要確認"


@dataclass(slots=True)
class _Customer:
    entity: Entity
    orders: list[Order]
    branch: tuple[str, str, str] | None = None
    code: str = ""


@dataclass(slots=True)
class _Slip:
    day: str
    code: str
    lines: list[Line]
    unchecked_line: int = -1  # index of the line whose 金額 reads 要確認
    number: int = 0


def _customers(entities: list[Entity], rng: random.Random) -> list[_Customer]:
    """Every buyer once; a few also as a branch that took over part of the orders."""
    customers = []
    for entity in entities:
        if not entity.orders:
            continue
        if len(entity.purchases) < 3 or rng.random() >= _BRANCH_RATE:
            customers.append(_Customer(entity, entity.orders))
            continue
        office = rng.choice([b for b in BRANCH_OFFICES if b[2] != entity.address.prefecture])
        to_branch = [rng.random() < 0.35 for _ in entity.orders]
        to_branch[0], to_branch[-1] = False, True  # each registration has orders
        pairs = list(zip(entity.orders, to_branch, strict=True))
        customers.append(_Customer(entity, [o for o, b in pairs if not b]))
        customers.append(_Customer(entity, [o for o, b in pairs if b], office))
    customers.sort(key=lambda c: (c.orders[0].day, c.entity.entity_id, c.branch is not None))
    for i, customer in enumerate(customers, start=1):
        customer.code = f"{i:06d}"  # codes follow registration, i.e. the first order
    return customers


def _master_row(
    c: _Customer, rng: random.Random, taken: set[str], crm_names: dict[str, str]
) -> list[object]:
    e = c.entity
    address, phone, kana = e.address, e.phone, e.reading
    if c.branch:
        branch, reading, prefecture = c.branch
        name = render_name(e, STYLE, rng, taken, branch=branch)
        address = random_address(rng, prefecture)
        phone = random_phone(rng, address.city)
        kana = f"{kana} {reading}"
    else:
        name = render_distinct_name(e, STYLE, rng, taken, avoid=crm_names.get(e.entity_id, ""))
    postal = address.postal_code
    return [
        c.code,
        name,
        jaconv.z2h(kana, kana=True, ascii=False, digit=False) if rng.random() < 0.97 else None,
        f"〒{postal[:3]}-{postal[3:]}" if rng.random() < 0.5 else postal,
        (address.prefecture if rng.random() < 0.85 else "") + render_street(address, rng),
        render_phone(phone, rng),
        render_corporate_number(e.corporate_number, rng, present=0.4) or None,
        e.industry if rng.random() < 0.95 else None,
        e.capital_yen if rng.random() < 0.9 else None,
    ]


def _slips(customers: list[_Customer], as_of: date, rng: random.Random) -> list[_Slip]:
    """All slips numbered by date, plus an impossible date, an orphan code and 要確認 amounts."""
    slips, checkable = [], []
    for c in customers:
        purchases = c.entity.purchases
        for order in c.orders:
            slip = _Slip(order.day.isoformat(), c.code, order.lines)
            slips.append(slip)
            if not order.is_return and len(purchases) >= 3 and order is not purchases[-1]:
                checkable.append(slip)
    for slip in rng.sample(checkable, 2):
        slip.unchecked_line = rng.randrange(len(slip.lines))

    bad_year = as_of.year - 3
    recent = [c for c in customers if c.orders[-1].day > date(bad_year, 3, 1)] or customers
    victim = rng.choice(recent)
    slips.append(_Slip(f"{bad_year}-02-30", victim.code, rng.choice(victim.orders).lines))
    orphan_code = f"{len(customers) + rng.randint(1, 900):06d}"
    orphan_day = as_of - timedelta(days=rng.randint(1, 365))
    slips.append(_Slip(orphan_day.isoformat(), orphan_code, rng.choice(customers).orders[0].lines))

    slips.sort(key=lambda s: (s.day, s.code))
    for number, slip in enumerate(slips, start=1):
        slip.number = number
    return slips


def write_sales_db(
    path: Path,
    entities: list[Entity],
    as_of: date,
    rng: random.Random,
    taken: set[str],
    crm_names: dict[str, str],
) -> tuple[list[TruthRow], dict[str, object]]:
    """Write sales.sqlite (replacing any old one); return truth rows and the manifest part."""
    customers = _customers(entities, rng)
    master = [_master_row(c, rng, taken, crm_names) for c in customers]
    plant_invalid_numbers(master, 6, [c.entity.corporate_number for c in customers], rng)
    slips = _slips(customers, as_of, rng)
    details = [
        (
            s.number,
            i,
            line.code,
            line.name,
            line.qty,
            line.unit,
            UNCHECKED_AMOUNT if i - 1 == s.unchecked_line else line.amount,
        )
        for s in slips
        for i, line in enumerate(s.lines, start=1)
    ]
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO 得意先マスタ VALUES (?,?,?,?,?,?,?,?,?)", master)
        db.executemany(
            "INSERT INTO 売上伝票 VALUES (?,?,?)", ((s.number, s.code, s.day) for s in slips)
        )
        db.executemany("INSERT INTO 売上明細 VALUES (?,?,?,?,?,?,?)", details)
    db.close()
    truth = [TruthRow("sales_db", c.code, c.entity.entity_id) for c in customers]
    tables = {"得意先マスタ": len(master), "売上伝票": len(slips), "売上明細": len(details)}
    return truth, {path.name: {"tables": tables}}
