"""Labelled company records for the matching benchmark, from sampledata's entities and variants.

Four sources spell the same companies independently, as in a real deployment:

- crm: most companies, 3% entered twice; names, 法人番号 (60%), phone, postal code,
  prefecture, address;
- sales_db: buyers, names with a half-width kana reading, address (prefecture often omitted),
  phone, 法人番号 (40%); a few companies also as a branch office with its own address and phone;
- excel: visit logs, 1-5 rows per visited company, a name and usually a phone;
- bank: payment records of sales_db customers, only the 全銀 transfer name (ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ,
  ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ ...), which only a reading can match.

1% of the companies have a namesake (same name, another prefecture, another valid 法人番号) and
1% of the numbers written have a one-digit typo the check digit catches. The truth is the
entity id of every record.
"""

from __future__ import annotations

import dataclasses
import random

import jaconv
import pandas as pd

from sampledata import crm, excel, sales_db
from sampledata.corpnum import corrupt, new_corporate_number
from sampledata.entities import Entity, build_entities
from sampledata.names import name_key
from sampledata.places import random_address, random_phone, random_prefecture
from sampledata.variants import render_name, render_phone, render_street

RAW_COLUMNS = (
    "source_id",
    "name",
    "kana",
    "corporate_number",
    "phone",
    "postal_code",
    "prefecture",
    "address",
)
RECORDS_PER_ENTITY = 1.91  # expected records per company over the four sources
TWIN_SHARE = 0.01
INVALID_NUMBER_SHARE = 0.01
# 全銀 abbreviations of the legal forms the generator uses.
_ZENGIN_FORMS = {
    "株式会社": "ｶ",
    "有限会社": "ﾕ",
    "合同会社": "ﾄﾞ",
    "一般社団法人": "ｼﾔ",
    "医療法人": "ｲ",
}
_ZENGIN_BRANCHES = ("ﾄｳｷﾖｳｼﾃﾝ", "ｵｵｻｶｼﾃﾝ", "ﾅｺﾞﾔｼﾃﾝ")
_LARGE_KANA = str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ")


def generate(n_records: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """About `n_records` raw rows (a `source` column plus RAW_COLUMNS) and their entity ids."""
    rng = random.Random(seed)
    entities = _with_twins(build_entities(round(n_records / RECORDS_PER_ENTITY), rng), rng)
    taken = {name_key(e.core_text) for e in entities}
    rows: list[tuple] = []
    for entity in entities:
        rows.extend(_records(entity, rng, taken))
    frame = pd.DataFrame(rows, columns=["entity_id", "source", *RAW_COLUMNS])
    for source, group in frame.groupby("source", sort=False):
        frame.loc[group.index, "source_id"] = [
            f"{source[0].upper()}{i:08d}" for i in range(len(group))
        ]
    numbered = frame.index[frame["corporate_number"].notna()]
    bad = rng.sample(list(numbered), round(INVALID_NUMBER_SHARE * len(numbered)))
    frame.loc[bad, "corporate_number"] = [
        corrupt(frame.at[i, "corporate_number"], rng) for i in bad
    ]
    frame = frame.sample(frac=1, random_state=seed, ignore_index=True)
    return frame.drop(columns="entity_id"), frame["entity_id"]


def _with_twins(entities: list[Entity], rng: random.Random) -> list[Entity]:
    """Add namesakes: another company of the same name elsewhere, with its own number."""
    numbers = {e.corporate_number for e in entities}
    twins = []
    for i, original in enumerate(rng.sample(entities, round(TWIN_SHARE * len(entities)))):
        address = random_address(rng, random_prefecture(rng, exclude=original.address.prefecture))
        twins.append(
            dataclasses.replace(
                original,
                entity_id=f"T{i:06d}",
                corporate_number=new_corporate_number(rng, numbers),
                address=address,
                phone=random_phone(rng, address.city),
            )
        )
    return entities + twins


def _records(entity: Entity, rng: random.Random, taken: set[str]) -> list[tuple]:
    """Every record of one company, as (entity_id, source, *RAW_COLUMNS)."""
    out = []
    if rng.random() < 0.6:
        for _ in range(2 if rng.random() < 0.03 else 1):
            out.append(_crm(entity, rng, taken))
    if rng.random() < 0.5:
        out.append(_sales(entity, rng, taken, branch=False))
        if rng.random() < 0.03:
            out.append(_sales(entity, rng, taken, branch=True))
        if rng.random() < 0.6:  # customers pay, so payers are in the sales master
            out.append(_bank(entity, rng))
    if rng.random() < 0.2:
        for _ in range(rng.choices((1, 2, 3, 4, 5), (35, 25, 20, 12, 8))[0]):
            out.append(_excel(entity, rng, taken))
    return [(entity.entity_id, *row) for row in out]


def _maybe(value: object, rng: random.Random, present: float) -> object:
    return value if rng.random() < present else None


def _crm(entity: Entity, rng: random.Random, taken: set[str]) -> tuple:
    a = entity.address
    return (
        "crm",
        None,
        render_name(entity, crm.STYLE, rng, taken),
        None,
        _maybe(entity.corporate_number, rng, 0.6),
        _maybe(render_phone(entity.phone, rng), rng, 0.95),
        _maybe(f"{a.postal_code[:3]}-{a.postal_code[3:]}", rng, 0.9),
        _maybe(a.prefecture, rng, 0.97),
        render_street(a, rng),
    )


def _sales(entity: Entity, rng: random.Random, taken: set[str], *, branch: bool) -> tuple:
    address, phone, kana, suffix = entity.address, entity.phone, entity.reading, ""
    if branch:
        offices = [b for b in sales_db.BRANCH_OFFICES if b[2] != address.prefecture]
        suffix, reading, prefecture = rng.choice(offices)
        address = random_address(rng, prefecture)
        phone = random_phone(rng, address.city)
        kana = f"{kana} {reading}"
    postal = address.postal_code
    return (
        "sales_db",
        None,
        render_name(entity, sales_db.STYLE, rng, taken, branch=suffix),
        _maybe(jaconv.z2h(kana, kana=True, ascii=False, digit=False), rng, 0.97),
        _maybe(entity.corporate_number, rng, 0.4),
        render_phone(phone, rng),
        f"〒{postal[:3]}-{postal[3:]}" if rng.random() < 0.5 else postal,
        None,
        (address.prefecture if rng.random() < 0.85 else "") + render_street(address, rng),
    )


def _excel(entity: Entity, rng: random.Random, taken: set[str]) -> tuple:
    roll = rng.random()
    phone = None if roll < 0.12 else "－" if roll < 0.2 else render_phone(entity.phone, rng)
    name = render_name(entity, excel.STYLE, rng, taken)
    return ("excel", None, name, None, None, phone, None, None, None)


def _bank(entity: Entity, rng: random.Random) -> tuple:
    """The 全銀 transfer name: half-width, large kana, the legal form abbreviated."""
    reading = jaconv.z2h(entity.reading.translate(_LARGE_KANA), kana=True, ascii=False, digit=False)
    reading = reading.replace("ｰ", "-")
    form = _ZENGIN_FORMS.get(entity.legal_form)
    if form and entity.legal_front:
        name = f"{form}){reading}"
    elif form:
        name = (
            f"{reading}({form}"
            if rng.random() < 0.8
            else f"{reading}({form}){rng.choice(_ZENGIN_BRANCHES)}"
        )
    else:
        name = reading
    return ("bank", None, None, name, None, None, None, None, None)
