"""CSV exports and staff workbooks with every pitfall of issue 7, read and then staged."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import msoffcrypto.format.ooxml
import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlwt

from cleansing.staging import stage_entity
from connectors import ConnectorError
from connectors.base import EntityMapping
from connectors.csv_export import _has_odd_lines, _mark_lines, read_csv_entity, read_csv_file
from connectors.excel import read_excel_entity

SALES_COLUMNS = {
    "source_id": "伝票番号",
    "company_source_id": "得意先コード",
    "transaction_date": "売上日",
    "amount": "金額",
    "product": "商品名",
}
EXPORT = [  # 伝票番号, 得意先コード, 売上日, 金額, 商品名 (as a 販売管理 system writes them)
    ("S001", "000123", "令和5年4月1日", '"1,000"', "髙品質ボルト①"),
    ("S002", "000123", "R5.4.1", '"▲5,000"', "返品～"),
    ("S003", "007", "令和元年5月1日", "△300", "値引"),
    ("S004", "007", "２０２３年４月１日", "１，２００", "全角"),
    ("S005", "007", "20230401", "-700", "マイナス"),
    ("S006", "007", "令和1年4月30日", "100", "平成のはず"),  # 令和 begins 2019-05-01
    ("S007", "007", "20230401", "要確認", "金額が文字"),
]


def write_export(path: Path, sep: str, encoding: str, extra: str = "") -> None:
    lines = [sep.join(["伝票番号", "得意先コード", "売上日", "金額", "商品名"])]
    lines += [sep.join(row) for row in EXPORT]
    path.write_bytes(("\r\n".join(lines) + "\r\n" + extra).encode(encoding))


def stage(result, entity: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    staged, quarantine = stage_entity("export", entity, result.rows)
    return staged, pd.concat([result.rejects, quarantine], ignore_index=True)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_cp932_export_stages_every_pitfall(tmp_path: Path, sep: str) -> None:
    write_export(tmp_path / "uriage.csv", sep, "cp932", extra=sep.join(["S008", "007"]) + "\r\n")
    mapping = EntityMapping(path="uriage.csv", encoding="cp932", columns=SALES_COLUMNS)
    result = read_csv_entity(mapping, "transactions", tmp_path, "export")
    staged, quarantine = stage(result, "transactions")
    assert staged["source_id"].tolist() == ["S001", "S002", "S003", "S004", "S005"]
    assert staged["company_source_id"].tolist() == ["000123", "000123", "007", "007", "007"]
    assert staged["amount"].tolist() == [1000, -5000, -300, 1200, -700]
    dates = pd.to_datetime(staged["transaction_date"]).dt.date.tolist()
    assert dates == [dt.date(2023, 4, 1)] * 2 + [dt.date(2019, 5, 1)] + [dt.date(2023, 4, 1)] * 2
    assert staged.loc[0, "product"] == "髙品質ボルト①"
    assert staged.loc[1, "product"] == "返品～"
    by_location = dict(zip(quarantine["location"], quarantine["reason"], strict=True))
    assert by_location == {
        "uriage.csv:9": "row_field_count",
        "uriage.csv:7": "transaction_date_era_out_of_range",
        "uriage.csv:8": "amount_not_a_number",
    }
    assert result.rows_read == len(staged) + len(quarantine) == 8


def test_utf8_bom_export_with_explicit_delimiter(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("得意先コード;得意先名\n0042;山田商事\n", encoding="utf-8-sig")
    mapping = EntityMapping(
        path="a.csv", delimiter=";", columns={"source_id": "得意先コード", "name": "得意先名"}
    )
    rows = read_csv_entity(mapping, "companies", tmp_path).rows
    assert rows.to_dict("records") == [
        {"source_id": "0042", "name": "山田商事", "row_ref": "a.csv:2"}
    ]


def test_csv_cells_are_arrow_text_even_when_a_header_repeats(tmp_path: Path) -> None:
    """Arrow-backed text, not Python objects: a quarter of the memory, fast between assets."""
    text = "コード,名前,名前\n001,山田,\n002,,鈴木\n"
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    frame, rejects = read_csv_file(tmp_path / "a.csv", "utf-8")
    assert list(frame.columns) == ["コード", "名前", "名前", "row_ref"]
    assert all(dtype == "str" for dtype in frame.dtypes)
    assert frame.values.tolist() == [["001", "山田", "", "a.csv:2"], ["002", "", "鈴木", "a.csv:3"]]
    assert rejects.empty


def test_shift_jis_is_read_as_cp932(tmp_path: Path) -> None:
    write_export(tmp_path / "u.csv", ",", "cp932")
    mapping = EntityMapping(path="u.csv", encoding="shift_jis", columns=SALES_COLUMNS)
    rows = read_csv_entity(mapping, "transactions", tmp_path).rows
    assert rows.loc[0, "product"] == "髙品質ボルト①"


def read_bytes(tmp_path: Path, data: bytes, encoding: str = "utf-8") -> tuple[list, list]:
    """read_csv_file's rows and rejects as plain lists, for exact comparison."""
    (tmp_path / "e.csv").write_bytes(data)
    frame, rejects = read_csv_file(tmp_path / "e.csv", encoding)
    assert all(dtype == "str" for dtype in frame.dtypes)
    return frame.values.tolist(), rejects.values.tolist()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_row_numbers_count_records(tmp_path: Path, newline: str) -> None:
    """A quoted line break stays in its cell and its record; a blank line has a number but is
    no row; a row of empty cells is a row; the last line needs no line break."""
    lines = ["id,memo,amount", '001,"line one', 'line two, with comma",100', "", "002,,", ",,"]
    rows, rejects = read_bytes(tmp_path, (newline.join(lines) + newline + "003,x,3").encode())
    assert rows == [
        ["001", f"line one{newline}line two, with comma", "100", "e.csv:2"],
        ["002", "", "", "e.csv:4"],
        ["", "", "", "e.csv:5"],
        ["003", "x", "3", "e.csv:6"],
    ]
    assert rejects == []


