"""Connectors read real files and databases and fail with errors that name the place."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from connectors import ConnectorError, load_sources, read_source, reads_natively
from connectors.base import EntityMapping, SourceConfig, apply_mapping
from connectors.csv_export import read_csv_entity
from connectors.excel import read_excel_entity
from connectors.sql import _sqlite_arrow_result, make_engine, read_sql_entity

REPO = Path(__file__).resolve().parents[1]


def company_mapping(**extra) -> EntityMapping:
    return EntityMapping(columns={"source_id": "得意先コード", "name": "得意先名"}, **extra)


def test_csv_cp932_keeps_codes_and_rare_characters(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes("得意先コード,得意先名\n000123,髙橋製作所①\n".encode("cp932"))
    result = read_csv_entity(
        company_mapping(path="t.csv", encoding="shift_jis"), "companies", tmp_path
    )
    assert result.rows.loc[0, "source_id"] == "000123"
    assert result.rows.loc[0, "name"] == "髙橋製作所①"
    assert result.rows.loc[0, "row_ref"] == "t.csv:2"


def test_csv_wrong_encoding_names_file_and_byte(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes("得意先コード,得意先名\n1,山田商事\n".encode("cp932"))
    with pytest.raises(ConnectorError, match=r"t\.csv: not valid utf-8-sig at byte \d+"):
        read_csv_entity(company_mapping(path="t.csv"), "companies", tmp_path)


def test_csv_missing_column_is_named(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("得意先コード,社名\n1,山田商事\n", encoding="utf-8")
    with pytest.raises(ConnectorError, match=r"t\.csv.*missing column\(s\) \['得意先名'\]"):
        read_csv_entity(company_mapping(path="t.csv"), "companies", tmp_path)


def write_staff_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    memo = book.active
    memo.title = "メモ"
    memo["A1"] = "来期は訪問件数を増やす"
    sheet = book.create_sheet("2025年度")
    sheet["A1"] = "営業訪問記録（東京支店）"
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append([])
    sheet.append(["No", "会社名", "訪問日", "見込金額"])  # header on row 4
    sheet.append([1, "㈱山田商事", dt.date(2025, 4, 1), "１，２００，０００"])
    sheet.append([2, None, "令和7年5月7日", None])  # merged with the name above
    sheet.merge_cells("B5:B6")
    sheet.append([])
    sheet.append([3, "サクラ工業(株)", "R7.6.1", "－"])
    book.save(path)


def test_excel_finds_header_skips_notes_fills_merged_cells(tmp_path: Path) -> None:
    write_staff_workbook(tmp_path / "visits.xlsx")
    mapping = EntityMapping(
        path="*.xlsx",
        header_contains=["会社名", "訪問日"],
        columns={"source_id": "row_ref", "name": "会社名"},
    )
    rows = read_excel_entity(mapping, "companies", tmp_path).rows
    assert rows["source_id"].tolist() == [
        "visits.xlsx:2025年度:5",
        "visits.xlsx:2025年度:6",
        "visits.xlsx:2025年度:8",
    ]
    assert rows["name"].tolist() == ["㈱山田商事", "㈱山田商事", "サクラ工業(株)"]


def test_corrupt_workbook_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"this is not a zip")
    mapping = EntityMapping(path="*.xlsx", columns={"source_id": "row_ref", "name": "会社名"})
    with pytest.raises(ConnectorError, match=r"broken\.xlsx: not a readable Excel workbook"):
        read_excel_entity(mapping, "companies", tmp_path)


def test_sql_reads_query_with_row_refs(tmp_path: Path) -> None:
    db = tmp_path / "sales.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE 得意先マスタ (得意先コード TEXT, 得意先名 TEXT)")
        conn.execute("INSERT INTO 得意先マスタ VALUES ('000042', '山田商事')")
    mapping = company_mapping(query="SELECT * FROM 得意先マスタ")
    rows = read_sql_entity(mapping, "companies", f"sqlite:///{db}").rows
    assert rows.to_dict("records") == [
        {"source_id": "000042", "name": "山田商事", "row_ref": "companies:000042"}
    ]


MASTER_COLUMNS = {
    "source_id": "得意先コード",
    "name": "得意先名",
    "capital_yen": "資本金",
    "employees": "従業員数",
    "phone": "電話番号",
    "corporate_number": "法人番号",
}


def _master(db: Path, odd_capital: object) -> None:
    """A master as 販売管理 systems keep them: SQLite stores each value with its own type, so
    the capital column holds `odd_capital` far below the rows a driver infers a type from,
    among integers and NULLs; employees are REALs, phones numbers, no 法人番号 at all."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE 得意先マスタ (得意先コード TEXT, 得意先名 TEXT, 資本金 INTEGER,"
            " 従業員数 REAL, 電話番号 INTEGER, 法人番号 TEXT)"
        )
        rows = [
            (f"{i:06d}", f"会社{i}", None if i % 5 == 0 else i * 1000, i / 4, None if i % 7 else i)
            for i in range(5000)
        ]
        rows[4000] = ("004000", "会社4000", odd_capital, 1.5, 312345678)
        conn.executemany("INSERT INTO 得意先マスタ VALUES (?, ?, ?, ?, ?, NULL)", rows)


