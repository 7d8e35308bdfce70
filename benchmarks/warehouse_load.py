"""Warehouse load speed: N transaction rows published into PostgreSQL and DuckDB, in rows/s.

    .venv/bin/python benchmarks/warehouse_load.py            # 10M rows
    .venv/bin/python benchmarks/warehouse_load.py --rows 1000000

Each figure is one full `publish()` of the `transactions` table, as the pipeline runs it:
conforming the DataFrame, the bulk load into a staging table, the primary key and indexes,
the swap and the commit. The second PostgreSQL run replaces a populated table. PostgreSQL runs
in a throwaway schema of HORIOKOSHI_BENCH_POSTGRES_URL (default: the local test server). The
target is >= 200,000 rows/s into PostgreSQL; the exit status is 1 when it is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from warehouse.publish import make_engine, publish

TARGET_ROWS_PER_SECOND = 200_000
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def transactions(rows: int, seed: int = 0) -> pd.DataFrame:
    """Sales lines shaped like the pipeline's: ~200k customers, 2 sources, 5 years of dates."""
    rng = np.random.default_rng(seed)

    def ids(prefix: str, values: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")

    def pick(choices: list[str]) -> pa.Array:
        return pc.take(pa.array(choices), pa.array(rng.integers(0, len(choices), rows)))

    customer = rng.integers(0, 200_000, rows)
    table = pa.table(
        {
            "source": pick(["hanbai", "crm_export"]),
            "source_id": ids("L", np.arange(rows)),
            "customer_id": ids("C", customer),
            "company_source_id": ids("T", customer),
            "transaction_date": pa.array(rng.integers(18_000, 20_000, rows).astype("int32")).cast(
                pa.date32()
            ),
            "amount": np.round(rng.lognormal(11, 1.2, rows), 0),
            "is_return": rng.random(rows) < 0.02,
            "product": pick(
                ["六角ボルト M8", "ナット M8", "平ワッシャー", "工具セット", "保守契約"]
            ),
        }
    )
    return table.to_pandas()


def timed_publish(url: str, frame: pd.DataFrame) -> float:
    """Seconds for one publish of the frame; checks every row arrived."""
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        publish(engine, {"transactions": frame})
        seconds = time.perf_counter() - start
        with engine.connect() as conn:
            loaded = conn.exec_driver_sql("SELECT COUNT(*) FROM transactions").scalar_one()
    finally:
        engine.dispose()
    if loaded != len(frame):
        raise SystemExit(f"loaded {loaded} rows, expected {len(frame)}")
    return seconds


def report(label: str, rows: int, seconds: float) -> float:
    rate = rows / seconds
    print(f"{label:<34} {rows:>12,} rows {seconds:>8.1f} s {rate:>12,.0f} rows/s", flush=True)
    return rate


def bench_postgres(url: str, frame: pd.DataFrame) -> float:
    """Both runs in a fresh schema, dropped afterwards; returns the slower run's rate."""
    admin = sa.create_engine(url)
    schema = f"hk_bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        target = scoped.render_as_string(hide_password=False)
        first = report("PostgreSQL COPY, empty warehouse", len(frame), timed_publish(target, frame))
        again = report("PostgreSQL COPY, replacing", len(frame), timed_publish(target, frame))
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    return min(first, again)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-duckdb", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("HORIOKOSHI_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)

    start = time.perf_counter()
    frame = transactions(args.rows)
    print(f"generated {len(frame):,} transaction rows in {time.perf_counter() - start:.1f} s")
    print(f"PostgreSQL: {sa.make_url(url).render_as_string(hide_password=True)}")
    rate = bench_postgres(url, frame)
    if not args.skip_duckdb:
        with tempfile.TemporaryDirectory() as folder:
            duck_url = f"duckdb:///{Path(folder) / 'bench.duckdb'}"
            report("DuckDB from Arrow, empty warehouse", len(frame), timed_publish(duck_url, frame))
    met = rate >= TARGET_ROWS_PER_SECOND
    print(f"PostgreSQL target >= {TARGET_ROWS_PER_SECOND:,} rows/s: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