def test_csv_short_and_long_rows_are_rejected_with_their_fields(tmp_path: Path) -> None:
    text = 'a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n"x\ny",8,"9,0",10\n10,11,12\n'
    rows, rejects = read_bytes(tmp_path, text.encode())
    assert rows == [["1", "2", "3", "e.csv:2"], ["10", "11", "12", "e.csv:7"]]
    assert rejects == [
        ["e.csv:3", "row_field_count", "2 fields where the header has 3", ["4", "5"]],
        ["e.csv:5", "row_field_count", "4 fields where the header has 3", ["6", "7", "8", "9"]],
        [
            "e.csv:6",
            "row_field_count",
            "4 fields where the header has 3",
            ["x\ny", "8", "9,0", "10"],
        ],
    ]


def test_tab_delimited_csv_keeps_repeated_header_names(tmp_path: Path) -> None:
    text = " コード \t名前\t名前\r\n001\t山田\t\r\n002\t\t鈴木, 一郎\r\n"
    (tmp_path / "t.csv").write_bytes(text.encode("utf-8-sig"))
    frame, rejects = read_csv_file(tmp_path / "t.csv", "utf-8-sig")
    assert list(frame.columns) == ["コード", "名前", "名前", "row_ref"]
    assert frame.values.tolist() == [
        ["001", "山田", "", "t.csv:2"],
        ["002", "", "鈴木, 一郎", "t.csv:3"],
    ]
    assert rejects.empty


def test_cp932_line_with_a_broken_byte_is_quarantined(tmp_path: Path) -> None:
    data = "コード,名前\r\n001,山田\r\n".encode("cp932") + b"002,\x85\x40"
    data += "商事\r\n003,髙橋①\r\n".encode("cp932")
    rows, rejects = read_bytes(tmp_path, data, "cp932")
    assert rows == [["001", "山田", "e.csv:2"], ["003", "髙橋①", "e.csv:4"]]
    assert rejects == [
        ["e.csv:3", "encoding_invalid", "bytes not valid cp932", ["002", "\ufffd@商事"]]
    ]


def test_single_column_csv_skips_blank_lines(tmp_path: Path) -> None:
    rows, rejects = read_bytes(tmp_path, b"id\n001\n\n\r\n002\n\n")
    assert rows == [["001", "e.csv:2"], ["002", "e.csv:5"]]
    assert rejects == []


