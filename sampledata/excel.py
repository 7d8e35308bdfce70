"""Visit logs kept by sales staff: one workbook per branch, a sheet per fiscal year.

Hand-typed, so titles sit above the header, dates come as cells, 和暦 or full-width text, and
amounts as numbers, ¥-strings or placeholders. The bytes are reproducible: fixed document
properties and fixed zip timestamps.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import jaconv
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from sampledata.entities import Entity
from sampledata.places import WEST
from sampledata.truth import TruthRow
from sampledata.variants import NameStyle, render_name, render_phone

BOOKS = {"東京支店": 3, "大阪支店": 2}  # branch → number of fiscal-year sheets
_OTHER_BOOK = {"東京支店": "大阪支店", "大阪支店": "東京支店"}
HEADER = ("No", "会社名", "担当者", "電話番号", "訪問日", "内容", "見込金額")
NAME_COL, DATE_COL = 1, 4  # 0-based positions in HEADER
STYLE = NameStyle(
    legal_full=0.25,
    legal_abbreviated=0.35,
    legal_missing=0.4,
    flip=0.15,
    space=0.2,
    full_width=0.4,
    branch=0.05,
)
_STAFF = {
    "東京支店": ("佐藤", "鈴木", "高橋 健一", "田中", "伊藤 美咲"),
    "大阪支店": ("中村", "山本", "吉田 隆", "松本"),
}
_CONTENTS = (
    "定期訪問",
    "新製品のご紹介",
    "見積書提出",
    "価格交渉",
    "契約更新の相談",
    "クレーム対応",
    "担当者変更のご挨拶",
    "展示会のお礼",
    "導入事例のご説明",
    "次回発注時期の確認",
)
_PROSPECT_SIZE = {"consumables": (5, 50), "it": (30, 500), "manufacturing": (100, 3000)}
_SHARE = 0.2  # of entities that appear in a visit log
_ROWS_PER_ENTITY = ((1, 2, 3, 4, 5), (35, 25, 20, 12, 8))
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(slots=True)
class _Sheet:
    name: str
    header_row: int
    rows: list[list[object]]
    entity_ids: list[str]


def file_name(book: str) -> str:
    return f"営業訪問記録_{book}.xlsx"


def fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def wareki(day: date, *, short: bool) -> str:
    """令和6年4月1日 / R6.4.1 (平成 before 2019-05-01; the first year is 元年 in full form)."""
    reiwa = day >= date(2019, 5, 1)
    year = day.year - (2018 if reiwa else 1988)
    if short:
        return f"{'R' if reiwa else 'H'}{year}.{day.month}.{day.day}"
    return f"{'令和' if reiwa else '平成'}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def _visit_date(day: date, rng: random.Random) -> date | str:
    form = rng.choices(
        ("cell", "wareki", "wareki_short", "slash", "full_width"), (35, 15, 12, 20, 10)
    )
    match form[0]:
        case "cell":
            return day
        case "wareki":
            return wareki(day, short=False)
        case "wareki_short":
            return wareki(day, short=True)
        case "slash":
            return f"{day.year}/{day.month}/{day.day}"
    return jaconv.h2z(f"{day.year}年{day.month}月{day.day}日", digit=True)


def _prospect_amount(entity: Entity, rng: random.Random, *, blank_ok: bool = True) -> object:
    lo, hi = _PROSPECT_SIZE.get(entity.kind, (10, 100))
    value = rng.randint(lo, hi) * 10_000
    forms = ("number", "full_width", "yen", "blank", "dash", "unknown")
    form = rng.choices(forms, (45, 12, 12, 16, 8, 7))[0] if blank_ok else "number"
    match form:
        case "number":
            return value
        case "full_width":
            return jaconv.h2z(f"{value:,}", ascii=True, digit=True)
        case "yen":
            return f"¥{value:,}"
        case "dash":
            return "－"
        case "unknown":
            return "不明"
    return None


def _phone_cell(entity: Entity, rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.12:
        return None
    return "－" if roll < 0.2 else render_phone(entity.phone, rng)


def _plan(
    entities: list[Entity], as_of: date, rng: random.Random, taken: set[str]
) -> dict[str, list[_Sheet]]:
    """Pick the visited entities and lay their visits out by branch and fiscal year."""
    this_year = fiscal_year(as_of)
    visits: dict[tuple[str, int], list[tuple[date, Entity]]] = defaultdict(list)
    for entity in rng.sample(entities, round(_SHARE * len(entities))):
        home = "大阪支店" if entity.address.prefecture in WEST else "東京支店"
        for _ in range(rng.choices(*_ROWS_PER_ENTITY)[0]):
            book = home if rng.random() >= 0.1 else _OTHER_BOOK[home]
            start = date(this_year - BOOKS[book] + 1, 4, 1)
            day = start + timedelta(days=rng.randint(0, (as_of - start).days))
            visits[book, fiscal_year(day)].append((day, entity))
    books: dict[str, list[_Sheet]] = {}
    for book, n_sheets in BOOKS.items():
        sheets = []
        for i, year in enumerate(range(this_year - n_sheets + 1, this_year + 1)):
            header_row = 3 + i % 2 if book == "東京支店" else 4 - i % 2
            sheet = _Sheet(f"{year}年度", header_row, [], [])
            for no, (day, e) in enumerate(
                sorted(visits[book, year], key=lambda v: (v[0], v[1].entity_id)), 1
            ):
                sheet.rows.append(
                    [
                        no,
                        render_name(e, STYLE, rng, taken),
                        rng.choice(_STAFF[book]),
                        _phone_cell(e, rng),
                        _visit_date(day, rng),
                        rng.choice(_CONTENTS),
                        _prospect_amount(e, rng),
                    ]
                )
                sheet.entity_ids.append(e.entity_id)
            sheets.append(sheet)
        books[book] = sheets
    return books


def _plant_bad_rows(
    books: dict[str, list[_Sheet]], entities: dict[str, Entity], rng: random.Random
) -> None:
    """An empty 会社名 with the rest filled in, 令和1年4月30日 (before 令和) and month 13."""
    cells = [(s, i) for sheets in books.values() for s in sheets for i in range(len(s.rows))]
    (nameless, k), (pre_reiwa, m), (month13, n) = rng.sample(cells, 3)
    row = nameless.rows[k]
    entity = entities[nameless.entity_ids[k]]
    row[NAME_COL] = None
    row[3] = render_phone(entity.phone, rng)
    row[6] = _prospect_amount(entity, rng, blank_ok=False)
    pre_reiwa.rows[m][DATE_COL] = "令和1年4月30日"
    month13.rows[n][DATE_COL] = f"{month13.name[:4]}/13/01"


def _memo(book: str, as_of: date) -> list[str]:
    return [
        "■ 訪問記録の入力ルール",
        "・1訪問1行で入力してください。",
        "・会社名は名刺のとおりに入力（略称可）。",
        "・見込金額は税抜。わからない場合は空欄か「不明」。",
        f"・{book}の訪問記録はH31.4.1からこのファイルで管理しています。",
        "",
        f"最終確認: {wareki(as_of, short=False)}",
    ]


def _save(wb: Workbook, path: Path) -> None:
    """Save with fixed zip timestamps: openpyxl would stamp every member with the clock."""
    buffer = io.BytesIO()
    ExcelWriter(wb, ZipFile(buffer, "w", ZIP_DEFLATED)).save()
    with ZipFile(buffer) as src, ZipFile(path, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            dst.writestr(member, src.read(info.filename), compress_type=ZIP_DEFLATED)


def _write_book(path: Path, book: str, sheets: list[_Sheet], as_of: date) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    stamp = datetime.combine(as_of, time(9, 0))
    wb.properties.creator = wb.properties.lastModifiedBy = f"{book} 営業部"
    wb.properties.created = wb.properties.modified = stamp
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        ws.cell(1, 1, f"営業訪問記録（{book}）")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        if book == "東京支店" or sheet.header_row == 4:  # else row 2 stays blank
            ws.cell(2, 1, "※訪問後は当日中に入力すること")
        if sheet.header_row == 4:
            ws.cell(3, 6, f"更新日: {as_of:%Y/%m/%d}")
        for col, title in enumerate(HEADER, start=1):
            ws.cell(sheet.header_row, col, title)
        for r, values in enumerate(sheet.rows, start=sheet.header_row + 1):
            for col, value in enumerate(values, start=1):
                cell = ws.cell(r, col, value)
                if isinstance(value, date):
                    cell.number_format = "yyyy/m/d"
        for letter, width in zip("ABCDEFG", (5, 30, 12, 16, 16, 20, 14), strict=True):
            ws.column_dimensions[letter].width = width
    memo = wb.create_sheet("メモ", 0 if book == "大阪支店" else None)
    for r, text in enumerate(_memo(book, as_of), start=1):
        memo.cell(r, 1, text or None)
    _save(wb, path)


def write_excel(
    out_dir: Path, entities: list[Entity], as_of: date, rng: random.Random, taken: set[str]
) -> tuple[list[TruthRow], dict[str, object]]:
    """Write excel/*.xlsx; return one truth row per data row and the manifest part."""
    books = _plan(entities, as_of, rng, taken)
    _plant_bad_rows(books, {e.entity_id: e for e in entities}, rng)
    folder = out_dir / "excel"
    folder.mkdir(parents=True, exist_ok=True)
    truth, manifest = [], {}
    for book, sheets in books.items():
        name = file_name(book)
        _write_book(folder / name, book, sheets, as_of)
        manifest[f"excel/{name}"] = {"sheets": {s.name: len(s.rows) for s in sheets}}
        truth += [
            TruthRow("excel", f"{name}:{s.name}:{s.header_row + 1 + i}", entity_id)
            for s in sheets
            for i, entity_id in enumerate(s.entity_ids)
        ]
    return truth, manifest
