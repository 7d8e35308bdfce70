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
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import (
    ROW_REF,
    ConnectorError,
    EntityMapping,
    ReadResult,
    apply_mapping,
    empty_rejects,
    make_rejects,
)

ENCODING_ALIASES = {"shift_jis": "cp932", "sjis": "cp932", "shift-jis": "cp932"}
# Up to this many undecodable lines (or 1% of the file) are quarantined row by row.
MAX_BROKEN_LINES = 3
REPLACEMENT = "\ufffd"


def _encoding(name: str) -> str:
    # cp932 is what Windows writes as "Shift_JIS"; plain shift_jis fails on ①, 髙, ～.
    return ENCODING_ALIASES.get(name.lower(), name)


def _decode(path: Path, encoding: str) -> tuple[str, bool]:
    """The file's text, and whether a few undecodable lines were replaced by U+FFFD.

    A handful of broken lines (a stray byte pasted into one cell) quarantine their rows; a file
    whose header or many lines fail is in another encoding altogether: a configuration error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConnectorError(f"{path}: cannot read: {exc}") from exc
    codec = _encoding(encoding)
    try:
        return data.decode(codec), False
    except UnicodeDecodeError as exc:
        lines = data.split(b"\n")
        broken = sum(1 for line in lines if not _decodes(line, codec))
        header_broken = not _decodes(lines[0], codec)
        if header_broken or broken > max(MAX_BROKEN_LINES, len(lines) // 100):
            raise ConnectorError(
                f"{path}: not valid {encoding} at byte {exc.start} ({exc.reason}); "
                "set `encoding` in the source mapping (cp932 for Shift_JIS exports)"
            ) from exc
        return data.decode(codec, errors="replace"), True


def _decodes(line: bytes, codec: str) -> bool:
    try:
        line.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(text: str, configured: str | None) -> str:
    if configured:
        return configured
    header = text.split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def read_csv_file(
    path: Path, encoding: str, delimiter: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(good rows with row refs, rejected records with row number, reason and detail). Row
    numbers count records with the header as 1, as a spreadsheet opening the file shows them."""
    text, replaced = _decode(path, encoding)
    text = text.lstrip("\ufeff")
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text, delimiter)))
    except csv.Error as exc:
        raise ConnectorError(f"{path}: cannot parse CSV: {exc}") from exc
    if not records or not records[0]:
        raise ConnectorError(f"{path}: empty file (no header row)")
    header = [c.strip() for c in records[0]]
    body = records[1:]
    widths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    undecodable = np.zeros(len(body), dtype=bool)
    if replaced:  # only then can U+FFFD mean a broken byte
        undecodable = np.fromiter((REPLACEMENT in "".join(r) for r in body), bool, len(body))
    misfit = (widths != len(header)) & (widths > 0)  # blank lines are no rows
    good = np.flatnonzero((widths == len(header)) & ~undecodable)
    frame = _text_frame([body[i] for i in good], header)
    frame[ROW_REF] = _row_refs(path.name, good + 2)
    bad = np.flatnonzero(misfit | undecodable)
    rejects = pd.DataFrame(
        {
            "location": [f"{path.name}:{i + 2}" for i in bad],
            "reason": np.where(undecodable[bad], "encoding_invalid", "row_field_count"),
            "detail": [
                f"bytes not valid {encoding}"
                if undecodable[i]
                else f"{widths[i]} fields where the header has {len(header)}"
                for i in bad
            ],
            "fields": [body[i] for i in bad],
        }
    )
    return frame, rejects


def _text_frame(records: list[list[str]], header: list[str]) -> pd.DataFrame:
    """Records as columns of Arrow-backed text: a quarter of the memory of Python strings in
    object columns, and several times faster to pass between assets. (pandas transposes the
    records in C; Arrow then copies each column of str objects in C.)"""
    cells = pd.DataFrame(records, columns=range(len(header)), dtype=object)
    frame = pd.DataFrame(
        {
            i: pd.array(pa.array(cells[i].to_numpy(), type=pa.large_string()), dtype="str")
            for i in range(len(header))
        }
    )
    frame.columns = header  # names may repeat; the mapping reports a missing one
    return frame


def _row_refs(file_name: str, rows: np.ndarray) -> pd.Series:
    """`file:row` for each row number."""
    prefix, empty = (pa.scalar(text, pa.large_string()) for text in (f"{file_name}:", ""))
    numbers = pc.cast(pa.array(rows), pa.large_string())
    return pd.Series(pd.array(pc.binary_join_element_wise(prefix, numbers, empty), dtype="str"))


def read_csv_entity(
    mapping: EntityMapping, entity: str, data_dir: Path, source: str = ""
) -> ReadResult:
    paths = sorted(glob.glob(str(data_dir / mapping.path)))
    if not paths:
        raise ConnectorError(f"{data_dir / mapping.path}: no such file")
    frames, rejects = [], []
    for name in paths:
        raw, bad = read_csv_file(Path(name), mapping.encoding, mapping.delimiter)
        frames.append(apply_mapping(raw, mapping, entity, name))
        for reason, group in bad.groupby("reason"):
            rejects.append(
                make_rejects(
                    source,
                    entity,
                    group["location"].tolist(),
                    str(reason),
                    group["detail"].tolist(),
                    group["fields"].tolist(),
                )
            )
    return ReadResult(
        rows=pd.concat(frames, ignore_index=True),
        rejects=pd.concat(rejects, ignore_index=True) if rejects else empty_rejects(),
    )