def test_csv_blank_line_in_a_quoted_cell_and_an_unclosed_quote(tmp_path: Path) -> None:
    text = 'a,b,c\n1,"x\n\ny",3\n\n4,5,6\n7,"open\n\n'
    rows, rejects = read_bytes(tmp_path, text.encode())
    assert rows == [["1", "x\n\ny", "3", "e.csv:2"], ["4", "5", "6", "e.csv:4"]]
    assert rejects == [
        ["e.csv:5", "row_field_count", "2 fields where the header has 3", ["7", "open\n\n"]]
    ]


def test_csv_carriage_returns_as_csv_reader_reads_them(tmp_path: Path) -> None:
    """CR CR LF is one line break, a CR inside quotes is text; a CR alone ends no line."""
    rows, _ = read_bytes(tmp_path, b'a,b\r\r\n1,"x\ry"\r\r\n3,4')
    assert rows == [["1", "x\ry", "e.csv:2"], ["3", "4", "e.csv:3"]]
    with pytest.raises(ConnectorError, match=r"e\.csv: cannot parse CSV: new-line character"):
        read_bytes(tmp_path, b"a,b\n1,2\r3,4\n")


@pytest.mark.parametrize("data", [b"", "\ufeff".encode(), b"\na,b\n1,2\n"])
def test_csv_without_header_row_is_named(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ConnectorError, match=r"e\.csv: empty file \(no header row\)"):
        read_bytes(tmp_path, data, "utf-8-sig")


def test_csv_cell_over_the_field_size_limit_is_an_error(tmp_path: Path) -> None:
    """Mostly an unclosed quote that swallowed the rest of the file."""
    data = b'a,b\n1,"' + b"x" * 131_073 + b'"\n'
    with pytest.raises(ConnectorError, match=r"e\.csv: cannot parse CSV: field larger"):
        read_bytes(tmp_path, data)


HEADER = ["No", "会社名", "電話番号", "訪問日", "見込金額"]
VISITS = [
    [1, "㈱山田商事", "03-1111-2222", dt.date(2025, 4, 1), "１，２００，０００"],
    [2, None, "空欄", "令和7年5月7日", "－"],  # name merged with the row above
    [3, "サクラ工業(株)", "ー", 45017, "＠"],  # Excel serial for 2023-04-01
    [4, "不明", "不明", "R7.6.1", "300,000"],  # a placeholder where a name is required
    [5, "ヒノキ産業", None, "2025/13/40", None],  # impossible date
]


def write_visits_xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "メモ"
    book.active["A1"] = "来期は訪問件数を増やす"
    for name in ("東京", "大阪"):
        sheet = book.create_sheet(name)
        sheet["A1"] = f"営業訪問記録（{name}支店）"
        sheet.merge_cells("A1:E1")
        sheet["A2"] = "※ 金額は税抜"
        sheet.append([])
        sheet.append(HEADER)  # row 4
        for row in VISITS:
            sheet.append(row)
        sheet.merge_cells("B5:B6")
    book.save(path)


def write_visits_xls(path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("東京")
    sheet.write(0, 0, "営業訪問記録")
    for col, label in enumerate(HEADER):
        sheet.write(2, col, label)
    for r, row in enumerate(VISITS, start=3):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, c, value, xlwt.easyxf(num_format_str="yyyy-mm-dd"))
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(path))


