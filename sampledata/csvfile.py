"""CSV reading and writing shared by the CRM export and the ground-truth files."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False
) -> int:
    """Write rows under `header` (None becomes an empty cell); return the number of rows.

    `bom` mimics a Salesforce report export: UTF-8 with BOM and CRLF line ends.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n" if bom else "\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def read_csv(path: Path, *, bom: bool = False) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a file `write_csv` wrote (every cell as text, None as "")."""
    with path.open(encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        header, *rows = csv.reader(f)
    return header, rows


def append_csv(path: Path, rows: Iterable[Sequence[object]], *, bom: bool = False) -> int:
    """Add rows at the end of a file `write_csv` wrote, in its format; return how many."""
    count = 0
    with path.open("a", encoding="utf-8", newline="") as f:  # a BOM only starts a file
        writer = csv.writer(f, lineterminator="\r\n" if bom else "\n")
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
