"""Intermediate assets on disk: typed DataFrames as Arrow IPC files, anything else pickled.

Pickling a 10M-row frame of Arrow-backed strings takes about twice as long as writing an Arrow
file. The files are not compressed: they are memory-mapped on load, so reading one costs
next to nothing (lz4 made every read decompress: 0.3 s for 350k companies, against 2 ms), for
about twice the bytes on a local disk. Arrow keeps pandas' dtypes through its schema
metadata (categoricals as dictionaries, with their categories and order), except for `object`
columns, which may hold anything and would come back converted: a frame with one is pickled,
so every value comes back exactly as it went.
Any other value is pickled, except the large frames inside it (a match result's pairs and
crosswalk, a source's raw rows per entity): each goes to an Arrow file beside the pickle, which
names it, so they too are written without pickling and memory-mapped when the value is loaded.
Files live where Dagster's FilesystemIOManager puts them (one per asset under the instance's
storage directory, or `base_dir`); the format is read from the file's first bytes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from upath import UPath

ARROW_MAGIC = b"ARROW1"
Sink = pa.NativeFile | BinaryIO  # where a value's bytes go


def arrow_table(frame: pd.DataFrame) -> pa.Table | None:
    """The frame as an Arrow table that converts back to an equal frame, or None."""
    if any(pd.api.types.is_object_dtype(dtype) for dtype in frame.dtypes):
        return None
    if not all(isinstance(name, str) for name in frame.columns):
        return None
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    # The dtypes the table converts back to: an empty slice keeps each dictionary, so a
    # categorical's categories (unused ones too) and order are compared as well.
    back = table.slice(0, 0).to_pandas()
    same = list(back.dtypes) == list(frame.dtypes) and back.index.dtype == frame.index.dtype
    return table if same else None


# Rows a held table is rewritten by at a time (`save_rows`): bounded memory, reused.
ROWS_PER_BATCH = 65_536
# Frames inside a pickled value with at least this many rows go to Arrow files of their own.
INNER_FRAME_ROWS = 100_000


def save_value(path: UPath | Path, obj: Any, inner_frame_rows: int = INNER_FRAME_ROWS) -> None:
    """A typed DataFrame as an Arrow IPC file; anything else pickled, with the typed frames of
    `inner_frame_rows` rows or more inside it in Arrow files beside it. A frame that comes back
    unchanged from the file it was loaded from is a hard link to that file instead."""
    table = arrow_table(obj) if isinstance(obj, pd.DataFrame) else None
    earlier = list(path.parent.glob(_inner_prefix(path) + "*.arrow"))  # the old value's
    if table is not None:
        source = _loaded_from(obj, table) if _is_local(path) else None
        if source is None or not _link_replacing(path, source):
            write_replacing(path, lambda file: write_arrow(table, file))
    else:
        written: dict[int, str] = {}  # the frames' files, by frame object
        try:
            write_replacing(
                path, lambda file: _FramePickler(file, path, inner_frame_rows, written).dump(obj)
            )
        except BaseException:
            for name in written.values():
                path.with_name(name).unlink(missing_ok=True)
            raise
    for old in earlier:  # unlinked: a reader keeps its pages
        old.unlink(missing_ok=True)


def load_value(path: UPath | Path, columns: list[str] | None = None) -> Any:
    """What `save_value` wrote; `columns` reads only those of an Arrow file."""
    with path.open("rb") as file:
        if file.read(len(ARROW_MAGIC)) != ARROW_MAGIC:
            file.seek(0)
            value = _FrameUnpickler(file, path).load()
            return value[columns] if columns is not None else value
    # Memory-mapped and uncompressed: the columns are views of the file's pages. Columns are
    # selected from the whole table: asked of the reader, they are copied (1 s for 3 columns
    # of 10M rows, against 0.04 s).
    table = feather.read_table(str(path), memory_map=True)
    if columns is not None:
        table = table.select(columns)
    frame = table.to_pandas(split_blocks=True)
    if columns is None and _is_local(path):
        _remember(frame, path, table)
    return frame


# Frames this process loaded from whole Arrow files, by id: the frame (weakly), its file and
# the table read. A step that passes on a frame it loaded (unify hands on the match's customers
# and crosswalk, 360 MB at 1M records) then links the file instead of writing it again.
_LOADED: dict[int, tuple[weakref.ref, Path, pa.Table, tuple[int, int]]] = {}


def _remember(frame: pd.DataFrame, path: Path, table: pa.Table) -> None:
    key = id(frame)
    forget = weakref.ref(frame, lambda _: _LOADED.pop(key, None))
    _LOADED[key] = (forget, path, table, _file_id(path))


def _file_id(path: Path) -> tuple[int, int]:
    """The file a path names (device, inode): another file written over it is another id."""
    try:
        stat = os.stat(path)
    except OSError:
        return (-1, -1)
    return (stat.st_dev, stat.st_ino)


def _loaded_from(frame: pd.DataFrame, table: pa.Table) -> Path | None:
    """The file `frame` was loaded from, if `table` (the frame as Arrow) still equals the table
    read from it: the same schema, and every column the same memory (the text columns, the
    bulk of the bytes, go to pandas and back without a copy) or the same values (those
    pandas converts: with nulls, booleans)."""
    entry = _LOADED.get(id(frame))
    if entry is None or entry[0]() is not frame or _file_id(entry[1]) != entry[3]:
        return None
    read = entry[2]
    if not (read.schema.equals(table.schema, check_metadata=True) and read.num_rows == len(frame)):
        return None
    same = all(
        _same_memory(a, b) or a.equals(b) for a, b in zip(read.columns, table.columns, strict=True)
    )
    return entry[1] if same else None


def _same_memory(one: pa.ChunkedArray, other: pa.ChunkedArray) -> bool:
    def layout(column: pa.ChunkedArray) -> list[tuple]:
        return [
            (
                chunk.offset,
                len(chunk),
                *((b.address, b.size) if b else None for b in chunk.buffers()),
            )
            for chunk in column.chunks
        ]

    return layout(one) == layout(other)


def _is_local(path: UPath | Path) -> bool:
    return not isinstance(path, UPath) or path.protocol in ("", "file", "local")


def _link_replacing(path: UPath | Path, source: Path) -> bool:
    """`path` becomes another name of `source`'s file, all or nothing (as `write_replacing`);
    False, changing nothing, where the file system links no file there (another device)."""
    linked = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    if not _link(source, linked):
        return False
    try:
        linked.replace(path)
    finally:
        linked.unlink(missing_ok=True)
    return True


def _link(source: Path, path: UPath | Path) -> bool:
    """`path` (new) becomes another name of `source`'s file; False where the file system links
    no file there (another device)."""
    try:
        os.link(source, path)
    except OSError:
        return False
    return True


def write_arrow(table: pa.Table, file: Sink) -> None:
    """An uncompressed Arrow IPC file of one record batch: a reader then gets each number
    column as a view of the mapped file. Over several batches (Feather's default: 64k rows)
    pandas copies every number column into fresh memory on every load (the 514k judged
    customers: ~120 MB a read). Columns too large for one array stay in pieces."""
    with contextlib.suppress(pa.ArrowInvalid):  # a 32-bit-offset column over 2 GB
        table = table.combine_chunks()
    feather.write_feather(table, file, "uncompressed", chunksize=max(table.num_rows, 1))


def save_rows(path: Path, table: pa.Table, keep: np.ndarray, added: pa.Table) -> None:
    """Write `table`'s rows where `keep`, then `added`'s (of the same schema), as one Arrow
    file, a record batch at a time: the kept rows are never copied whole (on this kind of
    machine fresh memory costs more than copying; the batches reuse it)."""

    def write(file: Sink) -> None:
        with pa.ipc.new_file(file, table.schema) as writer:
            start = 0
            for batch in table.to_reader(max_chunksize=ROWS_PER_BATCH):
                mask = keep[start : start + batch.num_rows]
                start += batch.num_rows
                writer.write_batch(batch if mask.all() else batch.filter(mask))
            if added.num_rows:
                writer.write_table(added.replace_schema_metadata(table.schema.metadata))

    write_replacing(path, write)


def write_replacing(path: UPath | Path, write: Callable[[Sink], None]) -> None:
    """Write `path` through `write`, all or nothing (the night store's entries too): written
    beside, under a name of its own, and renamed over: a process still holding the old file's
    pages (a frame loaded from it) keeps them, where rewriting the file in place would pull them
    away."""
    written = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        with _sink(written) as file:
            write(file)
        written.replace(path)
    finally:
        written.unlink(missing_ok=True)  # a failed write leaves nothing behind


def _sink(path: UPath | Path) -> Sink:
    """A new file at `path`: Arrow's own for a local path, so that writing a table never waits
    for the GIL. Through a Python file object each of the writer's thousand or so writes takes
    the GIL, and while another thread holds it (Great Expectations importing beside staging)
    each waits up to the interpreter's switch interval: 80 MB took 1.3 s instead of 0.03 s."""
    if _is_local(path):
        return pa.OSFile(path.path if isinstance(path, UPath) else os.fspath(path), "wb")
    return path.open("wb")


def _inner_prefix(path: UPath | Path) -> str:
    return f".{path.name}.frame-"


class _FramePickler(pickle.Pickler):
    """Pickles a value, writing its large typed frames to Arrow files beside `path` and
    recording only their names (in `written`: one file per frame object, however often the
    value refers to it)."""

    def __init__(self, file: Sink, path: UPath | Path, min_rows: int, written: dict[int, str]):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.path, self.min_rows, self.written = path, min_rows, written
        self._frames: list[pd.DataFrame] = []  # kept alive, so that no id is reused meanwhile

    def persistent_id(self, obj: Any) -> str | None:
        if type(obj) is not pd.DataFrame or len(obj) < self.min_rows:
            return None
        if id(obj) in self.written:
            return self.written[id(obj)]
        table = arrow_table(obj)
        if table is None:
            return None
        name = f"{_inner_prefix(self.path)}{uuid.uuid4().hex}.arrow"
        self.written[id(obj)] = name
        self._frames.append(obj)
        source = _loaded_from(obj, table) if _is_local(self.path) else None
        if source is None or not _link(source, self.path.with_name(name)):
            with _sink(self.path.with_name(name)) as file:
                write_arrow(table, file)
        return name


class _FrameUnpickler(pickle.Unpickler):
    """Loads what `_FramePickler` wrote, memory-mapping the frames it put beside `path`."""

    def __init__(self, file: BinaryIO, path: UPath | Path):
        super().__init__(file)
        self.path = path
        self._loaded: dict[str, pd.DataFrame] = {}

    def persistent_load(self, pid: Any) -> pd.DataFrame:
        if not (isinstance(pid, str) and pid.startswith(_inner_prefix(self.path))):
            raise pickle.UnpicklingError(f"unknown reference {pid!r} in {self.path}")
        if pid not in self._loaded:  # one frame again where the value referred to one twice
            self._loaded[pid] = load_value(self.path.with_name(pid))
        return self._loaded[pid]


class FrameFileIOManager(dg.UPathIOManager):
    """The paths of Dagster's FilesystemIOManager; DataFrames as Arrow IPC files."""

    extension = ""

    def __init__(self, base_dir: str) -> None:
        super().__init__(base_path=UPath(base_dir))

    def dump_to_path(self, context: dg.OutputContext, obj: Any, path: UPath) -> None:
        save_value(path, obj)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> Any:
        return load_value(path)


class FrameIOManager(dg.ConfigurableIOManagerFactory):
    """Intermediate assets in `base_dir` (default: the instance's storage directory)."""

    base_dir: str | None = None

    def create_io_manager(self, context: dg.InitResourceContext) -> FrameFileIOManager:
        base_dir = self.base_dir or context.instance.storage_directory()
        return FrameFileIOManager(base_dir=base_dir)
