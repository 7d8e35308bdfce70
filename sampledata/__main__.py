"""CLI: python -m sampledata --out DIR [--companies N] [--seed S] [--as-of YYYY-MM-DD]
[--lines-scale X]."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sampledata.generator import generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sampledata", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--companies", type=int, default=2000, help="true companies (entities)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="run date all dates are placed against (default: today in Asia/Tokyo)",
    )
    parser.add_argument(
        "--lines-scale",
        type=float,
        default=1.0,
        help="multiply the sales lines (about 13.8 per company) by this factor >= 1; "
        "companies, records and purchase dates stay the same",
    )
    args = parser.parse_args(argv)
    as_of = args.as_of or datetime.now(ZoneInfo("Asia/Tokyo")).date()
    manifest = generate(
        args.out,
        n_companies=args.companies,
        seed=args.seed,
        as_of=as_of,
        lines_scale=args.lines_scale,
    )
    print(json.dumps(manifest, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
