"""CSV exports (CRM reports, sales-management exports in Shift_JIS/cp932 or UTF-8 with BOM).

Every cell is read as text so codes keep their leading zeros; quoted cells ("1,000") keep
their commas; comma or tab is detected from the header line unless configured. A record whose
field count differs from the header's cannot be trusted column by column, so it becomes a
reject naming file and row instead of shifting values into the wrong columns.
"""

from __future__ import annotations

import csv
import glob
import io
from pathlib import Path

import numpy as np
import pandas as pd

from connectors.base import (
    ROW_REF,
    ConnectorError,
    EntityMapping,
    ReadResult,
    apply_mapping,
    make_rejects,
)

ENCODING_ALIASES = {"shift_jis": "cp932", "sjis": "cp932", "shift-jis": "cp932"}


def _encoding(name: str) -> str:
    # cp932 is what Windows writes as "Shift_JIS"; plain shift_jis fails on ①, 髙, ～.
    return ENCODING_ALIASES.get(name.lower(), name)


def _decode(path: Path, encoding: str) -> str:
    try:
        return path.read_bytes().decode(_encoding(encoding))
    except UnicodeDecodeError as exc:
        raise ConnectorError(
            f"{path}: not valid {encoding} at byte {exc.start} ({exc.reason}); "
            "set `encoding` in the source mapping (cp932 for Shift_JIS exports)"
        ) from exc
    except OSError as exc:
        raise ConnectorError(f"{path}: cannot read: {exc}") from exc


def _delimiter(text: str, configured: str | None) -> str:
    if configured:
        return configured
    header = text.split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def read_csv_file(
    path: Path, encoding: str, delimiter: str | None = None
) -> tuple[pd.DataFrame, list[int], list[list[str]]]:
    """(good rows with row refs, numbers of bad rows, their fields). Row numbers count
    records with the header as 1, as a spreadsheet opening the file shows them."""
    text = _decode(path, encoding).lstrip("\ufeff")
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text, delimiter)))
    except csv.Error as exc:
        raise ConnectorError(f"{path}: cannot parse CSV: {exc}") from exc
    if not records or not records[0]:
        raise ConnectorError(f"{path}: empty file (no header row)")
    header = [c.strip() for c in records[0]]
    body = records[1:]
    widths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    good = np.flatnonzero(widths == len(header))
    bad = np.flatnonzero((widths != len(header)) & (widths > 0))  # blank lines are no rows
    frame = pd.DataFrame([body[i] for i in good], columns=header, dtype=object)
    frame[ROW_REF] = [f"{path.name}:{i + 2}" for i in good]
    return frame, [int(i) + 2 for i in bad], [body[i] for i in bad]


def read_csv_entity(
    mapping: EntityMapping, entity: str, data_dir: Path, source: str = ""
) -> ReadResult:
    paths = sorted(glob.glob(str(data_dir / mapping.path)))
    if not paths:
        raise ConnectorError(f"{data_dir / mapping.path}: no such file")
    frames, rejects = [], []
    for name in paths:
        path = Path(name)
        raw, bad_rows, bad_fields = read_csv_file(path, mapping.encoding, mapping.delimiter)
        frames.append(apply_mapping(raw, mapping, entity, name))
        width = len(raw.columns) - 1
        rejects.append(
            make_rejects(
                source,
                entity,
                [f"{path.name}:{n}" for n in bad_rows],
                "row_field_count",
                [f"{len(f)} fields where the header has {width}" for f in bad_fields],
                bad_fields,
            )
        )
    return ReadResult(
        rows=pd.concat(frames, ignore_index=True), rejects=pd.concat(rejects, ignore_index=True)
    )
