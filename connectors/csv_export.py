"""CSV exports (CRM reports, sales-management exports in Shift_JIS/cp932 or UTF-8 with BOM)."""

from __future__ import annotations

import glob
from pathlib import Path

import pandas as pd

from connectors.base import (
    ROW_REF,
    ConnectorError,
    EntityMapping,
    ReadResult,
    apply_mapping,
    empty_rejects,
)

ENCODING_ALIASES = {"shift_jis": "cp932", "sjis": "cp932", "shift-jis": "cp932"}


def _encoding(name: str) -> str:
    # cp932 is what Windows writes as "Shift_JIS"; plain shift_jis fails on ①, 髙, ～.
    return ENCODING_ALIASES.get(name.lower(), name)


def read_csv_file(path: Path, encoding: str) -> pd.DataFrame:
    """Read every cell as text (codes keep leading zeros), with a row reference per row."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=_encoding(encoding))
    except UnicodeDecodeError as exc:
        raise ConnectorError(
            f"{path}: not valid {encoding} at byte {exc.start} ({exc.reason}); "
            "set `encoding` in the source mapping (cp932 for Shift_JIS exports)"
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise ConnectorError(f"{path}: cannot parse CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    # Line 1 is the header, so data row i sits on line i + 2.
    frame[ROW_REF] = [f"{path.name}:{i + 2}" for i in range(len(frame))]
    return frame


def read_csv_entity(mapping: EntityMapping, entity: str, data_dir: Path) -> ReadResult:
    paths = sorted(glob.glob(str(data_dir / mapping.path)))
    if not paths:
        raise ConnectorError(f"{data_dir / mapping.path}: no such file")
    frames = []
    for name in paths:
        raw = read_csv_file(Path(name), mapping.encoding)
        frames.append(apply_mapping(raw, mapping, entity, name))
    return ReadResult(rows=pd.concat(frames, ignore_index=True), rejects=empty_rejects())
