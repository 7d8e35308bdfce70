"""名寄せ from the command line, on any CSV: one output row per input row, with its customer.

    python -m cleansing.dedupe INPUT.csv --out OUTPUT.csv --id COL --name COL
        [--kana COL] [--address COL] [--phone COL] [--postal-code COL]
        [--corporate-number COL] [--source COL]
        [--overrides STEWARD.yaml] [--previous OLD_OUTPUT.csv] [--review REVIEW.csv]

For stewards checking a list and for benchmarking. The input may be UTF-8 (with or without
BOM) or cp932 (Shift_JIS), comma or tab separated; every cell is read as text. A row may carry
only a kana reading, such as a bank transfer name ｶ)ｻｶﾀﾉﾀﾈ: its reading stands in for the name
and matches a record whose reading agrees. Without --source every row belongs to the source
`input`, which is what --overrides must then name. --previous keeps the customer ids of an
earlier output. The output (UTF-8 with BOM, so that Excel shows it right) has record_id,
source, customer_id, the customer's golden name, the row's normalised name, legal form, branch
and name key, and the match reason and score; a row that cannot be matched (no name, an id
seen twice) has no customer_id and the reason `unusable:<why>`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cleansing.matching import Overrides, OverridesError, load_overrides, match_companies
from cleansing.staging import stage_entity
from connectors.base import ROW_REF, ConnectorError
from connectors.csv_export import read_csv_file

DEFAULT_SOURCE = "input"
# Canonical raw column <- command-line option naming the input column.
OPTIONS = {
    "source_id": "--id",
    "name": "--name",
    "kana": "--kana",
    "address": "--address",
    "phone": "--phone",
    "postal_code": "--postal-code",
    "corporate_number": "--corporate-number",
}
OUTPUT_COLUMNS = (
    "record_id",
    "source",
    "customer_id",
    "customer_name",
    "name",
    "legal_form",
    "branch",
    "name_key",
    "match_reason",
    "match_score",
)


class DedupeError(Exception):
    """A problem with the input or the options, told to the user as it is."""


def detect_encoding(data: bytes) -> str:
    """UTF-8 when the bytes decode as UTF-8 (a BOM included), otherwise cp932."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def read_input(path: Path) -> pd.DataFrame:
    """Every readable row of the CSV as text; unreadable rows are reported on stderr."""
    try:
        encoding = detect_encoding(path.read_bytes())
        table, rejects = read_csv_file(path, encoding)
    except (OSError, ConnectorError) as error:
        raise DedupeError(str(error)) from error
    for row in rejects.itertuples():
        print(f"warning: {row.location} skipped: {row.detail}", file=sys.stderr)
    return table.drop(columns=ROW_REF)


def raw_companies(table: pd.DataFrame, columns: dict[str, str], source: str | None) -> pd.DataFrame:
    """Canonical raw company rows from the input columns named by the options."""
    missing = [
        f"{column!r} (given as {OPTIONS.get(field, '--source')})"
        for field, column in [*columns.items(), ("source", source)]
        if column is not None and column not in table.columns
    ]
    if missing:
        raise DedupeError(
            f"the input has no column {', '.join(missing)}; "
            f"its columns are: {', '.join(table.columns)}"
        )
    raw = pd.DataFrame({field: table[column] for field, column in columns.items()})
    sources = table[source].str.strip() if source else pd.Series("", index=table.index)
    raw.insert(0, "source", sources.where(sources.ne(""), DEFAULT_SOURCE))
    return raw


