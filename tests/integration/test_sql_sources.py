"""The SQL connector against the real MariaDB and PostgreSQL servers of this machine, and SQLite.

Each test creates its own tables under a unique suffix and drops them, so parallel runs do
not collide. Under CI=true a missing server fails the test instead of skipping it.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from cleansing.staging import stage_entity
from connectors import ConnectorError
from connectors.base import EntityMapping
from connectors.sql import iter_entity_chunks, read_sql_entity

SERVERS = {
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
}


@dataclass
class Database:
    url: str
    engine: sa.Engine
    suffix: str


def server_engine(name: str) -> sa.Engine:
    engine = sa.create_engine(SERVERS[name], connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        message = f"{name} is not reachable at {engine.url.host}:{engine.url.port}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return engine


def build_schema(metadata: sa.MetaData, suffix: str) -> dict[str, sa.Table]:
    col = sa.Column
    return {
        "master": sa.Table(
            f"得意先マスタ_{suffix}",
            metadata,
            col("得意先コード", sa.String(10), primary_key=True),
            col("得意先名", sa.String(80)),
        ),
        "header": sa.Table(
            f"売上伝票_{suffix}",
            metadata,
            col("伝票番号", sa.Integer, primary_key=True),
            col("得意先コード", sa.String(10)),
            col("売上日", sa.Date),
        ),
        "detail": sa.Table(
            f"売上明細_{suffix}",
            metadata,
            col("明細番号", sa.String(20), primary_key=True),
            col("伝票番号", sa.Integer),
            col("区分", sa.String(1)),
            col("金額", sa.Numeric(12, 0)),
            col("金額表示", sa.String(20)),
        ),
    }


MASTER = [
    {"得意先コード": "000123", "得意先名": "髙橋製作所①"},
    {"得意先コード": "000456", "得意先名": "株式会社サクラ"},
]
HEADER = [{"伝票番号": 1, "得意先コード": "000123", "売上日": dt.date(2025, 4, 1)}]
DETAIL = [  # id, slip, 区分 (1 売上 / 2 返品 / 3 値引), 金額, 金額 as the system prints it
    ("1-1", 1, "1", 1200, "1,200"),
    ("1-2", 1, "2", 5000, "▲5,000"),  # return coded by 区分, printed with ▲
    ("1-3", 1, "3", 300, "△300"),  # discount
    ("1-4", 1, "1", -700, "-700"),  # a return stored as a negative amount
    ("1-5", 1, "1", 40, "(40)"),
]


@pytest.fixture(params=["sqlite", "mariadb", "postgresql"])
def db(request, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sales.sqlite'}"
        engine = sa.create_engine(url)
    else:
        engine = server_engine(request.param)
        url = SERVERS[request.param]
    metadata = sa.MetaData()
    suffix = uuid.uuid4().hex[:8]
    tables = build_schema(metadata, suffix)
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(tables["master"].insert(), MASTER)
            conn.execute(tables["header"].insert(), HEADER)
            conn.execute(
                tables["detail"].insert(),
                [
                    dict(zip(["明細番号", "伝票番号", "区分", "金額", "金額表示"], r, strict=True))
                    for r in DETAIL
                ],
            )
        yield Database(url, engine, suffix)
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def lines_mapping(db: Database, amount: str, **extra) -> EntityMapping:
    query = (
        f"SELECT d.明細番号, h.得意先コード, h.売上日, d.区分, d.金額, d.金額表示 "
        f"FROM 売上明細_{db.suffix} d JOIN 売上伝票_{db.suffix} h ON h.伝票番号 = d.伝票番号 "
        f"ORDER BY d.明細番号"
    )
    return EntityMapping(
        query=query,
        columns={
            "source_id": "明細番号",
            "company_source_id": "得意先コード",
            "transaction_date": "売上日",
            "amount": amount,
        },
        **extra,
    )


def test_master_keeps_leading_zeros_and_rare_characters(db: Database) -> None:
    mapping = EntityMapping(
        query=f"SELECT * FROM 得意先マスタ_{db.suffix} ORDER BY 得意先コード",
        columns={"source_id": "得意先コード", "name": "得意先名"},
    )
    rows = read_sql_entity(mapping, "companies", db.url).rows
    assert rows.to_dict("records") == [
        {"source_id": "000123", "name": "髙橋製作所①", "row_ref": "companies:000123"},
        {"source_id": "000456", "name": "株式会社サクラ", "row_ref": "companies:000456"},
    ]


def test_header_detail_join_streams_in_chunks(db: Database) -> None:
    chunks = list(iter_entity_chunks(lines_mapping(db, "金額"), "transactions", db.url, 2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [r for c in chunks for r in c["source_id"]] == ["1-1", "1-2", "1-3", "1-4", "1-5"]


def test_returns_coded_by_kubun_become_negative(db: Database) -> None:
    negative = {"column": "区分", "values": ["2", "3"]}
    raw = read_sql_entity(lines_mapping(db, "金額", negative_when=negative), "transactions", db.url)
    staged, quarantine = stage_entity("sales", "transactions", raw.rows)
    assert quarantine.empty
    assert staged["amount"].tolist() == [1200, -5000, -300, -700, 40]
    assert staged["is_return"].tolist() == [False, True, True, True, False]
    assert str(staged.loc[0, "transaction_date"])[:10] == "2025-04-01"


def test_returns_printed_with_triangles_become_negative(db: Database) -> None:
    raw = read_sql_entity(lines_mapping(db, "金額表示"), "transactions", db.url)
    staged, quarantine = stage_entity("sales", "transactions", raw.rows)
    assert quarantine.empty
    assert staged["amount"].tolist() == [1200, -5000, -300, -700, -40]


def test_bad_query_names_the_database_without_password(db: Database) -> None:
    url = sa.make_url(db.url)
    if url.password is None and url.host:
        url = url.set(password="s3cret")  # trust/no-password servers ignore it
    mapping = EntityMapping(
        query="SELECT * FROM no_such_table_x", columns={"source_id": "a", "name": "b"}
    )
    with pytest.raises(ConnectorError, match=r"\(companies\): query failed") as error:
        read_sql_entity(mapping, "companies", url.render_as_string(hide_password=False))
    assert "s3cret" not in str(error.value)


def test_incremental_read_takes_only_slips_above_the_last_mark(db: Database) -> None:
    query = (
        f"SELECT d.明細番号, d.伝票番号, h.得意先コード, h.売上日, d.金額 "
        f"FROM 売上明細_{db.suffix} d JOIN 売上伝票_{db.suffix} h ON h.伝票番号 = d.伝票番号"
    )
    columns = {"source_id": "明細番号", "company_source_id": "得意先コード", "amount": "金額"}
    mapping = EntityMapping(
        query=query, columns=columns | {"transaction_date": "売上日"}, incremental_column="伝票番号"
    )
    first = read_sql_entity(mapping, "transactions", db.url)
    assert first.complete and first.mark == 1 and len(first.rows) == len(DETAIL)
    metadata = sa.MetaData()
    tables = build_schema(metadata, db.suffix)
    with db.engine.begin() as conn:
        conn.execute(
            tables["header"].insert(),
            [{"伝票番号": 2, "得意先コード": "000456", "売上日": dt.date(2025, 4, 2)}],
        )
        conn.execute(
            tables["detail"].insert(),
            [{"明細番号": "2-1", "伝票番号": 2, "区分": "1", "金額": 9, "金額表示": "9"}],
        )
    night = read_sql_entity(mapping, "transactions", db.url, since=first.mark)
    assert not night.complete and night.mark == 2
    assert night.rows["source_id"].tolist() == ["2-1"]
    quiet = read_sql_entity(mapping, "transactions", db.url, since=night.mark)
    assert quiet.rows.empty and quiet.mark == 2
