"""CSV exports (CRM reports, sales-management exports in Shift_JIS/cp932 or UTF-8 with BOM).

Every cell is read as text so codes keep their leading zeros; quoted cells ("1,000") keep
their commas; comma or tab is detected from the header line unless configured. A record whose
field count differs from the header's cannot be trusted column by column, so it becomes a
reject naming file and row instead of shifting values into the wrong columns.

pyarrow parses the file (several times faster than csv.reader at a million records); its rows
are mapped back to what csv.reader reads: the same records, cells and record numbers.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
import re
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

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
BOM = "\ufeff".encode()
LF, CR = ord("\n"), ord("\r")
# Unicode keeps these code points for a program's internal use; two absent from the file mark
# lines (see `_mark_lines`).
NONCHARACTERS = range(0xFDD0, 0xFDF0)
LINE = re.compile(rb"[^\n]*\n|[^\n]+")  # as io.StringIO yields lines to csv.reader


class Marks(NamedTuple):
    blank: str  # starts a blank line
    lone_cr: str  # starts the line after a CR that is not followed by LF
    count: int  # marks inserted


def _encoding(name: str) -> str:
    # cp932 is what Windows writes as "Shift_JIS"; plain shift_jis fails on ①, 髙, ～.
    return ENCODING_ALIASES.get(name.lower(), name)


def _utf8(path: Path, encoding: str) -> tuple[memoryview, bool]:
    """The file as UTF-8 without leading BOMs (what pyarrow parses; a view, not a copy), and
    whether a few undecodable lines were replaced by U+FFFD. Valid UTF-8 is only checked, by
    Arrow, several times faster than decoding it in Python; other encodings are decoded and
    re-encoded."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConnectorError(f"{path}: cannot read: {exc}") from exc
    codec = _encoding(encoding)
    replaced = False
    if codecs.lookup(codec).name not in ("utf-8", "utf-8-sig") or not _is_utf8(data):
        text, replaced = _decode(path, data, codec, encoding)
        data = text.encode()
    start = 0
    while data.startswith(BOM, start):
        start += len(BOM)
    return memoryview(data)[start:], replaced


def _is_utf8(data: bytes) -> bool:
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    whole = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _decode(path: Path, data: bytes, codec: str, encoding: str) -> tuple[str, bool]:
    """The file's text, and whether a few undecodable lines were replaced by U+FFFD.

    A handful of broken lines (a stray byte pasted into one cell) quarantine their rows; a file
    whose header or many lines fail is in another encoding altogether: a configuration error."""
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


def _delimiter(data: memoryview, configured: str | None) -> str:
    if configured:
        return configured
    first = LINE.match(data)
    header = first.group() if first else b""
    return "\t" if header.count(b"\t") > header.count(b",") else ","


def _header(path: Path, data: memoryview, delimiter: str) -> list[str]:
    """The first record's names, stripped (csv.reader reads only the lines it needs)."""
    lines = (line.group().decode() for line in LINE.finditer(data))
    try:
        names = next(csv.reader(lines, delimiter=delimiter), [])
    except csv.Error as exc:
        raise ConnectorError(f"{path}: cannot parse CSV: {exc}") from exc
    if not names:
        raise ConnectorError(f"{path}: empty file (no header row)")
    return [name.strip() for name in names]


def _mark_lines(data: memoryview) -> tuple[memoryview, Marks | None]:
    """`data` with a mark at the start of each line that pyarrow counts differently from
    csv.reader, and the marks (None when no line needs one, the usual case).

    pyarrow reads a blank line as a row of empty cells; csv.reader as an empty record: numbered,
    but no row. pyarrow ends a line at any CR; csv.reader, outside quotes, only at CRs that are
    followed by nothing but more CRs before the LF (anything else is an error). Marked, these
    lines are recognisable rows; marks that fall inside quoted cells are removed again."""
    if not _has_odd_lines(data):  # the usual export: two array passes, no marking
        return data, None
    codes = np.frombuffer(data, np.uint8)
    breaks = np.flatnonzero((codes == LF) | (codes == CR))
    breaks = breaks[breaks + 1 < len(codes)]  # a break at the very end starts no line
    this, after = codes[breaks], codes[breaks + 1]
    blank = (this == LF) & ((after == LF) | (after == CR))
    lone_cr = (this == CR) & (after != LF)
    marked = blank | lone_cr
    if not marked.any():
        return data, None
    free = (chr(c) for c in NONCHARACTERS if not re.search(chr(c).encode(), data))
    marks = Marks(blank=next(free), lone_cr=next(free), count=int(marked.sum()))
    labels = [m.encode() for m in np.where(blank[marked], marks.blank, marks.lone_cr)]
    pieces, previous = [], 0
    for start, label in zip((breaks[marked] + 1).tolist(), labels, strict=True):
        pieces += [data[previous:start], label]
        previous = start
    pieces.append(data[previous:])
    return memoryview(b"".join(pieces)), marks


