"""The sample-data generator: determinism, truth coverage, planted variants and bad rows."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from stdnum.jp import cn

from sampledata import generate
from sampledata.__main__ import main

AS_OF = date(2026, 11, 23)
N = 300
SEED = 7
TABLES = ("得意先マスタ", "売上伝票", "売上明細")
LEGAL_MARKS = re.compile(
    r"株式会社|有限会社|合同会社|一般社団法人|医療法人|[(（](株|有|同|一社|医)[)）]|㈱|㈲"
)
HALF_KANA = re.compile(r"[\uff66-\uff9f]")
OLD_KANJI = "髙﨑濵邊齋澤德國"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample")
    generate(path, n_companies=N, seed=SEED, as_of=AS_OF)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def sql_rows(path: Path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def truth(out: Path, source: str) -> dict[str, str]:
    return {
        r["source_id"]: r["entity_id"] for r in read_csv(out / "truth.csv") if r["source"] == source
    }


def excel_sheets(out: Path):
    """(file, sheet name, header row, worksheet) of every data sheet."""
    for path in sorted((out / "excel").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            header = next(
                (
                    r
                    for r in range(1, 10)
                    if ws.cell(r, 1).value == "No" and ws.cell(r, 2).value == "会社名"
                ),
                None,
            )
            if header:
                yield path.name, ws.title, header, ws


def excel_rows(out: Path) -> dict[str, tuple]:
    return {
        f"{file}:{sheet}:{r}": tuple(c.value for c in ws[r][:7])
        for file, sheet, header, ws in excel_sheets(out)
        for r in range(header + 1, ws.max_row + 1)
    }


def named_records(out: Path) -> list[tuple[str, str]]:
    """(entity_id, name as written) of every company record that has a name."""
    crm, sales, excel = truth(out, "crm"), truth(out, "sales_db"), truth(out, "excel")
    records = [(crm[r["取引先ID"]], r["取引先名"]) for r in read_csv(out / "crm" / "companies.csv")]
    records += [(sales[row[0]], row[1]) for row in sql_rows(out / "sales.sqlite", "得意先マスタ")]
    records += [(excel[key], row[1]) for key, row in excel_rows(out).items() if row[1]]
    return records


def valid_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def test_same_arguments_give_identical_files(out: Path, tmp_path: Path) -> None:
    generate(tmp_path, n_companies=N, seed=SEED, as_of=AS_OF)
    for name in (
        "truth.csv",
        "entities.csv",
        "manifest.json",
        "crm/companies.csv",
        "crm/deals.csv",
        "crm/activities.csv",
    ):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    for table in TABLES:
        assert sql_rows(tmp_path / "sales.sqlite", table) == sql_rows(out / "sales.sqlite", table)
    for book in (out / "excel").glob("*.xlsx"):
        assert (tmp_path / "excel" / book.name).read_bytes() == book.read_bytes()


def test_another_seed_differs(out: Path, tmp_path: Path) -> None:
    generate(tmp_path, n_companies=N, seed=SEED + 1, as_of=AS_OF)
    assert (tmp_path / "truth.csv").read_bytes() != (out / "truth.csv").read_bytes()
    assert sql_rows(tmp_path / "sales.sqlite", "売上伝票") != sql_rows(
        out / "sales.sqlite", "売上伝票"
    )


def test_manifest_counts_match_files(out: Path) -> None:
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    for name in (
        "crm/companies.csv",
        "crm/deals.csv",
        "crm/activities.csv",
        "truth.csv",
        "entities.csv",
    ):
        assert files[name]["rows"] == len(read_csv(out / name)), name
    for table in TABLES:
        assert files["sales.sqlite"]["tables"][table] == len(sql_rows(out / "sales.sqlite", table))
    sheets = defaultdict(int)
    for key in excel_rows(out):
        file, sheet, _ = key.split(":")
        sheets[f"excel/{file}", sheet] += 1
    assert {
        (f, s): n
        for f, part in files.items()
        if "sheets" in part
        for s, n in part["sheets"].items()
    } == sheets


def test_truth_covers_every_entity_and_every_record(out: Path) -> None:
    rows = read_csv(out / "truth.csv")
    entities = {r["entity_id"] for r in read_csv(out / "entities.csv")}
    assert len(entities) == N
    assert {r["entity_id"] for r in rows} == entities
    assert set(truth(out, "crm")) == {
        r["取引先ID"] for r in read_csv(out / "crm" / "companies.csv")
    }
    assert set(truth(out, "sales_db")) == {
        row[0] for row in sql_rows(out / "sales.sqlite", "得意先マスタ")
    }
    assert set(truth(out, "excel")) == set(excel_rows(out))
    assert len(rows) == len({(r["source"], r["source_id"]) for r in rows})


def test_source_shares(out: Path) -> None:
    crm, sales, excel = (set(truth(out, s).values()) for s in ("crm", "sales_db", "excel"))
    assert 0.55 * N < len(crm) < 0.75 * N
    assert 0.7 * N < len(sales) < 0.9 * N
    assert 0.15 * N < len(excel) < 0.25 * N
    assert len(truth(out, "crm")) > len(crm) and len(truth(out, "sales_db")) > len(
        sales
    )  # duplicates


def test_entities_have_valid_unique_numbers_and_planted_namesakes(out: Path) -> None:
    entities = read_csv(out / "entities.csv")
    numbers = [e["corporate_number"] for e in entities]
    assert all(cn.is_valid(n) for n in numbers) and len(set(numbers)) == N
    by_name = defaultdict(list)
    for e in entities:
        by_name[e["name"]].append(e)
    pairs = [group for group in by_name.values() if len(group) > 1]
    assert len(pairs) >= 2
    assert all(len({e["prefecture"] for e in group}) == len(group) for group in pairs)


def test_every_tier_is_well_represented(out: Path) -> None:
    entities = read_csv(out / "entities.csv")
    tiers = defaultdict(int)
    for e in entities:
        tiers[e["tier_by_recency"]] += 1
    assert set(tiers) == {"active", "at_risk", "dormant", "long_dormant", "prospect"}
    assert min(tiers.values()) >= 0.1 * N
    for e in entities:
        if e["pattern"].startswith("stopped_"):
            assert e["tier_by_recency"] == e["pattern"].removeprefix("stopped_")
    assert any(
        int(e["employees"]) >= 300 or int(e["capital_yen"] or 0) >= 300_000_000 for e in entities
    )


def assert_last_purchases_match_lines(out: Path) -> None:
    """entities.csv's last purchase is the newest valid positive line over all the entity's codes."""
    codes = truth(out, "sales_db")
    with sqlite3.connect(out / "sales.sqlite") as db:
        lines = db.execute(
            "SELECT h.得意先コード, h.売上日, d.金額 FROM 売上明細 d JOIN 売上伝票 h USING (伝票番号)"
        ).fetchall()
    last: dict[str, str] = {}
    for code, day, amount in lines:
        if code in codes and isinstance(amount, int) and amount > 0 and valid_day(day):
            entity = codes[code]
            last[entity] = max(last.get(entity, ""), day)
    expected = {e["entity_id"]: e["last_purchase_date"] for e in read_csv(out / "entities.csv")}
    assert last == {k: v for k, v in expected.items() if v}


def test_last_purchase_matches_sales_lines(out: Path) -> None:
    assert_last_purchases_match_lines(out)


def test_lines_scale_adds_lines_to_the_same_companies_and_dates(out: Path, tmp_path: Path) -> None:
    manifest = generate(tmp_path, n_companies=N, seed=SEED, as_of=AS_OF, lines_scale=1.5)
    assert manifest["lines_scale"] == 1.5
    assert "lines_scale" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in ("truth.csv", "entities.csv", "crm/companies.csv", "crm/activities.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    for book in (out / "excel").glob("*.xlsx"):
        assert (tmp_path / "excel" / book.name).read_bytes() == book.read_bytes()
    db, scaled = out / "sales.sqlite", tmp_path / "sales.sqlite"
    assert sql_rows(scaled, "得意先マスタ") == sql_rows(db, "得意先マスタ")
    codes = set(truth(out, "sales_db"))

    def real_slips(path: Path) -> list[tuple]:  # the planted bad date and orphan may move
        rows = sql_rows(path, "売上伝票")
        return sorted(s[1:] for s in rows if s[1] in codes and valid_day(s[2]))

    assert real_slips(scaled) == real_slips(db)
    ratio = len(sql_rows(scaled, "売上明細")) / len(sql_rows(db, "売上明細"))
    assert 1.45 < ratio < 1.55
    assert_last_purchases_match_lines(tmp_path)  # every purchase date, hence tier, unchanged
    details = sql_rows(scaled, "売上明細")
    assert all(d[6] == d[4] * d[5] for d in details if isinstance(d[6], int))
    assert [d[6] for d in details if isinstance(d[6], str)] == ["要確認", "要確認"]
    with pytest.raises(ValueError, match="lines_scale"):
        generate(tmp_path, n_companies=N, as_of=AS_OF, lines_scale=0.5)


def test_name_variants_occur(out: Path) -> None:
    records = named_records(out)
    names = [name for _, name in records]
    joined = "\n".join(names)
    for mark in ("㈱", "(株)", "（株）", "株式会社", "(有)"):
        assert mark in joined, mark
    assert any(not LEGAL_MARKS.search(n) for n in names)  # legal form missing
    assert any(HALF_KANA.search(n) for n in names)
    assert any(re.search(r"[Ａ-Ｚ]", n) for n in names) and any(
        re.search(r"[A-Z]", n) for n in names
    )
    assert any(re.search(r"\S[ \u3000]\S", n) for n in names)
    assert any(re.search(r"支店|営業所|本社", n) for n in names)
    canonical = {e["entity_id"]: e["name"] for e in read_csv(out / "entities.csv")}
    old = {e for e, name in canonical.items() if any(c in OLD_KANJI for c in name)}
    assert any(c in OLD_KANJI for n in names for c in n)
    assert any(e in old and not any(c in OLD_KANJI for c in n) for e, n in records)  # 新字体
    assert any(
        re.search(r"[\u3041-\u3096]", n) and re.search(r"[\u30a1-\u30f6]", canonical[e])
        for e, n in records
    )


def test_crm_and_sales_spellings_usually_differ(out: Path) -> None:
    crm = {
        truth(out, "crm")[r["取引先ID"]]: r["取引先名"]
        for r in read_csv(out / "crm" / "companies.csv")
    }
    sales = {
        truth(out, "sales_db")[row[0]]: row[1]
        for row in sql_rows(out / "sales.sqlite", "得意先マスタ")
    }
    both = crm.keys() & sales.keys()
    assert both and sum(crm[e] == sales[e] for e in both) < 0.1 * len(both)


def test_invalid_corporate_numbers_are_one_digit_off(out: Path) -> None:
    real = {e["entity_id"]: e["corporate_number"] for e in read_csv(out / "entities.csv")}
    crm = [
        (truth(out, "crm")[r["取引先ID"]], r["法人番号"])
        for r in read_csv(out / "crm" / "companies.csv")
    ]
    sales = [
        (truth(out, "sales_db")[row[0]], row[6])
        for row in sql_rows(out / "sales.sqlite", "得意先マスタ")
    ]
    for rows, share in ((crm, 0.6), (sales, 0.4)):
        filled = [(e, n) for e, n in rows if n]
        assert abs(len(filled) / len(rows) - share) < 0.1
        bad = [(e, n) for e, n in filled if not cn.is_valid(n)]
        assert 1 <= len(bad) <= 0.03 * len(rows)
        for entity, number in bad:
            assert sum(a != b for a, b in zip(number, real[entity], strict=True)) == 1
        assert all(n == real[e] for e, n in filled if cn.is_valid(n))


def test_crm_export_format(out: Path) -> None:
    raw = (out / "crm" / "companies.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    companies = read_csv(out / "crm" / "companies.csv")
    assert list(companies[0]) == [
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
    ]
    assert all(re.fullmatch(r"ACC-\d{6}", r["取引先ID"]) for r in companies)
    assert all(datetime.fromisoformat(r["最終更新日時"]) for r in companies)
    deals = read_csv(out / "crm" / "deals.csv")
    assert list(deals[0]) == [
        "商談ID",
        "取引先ID",
        "商談名",
        "フェーズ",
        "完了日",
        "金額",
        "失注理由",
    ]
    assert {d["フェーズ"] for d in deals} == {"受注", "失注", "商談中"}
    assert all(d["失注理由"] for d in deals if d["フェーズ"] == "失注")
    assert all(date.fromisoformat(d["完了日"]) <= AS_OF for d in deals)
    reasons = {d["失注理由"] for d in deals}
    assert {"競合他社に決定", "他社製品に切替"} & reasons and {
        "来期予算承認後に再検討",
        "比較検討中",
    } & reasons
    acts = read_csv(out / "crm" / "activities.csv")
    assert list(acts[0]) == ["活動ID", "取引先ID", "日付", "種別"]
    assert {a["種別"] for a in acts} <= {
        "メール開封",
        "新機能メール開封",
        "料金ページ閲覧",
        "資料ダウンロード",
        "サポートページ閲覧",
        "訪問",
        "電話",
    }
    ids = {r["取引先ID"] for r in companies}
    assert {d["取引先ID"] for d in deals} <= ids and {a["取引先ID"] for a in acts} <= ids


def test_churned_companies_lost_their_last_deal_to_a_competitor(out: Path) -> None:
    entities = {e["entity_id"]: e for e in read_csv(out / "entities.csv")}
    by_entity = truth(out, "crm")
    last_deal: dict[str, dict[str, str]] = {}
    for deal in read_csv(out / "crm" / "deals.csv"):
        entity = by_entity[deal["取引先ID"]]
        if entity not in last_deal or deal["完了日"] >= last_deal[entity]["完了日"]:
            last_deal[entity] = deal
    churned = [e for e in entities.values() if e["pattern"] == "churned"]
    assert churned and all(e["entity_id"] in set(by_entity.values()) for e in churned)
    for e in churned:
        deal = last_deal[e["entity_id"]]
        assert deal["失注理由"] in ("競合他社に決定", "他社製品に切替")
        assert deal["完了日"] > e["last_purchase_date"]
    prospects = {e["entity_id"] for e in entities.values() if e["pattern"] == "prospect"}
    assert prospects and not prospects & set(truth(out, "sales_db").values())


def test_sales_db_planted_rows(out: Path) -> None:
    db_path = out / "sales.sqlite"
    master = sql_rows(db_path, "得意先マスタ")
    codes = {row[0] for row in master}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert all(row[2] is None or re.fullmatch(r"[\uff66-\uff9f ]+", row[2]) for row in master)
    assert any(row[3].startswith("〒") for row in master) and any(
        re.fullmatch(r"\d{7}", row[3]) for row in master
    )
    slips = sql_rows(db_path, "売上伝票")
    details = sql_rows(db_path, "売上明細")
    days = [valid_day(day) for _, _, day in slips]
    assert [s[2] for s, day in zip(slips, days, strict=True) if day is None] == [
        f"{AS_OF.year - 3}-02-30"
    ]
    assert all(AS_OF.replace(year=AS_OF.year - 5) <= day <= AS_OF for day in days if day)
    assert len([s for s in slips if s[1] not in codes]) == 1
    assert [d[6] for d in details if isinstance(d[6], str)] == ["要確認", "要確認"]
    amounts = [d[6] for d in details if isinstance(d[6], int)]
    assert 0.005 < sum(a < 0 for a in amounts) / len(amounts) < 0.04
    assert all(d[6] == d[4] * d[5] for d in details if isinstance(d[6], int))
    lines_per_slip = defaultdict(int)
    for d in details:
        lines_per_slip[d[0]] += 1
    assert set(lines_per_slip.values()) <= {1, 2, 3} and len(lines_per_slip) == len(slips)


def test_excel_layout_dates_and_bad_rows(out: Path) -> None:
    sheets = list(excel_sheets(out))
    assert {file for file, *_ in sheets} == {
        "営業訪問記録_東京支店.xlsx",
        "営業訪問記録_大阪支店.xlsx",
    }
    assert {header for *_, header, _ in sheets} == {3, 4}
    for *_, ws in sheets:
        assert ws.cell(1, 1).value.startswith("営業訪問記録（")
        assert [str(r) for r in ws.merged_cells.ranges] == ["A1:G1"]
    for path in (out / "excel").glob("*.xlsx"):
        assert "メモ" in openpyxl.load_workbook(path).sheetnames
    by_key = excel_rows(out)
    rows = list(by_key.values())
    dates = [row[4] for row in rows]
    assert any(isinstance(d, datetime) for d in dates)
    assert any(isinstance(d, str) and re.fullmatch(r"令和(元|\d+)年\d+月\d+日", d) for d in dates)
    assert any(isinstance(d, str) and re.fullmatch(r"R\d+\.\d+\.\d+", d) for d in dates)
    assert any(isinstance(d, str) and re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", d) for d in dates)
    assert any(
        isinstance(d, str) and re.fullmatch(r"[０-９]+年[０-９]+月[０-９]+日", d) for d in dates
    )
    assert "令和1年4月30日" in dates and any(
        isinstance(d, str) and d.endswith("/13/01") for d in dates
    )
    nameless = [row for row in rows if not row[1]]
    assert len(nameless) == 1 and all(nameless[0][i] for i in (0, 2, 3, 4, 5, 6))
    amounts = [row[6] for row in rows]
    assert any(isinstance(a, int) for a in amounts) and any(a is None for a in amounts)
    assert {"－", "不明"} <= set(amounts)
    assert any(isinstance(a, str) and a.startswith("¥") for a in amounts)
    assert any(isinstance(a, str) and "，" in a for a in amounts)
    assert any(row[3] in (None, "－") for row in rows)
    per_entity = defaultdict(set)
    for key, entity in truth(out, "excel").items():
        per_entity[entity].add(by_key[key][1])
    assert any(len(names) > 1 for names in per_entity.values())


def test_cli_and_minimum_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--out", str(tmp_path), "--companies", "60", "--seed", "1", "--as-of", "2026-11-23"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert printed["n_companies"] == 60 and printed["as_of"] == "2026-11-23"
    with pytest.raises(ValueError):
        generate(tmp_path, n_companies=10, as_of=AS_OF)
    main(["--out", str(tmp_path), "--companies", "60", "--as-of", "2026-11-23"])
    plain = json.loads(capsys.readouterr().out)["files"]["sales.sqlite"]["tables"]["売上明細"]
    main(
        ["--out", str(tmp_path), "--companies", "60", "--as-of", "2026-11-23", "--lines-scale", "2"]
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["lines_scale"] == 2
    assert 1.9 < printed["files"]["sales.sqlite"]["tables"]["売上明細"] / plain < 2.1
