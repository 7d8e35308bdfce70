"""The data dictionary, docs/data-dictionary.md, generated from warehouse/schema.py.

`python -m warehouse.dictionary` (`make dictionary`) rewrites the file; a test fails when the
committed file differs from what the schema generates, so the two cannot drift apart.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from warehouse.roles import BI_ROLE
from warehouse.schema import TABLES, VIEWS, bi_readable, keyed_on_duckdb

DICTIONARY_PATH = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"
_POSTGRESQL = postgresql.dialect()

HEADER = f"""# Data dictionary / データ辞書

Generated from `warehouse/schema.py` by `python -m warehouse.dictionary` (`make dictionary`);
do not edit by hand. The embedded DuckDB warehouse and PostgreSQL hold the same tables, primary
keys, views and comments; every description below is a `COMMENT ON` its table, view or column,
which BI tools show. Types are PostgreSQL's; the indexes on the columns BI joins and filters
on exist on PostgreSQL. Each pipeline run replaces every table as a whole, in one transaction.

The read-only role `{BI_ROLE}` (`make bi-role`) may read every view and every table marked
"BI role: SELECT" below.
"""


def _split(comment: str) -> tuple[str, str]:
    """'English / 日本語' -> ('English', '日本語'); the English part may itself hold ' / '."""
    english, _, japanese = comment.rpartition(" / ")
    return english, japanese


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table_section(table: sa.Table) -> list[str]:
    english, japanese = _split(table.comment)
    keys = ", ".join(f"`{c.name}`" for c in table.primary_key.columns) or "none"
    if table.primary_key.columns and not keyed_on_duckdb(table):
        keys += " (on DuckDB no key constraint: the publish keeps it unique)"
    indexes = ", ".join(sorted(f"`{', '.join(index.columns.keys())}`" for index in table.indexes))
    access = "SELECT" if bi_readable(table) else "no access (raw source values)"
    lines = [
        f"### `{table.name}`",
        "",
        f"{english}  ",
        japanese,
        "",
        f"Primary key: {keys}. Indexed (PostgreSQL): {indexes or 'none'}. BI role: {access}.",
        "",
        "| column | type | description | 説明 |",
        "| --- | --- | --- | --- |",
    ]
    for column in table.columns:
        col_english, col_japanese = _split(column.comment)
        type_ = column.type.compile(dialect=_POSTGRESQL)
        lines.append(
            f"| `{column.name}` | {type_} | {_cell(col_english)} | {_cell(col_japanese)} |"
        )
    return [*lines, ""]


def render() -> str:
    """The whole dictionary as Markdown."""
    lines = [HEADER, "## Tables", ""]
    for table in TABLES.values():
        lines += _table_section(table)
    lines += ["## Views", ""]
    for view in VIEWS.values():
        english, japanese = _split(view.comment)
        sql = textwrap.dedent(view.sql).strip()
        lines += [f"### `{view.name}`", "", f"{english}  ", japanese, "", "```sql", sql, "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DICTIONARY_PATH)
    args = parser.parse_args(argv)
    args.output.write_text(render(), encoding="utf-8")
    print(f"data dictionary written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
