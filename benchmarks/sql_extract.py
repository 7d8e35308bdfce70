"""Stream N sales lines (default 1M) from MariaDB through the SQL connector; print rows/s and
peak memory. Target: >= 100k rows/s with memory bounded by the chunk size, not by N.

    .venv/bin/python benchmarks/sql_extract.py [--rows N] [--chunk-rows C] [--url URL]

Creates a uniquely named 売上明細 table with MariaDB's sequence engine, reads it back with
`iter_entity_chunks` (server-side cursor, column mapping, 区分-coded returns) and drops it.
"""

from __future__ import annotations

import argparse
import resource
import time
import uuid

import sqlalchemy as sa

from connectors.base import EntityMapping
from connectors.sql import iter_entity_chunks

DEFAULT_URL = "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create_lines(engine: sa.Engine, table: str, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {table} (明細番号 BIGINT PRIMARY KEY, 得意先コード VARCHAR(10), "
                "売上日 DATE, 区分 CHAR(1), 金額 DECIMAL(12,0), 商品名 VARCHAR(40))"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {table} SELECT seq, LPAD(seq MOD 3000, 6, '0'), "
                "DATE '2024-01-01' + INTERVAL (seq MOD 700) DAY, 1 + seq MOD 3, "
                f"seq MOD 100000, CONCAT('商品', seq MOD 50) FROM seq_1_to_{rows}"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    table = f"bench_lines_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(args.url)
    mapping = EntityMapping(
        query=f"SELECT * FROM {table}",
        columns={
            "source_id": "明細番号",
            "company_source_id": "得意先コード",
            "transaction_date": "売上日",
            "amount": "金額",
            "product": "商品名",
        },
        negative_when={"column": "区分", "values": ["2", "3"]},
    )
    try:
        started = time.perf_counter()
        create_lines(engine, table, args.rows)
        print(f"created {args.rows:,} lines in {time.perf_counter() - started:.1f} s")
        baseline = peak_rss_mb()
        started = time.perf_counter()
        count = 0
        for chunk in iter_entity_chunks(mapping, "transactions", args.url, args.chunk_rows):
            count += len(chunk)
        seconds = time.perf_counter() - started
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
    print(f"read {count:,} lines in {seconds:.2f} s: {count / seconds:,.0f} rows/s")
    print(
        f"peak RSS {peak_rss_mb():.0f} MB (before reading {baseline:.0f} MB, "
        f"chunks of {args.chunk_rows:,} rows)"
    )


if __name__ == "__main__":
    main()