def _read_both_ways(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The master read as configured, and through the cursor (a URL with a driver option)."""
    mapping = EntityMapping(query="SELECT * FROM 得意先マスタ", columns=MASTER_COLUMNS)
    url = f"sqlite:///{db}"
    read = read_sql_entity(mapping, "companies", url, chunk_rows=10_000).rows
    cursor = read_sql_entity(mapping, "companies", f"{url}?timeout=5", chunk_rows=10_000).rows
    assert _sqlite_arrow_result(make_engine(f"{url}?timeout=5"), "SELECT 1") is None
    return read, cursor


def test_sql_arrow_read_gives_the_cursors_frame(tmp_path: Path) -> None:
    db = tmp_path / "sales.sqlite"
    _master(db, odd_capital="1,200万")
    assert _sqlite_arrow_result(make_engine(f"sqlite:///{db}"), "SELECT 1") is not None
    arrow, cursor = _read_both_ways(db)
    assert len(arrow) == len(cursor) == 5000
    # the same dtypes and values, NaN for missing numbers, None for a column without a value
    pd.testing.assert_frame_equal(
        arrow.drop(columns=["capital_yen"]), cursor.drop(columns=["capital_yen"])
    )
    assert arrow["corporate_number"].tolist() == [None] * 5000
    # integers among text: the cursor's values as text
    assert [None if pd.isna(value) else value for value in arrow["capital_yen"]] == [
        None if value is None else str(value) for value in cursor["capital_yen"]
    ]
    assert arrow.loc[4000, "capital_yen"] == "1,200万"


def test_sql_reals_among_text_are_read_through_the_cursor(tmp_path: Path) -> None:
    """The driver would print 1234567.89 as 1.234568e+06: the cursor's values are kept."""
    db = tmp_path / "sales.sqlite"
    _master(db, odd_capital="1,200万")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE 得意先マスタ SET 資本金 = 1234567.89 WHERE 得意先コード = '000001'")
    query = "SELECT * FROM 得意先マスタ"
    assert _sqlite_arrow_result(make_engine(f"sqlite:///{db}"), query) is None
    arrow, cursor = _read_both_ways(db)
    pd.testing.assert_frame_equal(arrow, cursor)
    assert arrow.loc[1, "capital_yen"] == 1234567.89


def test_sql_text_that_is_not_utf8_is_named_as_before(tmp_path: Path) -> None:
    db = tmp_path / "sales.sqlite"
    _master(db, odd_capital=7)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE 得意先マスタ SET 得意先名 = CAST(X'ff' AS TEXT) WHERE 資本金 = 7")
    mapping = EntityMapping(query="SELECT * FROM 得意先マスタ", columns=MASTER_COLUMNS)
    with pytest.raises(ConnectorError, match=r"sales\.sqlite.*companies.*query failed"):
        read_sql_entity(mapping, "companies", f"sqlite:///{db}")


def test_sql_bad_query_is_a_connector_error(tmp_path: Path) -> None:
    mapping = company_mapping(query="SELECT * FROM no_such_table")
    with pytest.raises(ConnectorError, match="companies.*query failed"):
        read_sql_entity(mapping, "companies", f"sqlite:///{tmp_path / 'x.sqlite'}")


def test_sql_url_from_environment_variable(tmp_path: Path, monkeypatch) -> None:
    config = SourceConfig(
        kind="sql",
        url_env="TEST_SALES_DB_URL",
        entities={"companies": company_mapping(query="SELECT 1")},
    )
    monkeypatch.delenv("TEST_SALES_DB_URL", raising=False)
    with pytest.raises(ConnectorError, match=r"TEST_SALES_DB_URL \(url_env\) is not set"):
        read_source(config, tmp_path)


def test_only_arrow_and_adbc_reads_count_as_native(tmp_path: Path, monkeypatch) -> None:
    """Great Expectations' import may run beside these reads: they leave the GIL free."""
    sources = load_sources(REPO / "config" / "sources.example.yaml")
    native = {name: reads_natively(config, tmp_path) for name, config in sources.items()}
    by_kind = {sources[name].kind: value for name, value in native.items()}
    assert by_kind["csv"] and not by_kind["excel"]
    assert not any(by_kind[kind] for kind in ("salesforce", "hubspot", "kintone"))

    def sql(**url: str) -> SourceConfig:
        mapping = company_mapping(query="SELECT 1")
        return SourceConfig(kind="sql", entities={"companies": mapping}, **url)

    assert reads_natively(sql(url="sqlite:///{data_dir}/sales.sqlite"), tmp_path)
    assert not reads_natively(sql(url="sqlite://"), tmp_path)  # in memory: the cursor
    assert not reads_natively(sql(url="mysql+pymysql://root@127.0.0.1/test"), tmp_path)
    monkeypatch.setenv("TEST_SALES_DB_URL", "postgresql+psycopg://127.0.0.1/test")
    assert not reads_natively(sql(url_env="TEST_SALES_DB_URL"), tmp_path)
    monkeypatch.delenv("TEST_SALES_DB_URL")  # unset: the read reports it, not this
    assert not reads_natively(sql(url_env="TEST_SALES_DB_URL"), tmp_path)


def test_bundled_sources_file_is_valid() -> None:
    sources = load_sources(REPO / "config" / "sources.yaml")
    assert {"crm", "sales_db", "excel"} <= set(sources)


def test_example_sources_file_documents_every_kind() -> None:
    sources = load_sources(REPO / "config" / "sources.example.yaml")
    kinds = {config.kind for config in sources.values()}
    assert kinds == {"csv", "sql", "excel", "salesforce", "hubspot", "kintone"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("kind: hubspot\n    entities: {}", "needs `secrets`"),
        (
            "kind: kintone\n    url: https://x.cybozu.com\n    secrets: {api_token: abc123}\n"
            "    entities: {}",
            "must name an environment variable",
        ),
        (
            "kind: salesforce\n    url: https://x.my.salesforce.com\n"
            "    secrets: {client_id: A, client_secret: B}\n    entities:\n      companies:\n"
            "        columns: {source_id: Id, name: Name}",
            "a salesforce source needs `object`",
        ),
    ],
)
def test_api_source_config_errors_name_the_problem(tmp_path: Path, source: str, message: str):
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  crm:\n    {source}\n", encoding="utf-8")
    with pytest.raises(ConnectorError, match=message):
        load_sources(path)