def _has_odd_lines(data: memoryview) -> bool:
    """Whether `data` has a line `_mark_lines` marks: a blank line (an LF followed by an LF or
    a CR) or a CR followed by anything but an LF, short of the last byte. Array passes over
    the bytes where they are (4x faster than copying them and searching four times)."""
    codes = np.frombuffer(data, np.uint8)
    head = codes[:-1]  # a break at the very end starts no line
    after_lf = codes[np.flatnonzero(head == LF) + 1]
    if ((after_lf == LF) | (after_lf == CR)).any():
        return True
    return bool((codes[np.flatnonzero(head == CR) + 1] != LF).any())


def _parse(
    path: Path, data: memoryview, delimiter: str, width: int
) -> tuple[pa.Table, list[pa_csv.InvalidRow]]:
    """Every row, the header included, as text columns; and the rows whose field count differs
    from the header's. pyarrow numbers rows as csv.reader numbers records (a quoted line break
    stays inside its record) when it reads on one thread; in parallel it cannot."""
    names = [str(i) for i in range(width)]  # the header's own names may repeat
    invalid: list[pa_csv.InvalidRow] = []

    def skip(row: pa_csv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,  # blank lines keep their numbers
                invalid_row_handler=skip,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # checked or produced by _utf8
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ConnectorError(f"{path}: cannot parse CSV: {exc}") from exc
    return table, invalid


def read_csv_file(
    path: Path, encoding: str, delimiter: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(good rows with row refs, rejected records with row number, reason and detail). Row
    numbers count records with the header as 1, as a spreadsheet opening the file shows them."""
    data, replaced = _utf8(path, encoding)
    sep = _delimiter(data, delimiter)
    header = _header(path, data, sep)
    data, marks = _mark_lines(data)
    table, invalid = _parse(path, data, sep, len(header))
    total = table.num_rows + len(invalid)
    numbered = np.ones(total + 1, dtype=bool)  # pyarrow numbers rows from 1
    numbered[[0, *(row.number for row in invalid)]] = False
    numbers = np.flatnonzero(numbered)  # of the parsed rows; the invalid ones say theirs
    keep = np.arange(table.num_rows) > 0  # row 0 is the header
    no_records: list[int] = []  # pyarrow's numbers of lines csv.reader does not count
    if marks:
        table, marked, invalid, no_records = _drop_marked(path, table, numbers, invalid, marks)
        keep &= ~marked
    _check_field_size(path, table)
    undecodable = np.zeros(table.num_rows, dtype=bool)
    if replaced:  # only then can U+FFFD mean a broken byte
        undecodable = keep & _contains(table, REPLACEMENT)
        keep &= ~undecodable
    skipped = np.sort(np.array(no_records, dtype=np.int64))
    records = numbers - np.searchsorted(skipped, numbers)  # as csv.reader numbers them
    frame = _text_frame(table.slice(1) if keep[1:].all() else table.filter(keep), header)
    frame[ROW_REF] = _row_refs(path.name, records[keep])
    bad = [
        (int(records[i]), True, [column[i].as_py() for column in table.columns])
        for i in np.flatnonzero(undecodable)
    ]
    end = _line_break_at_end(data)
    for row in invalid:
        text = _unmark_text(row.text, marks) + (end if row.number == total else "")
        number = row.number - int(np.searchsorted(skipped, row.number))
        bad.append((number, replaced and REPLACEMENT in text, _fields(path, text, sep)))
    return frame, _rejects(path.name, encoding, len(header), sorted(bad, key=itemgetter(0)))


def _rejects(
    file_name: str, encoding: str, width: int, bad: list[tuple[int, bool, list[str]]]
) -> pd.DataFrame:
    """Rejected records from (record number, undecodable, fields)."""
    return pd.DataFrame(
        {
            "location": [f"{file_name}:{number}" for number, _, _ in bad],
            "reason": np.where(
                np.array([broken for _, broken, _ in bad], dtype=bool),
                "encoding_invalid",
                "row_field_count",
            ),
            "detail": [
                f"bytes not valid {encoding}"
                if broken
                else f"{len(fields)} fields where the header has {width}"
                for _, broken, fields in bad
            ],
            "fields": [fields for _, _, fields in bad],
        }
    )


def _line_break_at_end(data: memoryview) -> str:
    """pyarrow drops the last line break from a row's text, even when an unclosed quote
    makes it part of the last cell (csv.reader keeps it there)."""
    last = data[-2:].tobytes()
    for end in ("\r\n", "\n", "\r"):
        if last.endswith(end.encode()):
            return end
    return ""


def _drop_marked(
    path: Path,
    table: pa.Table,
    numbers: np.ndarray,
    invalid: list[pa_csv.InvalidRow],
    marks: Marks,
) -> tuple[pa.Table, np.ndarray, list[pa_csv.InvalidRow], list[int]]:
    """The lines marked by `_mark_lines` picked out: the table without marks in its cells, which
    of its rows are marked lines, the invalid rows that are not, and pyarrow's numbers of the
    lines after a lone CR (csv.reader counts no record there, or fails if more than CRs follow).
    """
    first = table.column(0)
    single = table.num_columns == 1  # else a marked line, one field, is an invalid row
    blank = _mask(pc.equal(first, marks.blank)) & single
    after_cr = _mask(pc.equal(first, marks.lone_cr)) & single
    if (_mask(pc.starts_with(first, marks.lone_cr)) & ~after_cr).any() or any(
        row.text.startswith(marks.lone_cr) and row.text != marks.lone_cr for row in invalid
    ):
        raise ConnectorError(f"{path}: cannot parse CSV: new-line character seen in unquoted field")
    no_records = numbers[after_cr].tolist()
    no_records += [row.number for row in invalid if row.text == marks.lone_cr]
    rows = [row for row in invalid if row.text not in (marks.blank, marks.lone_cr)]
    if blank.sum() + after_cr.sum() + len(invalid) - len(rows) < marks.count:
        # the other marks are inside quoted cells
        table = pa.table([_unmark(column, marks) for column in table.columns], table.column_names)
    return table, blank | after_cr, rows, no_records


def _mask(flags: pa.ChunkedArray) -> np.ndarray:
    return flags.to_numpy(zero_copy_only=False)


def _unmark(column: pa.ChunkedArray, marks: Marks) -> pa.ChunkedArray:
    return pc.replace_substring(pc.replace_substring(column, marks.blank, ""), marks.lone_cr, "")


def _unmark_text(text: str, marks: Marks | None) -> str:
    return text.replace(marks.blank, "").replace(marks.lone_cr, "") if marks else text


def _check_field_size(path: Path, table: pa.Table) -> None:
    """csv.reader refuses a cell over csv.field_size_limit() characters: most often an unclosed
    quote that swallowed the rest of the file, which pyarrow would read as one cell."""
    limit = csv.field_size_limit()
    for column in table.columns:
        # bytes are quick to count, and never fewer than characters
        if (
            pc.max(pc.binary_length(column)).as_py() > limit
            and pc.max(pc.utf8_length(column)).as_py() > limit
        ):
            raise ConnectorError(
                f"{path}: cannot parse CSV: field larger than field limit ({limit})"
            )


def _contains(table: pa.Table, text: str) -> np.ndarray:
    found = np.zeros(table.num_rows, dtype=bool)
    for column in table.columns:
        found |= _mask(pc.match_substring(column, text))
    return found


def _fields(path: Path, text: str, delimiter: str) -> list[str]:
    """A rejected row's fields, as csv.reader splits its text (rejects are rare)."""
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error as exc:
        raise ConnectorError(f"{path}: cannot parse CSV: {exc}") from exc


def _text_frame(table: pa.Table, header: list[str]) -> pd.DataFrame:
    """pyarrow's columns as pandas text without a copy: a quarter of the memory of Python
    strings in object columns, and several times faster to pass between assets."""
    frame = pd.DataFrame(
        {i: pd.array(column, dtype="str") for i, column in enumerate(table.columns)}
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