def visits_mapping(path: str, **extra) -> EntityMapping:
    return EntityMapping(
        path=path,
        header_contains=["会社名", "訪問日"],
        columns={"source_id": "row_ref", "company_source_id": "会社名", "activity_date": "訪問日"},
        constants={"activity_type": "visit"},
        **extra,
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_workbook_stages_every_pitfall(tmp_path: Path, suffix: str) -> None:
    write_visits_xlsx(tmp_path / "visits.xlsx")
    if suffix == ".xlsm":
        shutil.move(tmp_path / "visits.xlsx", tmp_path / "visits.xlsm")
    result = read_excel_entity(
        visits_mapping("visits.xls*", sheets=["東京"]), "activities", tmp_path
    )
    staged, quarantine = stage(result, "activities")
    assert staged["company_source_id"].tolist() == ["㈱山田商事", "㈱山田商事", "サクラ工業(株)"]
    dates = pd.to_datetime(staged["activity_date"]).dt.date.tolist()
    assert dates == [dt.date(2025, 4, 1), dt.date(2025, 5, 7), dt.date(2023, 4, 1)]
    where = f"visits{suffix}:東京"
    assert dict(zip(quarantine["location"], quarantine["reason"], strict=True)) == {
        f"{where}:8": "company_source_id_missing",
        f"{where}:9": "activity_date_invalid_date",
    }


def test_companies_from_workbook_treat_placeholders_as_missing(tmp_path: Path) -> None:
    write_visits_xlsx(tmp_path / "visits.xlsx")
    mapping = EntityMapping(
        path="visits.xlsx",
        header_contains=["会社名"],
        columns={"source_id": "row_ref", "name": "会社名", "phone": "電話番号"},
        missing_values=["空欄"],
    )
    result = read_excel_entity(mapping, "companies", tmp_path)
    staged, quarantine = stage(result, "companies")
    assert len(result.rows) == 10  # both branch sheets, the memo sheet skipped
    assert staged["phone"].isna().tolist() == [False, True, True, True] * 2
    assert set(quarantine["reason"]) == {"name_missing"}


def test_xls_workbook_is_read(tmp_path: Path) -> None:
    write_visits_xls(tmp_path / "old.xls")
    result = read_excel_entity(visits_mapping("*.xls"), "activities", tmp_path)
    staged, _ = stage(result, "activities")
    assert result.rows["row_ref"].iloc[0] == "old.xls:東京:4"
    assert staged["company_source_id"].iloc[0] == "㈱山田商事"
    assert pd.to_datetime(staged["activity_date"]).dt.date.iloc[0] == dt.date(2025, 4, 1)


def test_password_protected_workbook_is_named(tmp_path: Path) -> None:
    write_visits_xlsx(tmp_path / "plain.xlsx")
    with (
        (tmp_path / "plain.xlsx").open("rb") as plain,
        (tmp_path / "secret.xlsx").open("wb") as out,
    ):
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("pw", out)
    (tmp_path / "plain.xlsx").unlink()
    with pytest.raises(ConnectorError, match=r"secret\.xlsx: the workbook is password-protected"):
        read_excel_entity(visits_mapping("*.xlsx"), "activities", tmp_path)


def test_configured_sheet_that_is_missing_or_has_no_header_is_named(tmp_path: Path) -> None:
    write_visits_xlsx(tmp_path / "v.xlsx")
    with pytest.raises(ConnectorError, match=r"v\.xlsx: no sheet\(s\) \['名古屋'\]"):
        read_excel_entity(visits_mapping("v.xlsx", sheets=["名古屋"]), "activities", tmp_path)
    with pytest.raises(ConnectorError, match=r"v\.xlsx: sheet 'メモ' has no header row"):
        read_excel_entity(visits_mapping("v.xlsx", sheets=["メモ"]), "activities", tmp_path)


def test_the_usual_export_skips_marking_and_the_others_are_marked() -> None:
    """The quick check that spares most files the marking pass agrees with the marking pass
    on random mixes of line breaks, blank lines, lone CRs and quotes."""
    rng = np.random.default_rng(3)
    pieces = [b"a", b",", b'"', b"\r\n", b"\n", b"\r", "東".encode()]
    seen = set()
    for _ in range(3000):
        data = b"".join(rng.choice(pieces, rng.integers(0, 12)))
        codes = np.frombuffer(data, np.uint8)
        breaks = np.flatnonzero((codes == 10) | (codes == 13))
        breaks = breaks[breaks + 1 < len(codes)]
        this, after = codes[breaks], codes[breaks + 1]
        odd = ((this == 10) & ((after == 10) | (after == 13))) | ((this == 13) & (after != 10))
        assert _has_odd_lines(memoryview(data)) == odd.any(), data
        assert (_mark_lines(memoryview(data))[1] is None) == (not odd.any()), data
        seen.add(bool(odd.any()))
    assert seen == {True, False}