def test_bad_source_config_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  crm:\n    kind: csv\n    entities:\n      companies:\n"
        "        path: a.csv\n        columns: {source_id: ID, name: N, colour: C}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConnectorError, match="colour"):
        load_sources(path)


def test_negative_when_negates_only_unsigned_amounts_of_coded_rows() -> None:
    mapping = EntityMapping.model_validate(
        {
            "columns": {
                "source_id": "ID",
                "company_source_id": "C",
                "transaction_date": "D",
                "amount": "金額",
            },
            "negative_when": {"column": "区分", "values": [2, 3]},  # numbers in YAML are fine
        }
    )
    frame = pd.DataFrame(
        {
            "ID": ["a", "b", "c", "d", "e"],
            "C": "1",
            "D": "20250401",
            "金額": [500, 500, "1,000", "▲1,000", -20],
            "区分": [1, 2, 3, 2, 2],
            "row_ref": "x",
        }
    )
    amounts = apply_mapping(frame, mapping, "transactions", "t")["amount"].tolist()
    assert amounts == [500, -500, "-1,000", "▲1,000", -20]


def test_coded_values_are_translated_and_others_kept() -> None:
    frame = pd.DataFrame(
        {
            "ID": ["1", "2", "3", "4", "5"],
            "段階": [" 受注", "失注 ", None, "保留", "受注"],
            "row_ref": ["r1", "r2", "r3", "r4", "r5"],
        }
    )
    mapping = EntityMapping(
        columns={"source_id": "ID", "stage": "段階"},
        values={"stage": {"受注": "won", "失注": "lost"}},
    )
    out = apply_mapping(frame, mapping, "deals", "deals.csv")
    assert out["stage"].tolist()[:2] == ["won", "lost"]
    assert pd.isna(out["stage"][2])
    assert out["stage"].tolist()[3:] == ["保留", "won"]  # an unknown code is left for staging