def stage_companies(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage raw company rows of several sources (a `source` column): (staged, quarantine),
    the quarantine keeping each rejected row's position in `raw` as its location.

    A row without a name takes its reading as its name (a 全銀 transfer name is all it has).
    """
    if "kana" in raw:
        named = raw["name"].notna() & raw["name"].astype("string").str.strip().ne("")
        raw = raw.assign(name=raw["name"].where(named, raw["kana"]))
    staged, rejected = [], []
    for source, rows in raw.groupby("source", sort=True):
        good, bad = stage_entity(
            str(source), "companies", rows.drop(columns="source").assign(row_ref=rows.index)
        )
        staged.append(good)
        rejected.append(bad)
    if not staged:
        good, bad = stage_entity(DEFAULT_SOURCE, "companies", raw.drop(columns="source"))
        return good, bad
    return pd.concat(staged, ignore_index=True), pd.concat(rejected, ignore_index=True)


def dedupe(
    raw: pd.DataFrame,
    overrides: Overrides | None = None,
    previous: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one output row per raw row in its order, the review pairs) for canonical raw rows."""
    staged, rejected = stage_companies(raw)
    result = match_companies(staged, previous_map=previous, overrides=overrides)
    golden = result.customers.set_index("customer_id")["name"]
    matched = staged.merge(result.crosswalk, on=["source", "source_id"], validate="1:1")
    matched["customer_name"] = matched["customer_id"].map(golden)
    key = raw["source"] + ":" + raw["source_id"].astype("string").str.strip().fillna("")
    out = matched.set_index("record_key").reindex(key.to_numpy())
    out.index = raw.index
    unusable = rejected.set_index(rejected["location"].astype("int64"))["reason"]
    reason = out["match_reason"].astype(object)
    reason[unusable.index] = "unusable:" + unusable
    out = out.assign(record_id=raw["source_id"], source=raw["source"], match_reason=reason)
    out.loc[unusable.index, [*OUTPUT_COLUMNS[2:-2], "match_score"]] = None
    return out[list(OUTPUT_COLUMNS)], result.review


def _previous(path: Path) -> pd.DataFrame:
    """An earlier output as the matcher's previous crosswalk."""
    table = read_input(path)
    missing = {"record_id", "source", "customer_id"} - set(table.columns)
    if missing:
        raise DedupeError(f"{path} is no output of this command: it lacks {sorted(missing)}")
    table = table[table["customer_id"].str.strip().ne("")]
    return table.rename(columns={"record_id": "source_id"})[["source", "source_id", "customer_id"]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cleansing.dedupe",
        description="Deduplicate the company rows of a CSV (名寄せ) into customers.",
    )
    parser.add_argument("input", type=Path, help="CSV in UTF-8 or cp932")
    parser.add_argument("--out", type=Path, required=True, help="output CSV")
    parser.add_argument("--id", required=True, help="column with the row's id")
    parser.add_argument("--name", required=True, help="column with the company name")
    for field, option in OPTIONS.items():
        if field not in ("source_id", "name"):
            parser.add_argument(option, help=f"column with the {field.replace('_', ' ')}")
    parser.add_argument("--source", help=f"column naming each row's source ({DEFAULT_SOURCE})")
    parser.add_argument("--overrides", type=Path, help="steward must-link/cannot-link YAML")
    parser.add_argument("--previous", type=Path, help="an earlier output whose ids to keep")
    parser.add_argument("--review", type=Path, help="CSV for the borderline pairs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    columns = {
        field: getattr(args, option[2:].replace("-", "_"))
        for field, option in OPTIONS.items()
        if getattr(args, option[2:].replace("-", "_")) is not None
    }
    try:
        raw = raw_companies(read_input(args.input), columns, args.source)
        overrides = load_overrides(args.overrides) if args.overrides else None
        previous = _previous(args.previous) if args.previous else None
        out, review = dedupe(raw, overrides, previous)
    except (DedupeError, OverridesError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out.to_csv(args.out, index=False, encoding="utf-8-sig")
    if args.review:
        review.to_csv(args.review, index=False, encoding="utf-8-sig")
    customers = out["customer_id"].nunique()
    unusable = out["customer_id"].isna().sum()
    print(
        f"{len(out)} rows -> {customers} customers, {len(review)} pairs for review, "
        f"{unusable} unusable rows",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
