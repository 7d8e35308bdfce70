"""What an incremental night keeps from the last published night: staged rows, match scores,
the crosswalk, file fingerprints and high-water marks.

Tables are stored as immutable Arrow chunk files; a manifest names the chunks of each table.
Steps of a run write into the run's pending folder (one small JSON per entry, so steps running
in parallel processes never write the same file) and the publish step commits them after the
warehouse transaction succeeded: a failed or partial run leaves the last committed night as it
was, and the warehouse and the store never disagree. A step first forgets what it wrote earlier
in the same run (`restart`): a retried step starts again from the committed night. The manifest
also records a fingerprint of what the state depends on (format, sources configuration,
warehouse); when it differs, the next night is a full one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cleansing.threads import in_threads
from pipelines.io_manager import arrow_table, load_value, save_rows, save_value, write_replacing

# 2: match scores name records by position; 3: rows hashed by DuckDB; 4: sales lines per day;
# 5: match scores are the result's pairs (steward decisions marked); 6: match fingerprints
# carry each record's customer_id
FORMAT = 6
MAX_CHUNKS = 16  # an appended table is rewritten as one chunk beyond this
STALE_PENDING_S = 86_400  # a run's pending entries older than a day: the run is long gone
STALE_MANIFEST_S = 14 * 86_400  # another configuration not committed for two weeks
# An unnamed chunk younger than this may be a run's write whose entry is still to come
# (`replace_all` writes every chunk, then every entry); it goes at a later commit.
CHUNK_GRACE_S = 600
# Entries the stage, match and unify steps write: a run commits only when it wrote them all,
# otherwise it ran a subset of the night and the next night must be a full one.
REQUIRED = ("stage", "match", "unify")


def state_fingerprint(*parts: str) -> str:
    """A digest of what the stored state is only valid for (hashed: a URL may hold a secret)."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:16]


class NightStore:
    """The committed state under `root`, and what run `run_id` has written so far."""

    def __init__(self, root: Path, run_id: str, fingerprint: str) -> None:
        self.root = Path(root)
        self.run_id = run_id
        self.fingerprint = fingerprint
        self.pending = self.root / "pending" / run_id
        self.chunks = self.root / "chunks"

    # --- reading ---------------------------------------------------------------------------

    @property
    def manifest(self) -> Path:
        """The committed state of this configuration: deployments sharing a state folder (a
        DuckDB and a PostgreSQL warehouse, say) keep separate manifests."""
        return self.root / f"current-{self.fingerprint}.json"

    def _current(self) -> dict[str, Any]:
        path = self.manifest
        if not path.exists():
            return {}
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return manifest if manifest.get("fingerprint") == self.fingerprint else {}

    def has_committed_night(self) -> bool:
        """True when a previous night of the same configuration was committed."""
        return bool(self._current())

    def committed_run(self) -> str | None:
        """The run id of the committed night: an entry whose value names another run is one
        that night did not write, but an earlier one."""
        return self._current().get("run_id")

    def _entry(self, name: str) -> dict[str, Any] | None:
        path = self.pending / _file_name(name)
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        return self._current().get("entries", {}).get(name)

    def read(self, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """A stored table (this run's version if it wrote one), or None."""
        entry = self._entry(name)
        if entry is None or "chunks" not in entry:
            return None
        return self._read_chunks(entry["chunks"], columns)

    def wrote(self, name: str) -> bool:
        """Whether this run wrote `name` (a re-execution or a single asset did not stage)."""
        return (self.pending / _file_name(name)).exists()

    def value(self, name: str, default: Any = None) -> Any:
        """A stored JSON value (a fingerprint, a high-water mark), or `default`."""
        entry = self._entry(name)
        return entry["value"] if entry is not None and "value" in entry else default

    # --- writing (pending until commit) ----------------------------------------------------

    def restart(self, step: str) -> None:
        """Forget this run's entries of `step` (the name, or names under `step/`): a retried
        step then reads the committed night again, not what its failed attempt wrote (a
        stage retry would take its own rows for held ones and stage nothing)."""
        if not self.pending.exists():
            return
        for path in self.pending.glob("*.json"):
            try:  # a step beside this one (another source's extract) may be forgetting its own
                name = json.loads(path.read_text(encoding="utf-8"))["name"]
            except FileNotFoundError:
                continue
            if name == step or name.startswith(f"{step}/"):
                path.unlink(missing_ok=True)

    def replace(self, name: str, frame: pd.DataFrame) -> None:
        self._write_entry(name, {"chunks": [self._save_chunk(frame)]})

    def replace_all(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """`replace` each, the files written side by side: Arrow writes without the GIL, and
        a fresh file's pages cost a core each (a 1m match's ~410 MB: 1.0-1.1 s in turn,
        0.4-0.6 s side by side). The entries are written once every file is: a failed write
        leaves none of them (its files go with a commit's garbage once
        `CHUNK_GRACE_S` has passed)."""
        chunks = in_threads(
            {name: partial(self._save_chunk, frame) for name, frame in frames.items()}
        )
        for name, chunk in chunks.items():
            self._write_entry(name, {"chunks": [chunk]})

    def alias(self, name: str, of: str) -> None:
        """`name` holds what `of` holds now, without another copy: the entries name the same
        chunks, which stay while an entry names them."""
        entry = self._entry(of)
        if entry is None or "chunks" not in entry:
            raise KeyError(f"no stored table {of!r} to alias")
        self._write_entry(name, {"chunks": list(entry["chunks"])})

    def rewrite(self, name: str, held: pd.DataFrame, keep: np.ndarray, added: pd.DataFrame) -> None:
        """Replace `name` (read as `held`) by its rows where `keep`, then `added`'s: written
        batch by batch from the held rows' Arrow columns (io_manager.save_rows) instead of
        filtered and concatenated whole, unless either frame does not go to Arrow as it is
        (an `object` column) or their dtypes differ."""
        table, extra = arrow_table(held), arrow_table(added.reset_index(drop=True))
        if table is None or extra is None or not _same_dtypes(held, added):
            self.replace(name, pd.concat([held[keep], added], ignore_index=True))
            return
        chunk = self._new_chunk()
        save_rows(self.chunks / chunk, table, keep, extra)
        self._write_entry(name, {"chunks": [chunk]})

    def append(self, name: str, frame: pd.DataFrame) -> None:
        """Adds rows as a new chunk; a table grown past MAX_CHUNKS is rewritten as one."""
        entry = self._entry(name) or {"chunks": []}
        chunks = [*entry.get("chunks", []), self._save_chunk(frame)]
        if len(chunks) > MAX_CHUNKS:
            self.replace(name, self._read_chunks(chunks))
            return
        self._write_entry(name, {"chunks": chunks})

    def _read_chunks(self, chunks: list[str], columns: list[str] | None = None) -> pd.DataFrame:
        parts = [load_value(self.chunks / chunk, columns) for chunk in chunks]
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def set_value(self, name: str, value: Any) -> None:
        self._write_entry(name, {"value": value})

    def _new_chunk(self) -> str:
        """A name for a chunk file no entry has."""
        self.chunks.mkdir(parents=True, exist_ok=True)
        return f"{uuid.uuid4().hex}.arrow"

    def _save_chunk(self, frame: pd.DataFrame) -> str:
        chunk = self._new_chunk()
        save_value(self.chunks / chunk, frame.reset_index(drop=True))
        return chunk

    def _write_entry(self, name: str, entry: dict[str, Any]) -> None:
        self.pending.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.pending / _file_name(name), {"name": name, **entry})

    # --- commit ----------------------------------------------------------------------------

    def commit(self) -> bool:
        """Makes this run's entries the committed state; returns False (and forgets the
        committed state, so the next night is full) when the run did not write every
        REQUIRED entry. Chunks no manifest names any more are deleted."""
        written = (
            {
                entry["name"]: entry
                for entry in (
                    json.loads(p.read_text(encoding="utf-8")) for p in self.pending.glob("*.json")
                )
            }
            if self.pending.exists()
            else {}
        )
        complete = all(any(n.split("/")[0] == step for n in written) for step in REQUIRED)
        current = self.manifest
        if not complete:
            current.unlink(missing_ok=True)
        else:
            entries = {**self._current().get("entries", {}), **written}
            for entry in entries.values():
                entry.pop("name", None)
            manifest = {"fingerprint": self.fingerprint, "run_id": self.run_id, "entries": entries}
            _atomic_write(current, manifest)
        self._collect_garbage()
        return complete

    def _collect_garbage(self) -> None:
        """Drop this run's pending entries, those of runs that stopped long ago (a partial
        run from the UI never commits), manifests of configurations not committed for weeks,
        and every chunk nothing names any more."""
        _remove_entries(self.pending)
        now = time.time()
        for folder in (self.root / "pending").glob("*"):
            if now - folder.stat().st_mtime > STALE_PENDING_S:
                _remove_entries(folder)
        for path in self.root.glob("current-*.json"):
            if path != self.manifest and now - path.stat().st_mtime > STALE_MANIFEST_S:
                path.unlink(missing_ok=True)
        # chunks from before the grace: their entries, if any, were written before the
        # names are read (by the change time, which a hard link or a rename renews too)
        before = _file_clock(self.root) - int(CHUNK_GRACE_S * 1e9)
        named = self._named_chunks()
        for path in self.chunks.glob("*.arrow"):
            with contextlib.suppress(FileNotFoundError):  # another collection took it
                if path.name not in named and path.stat().st_ctime_ns < before:
                    path.unlink()

    def _named_chunks(self) -> set[str]:
        """Every chunk a pending entry or a manifest names. Pending entries are read first: a
        run that commits meanwhile moves its entries into its manifest, read after them (read
        the other way round, its new chunks would be in neither)."""
        named = self._pending_chunks()
        return named | self._manifest_chunks()

    def _manifest_chunks(self) -> set[str]:
        """Chunks of the committed nights of every configuration."""
        named: set[str] = set()
        for path in self.root.glob("current-*.json"):
            with contextlib.suppress(FileNotFoundError):  # a partial run dropped it meanwhile
                entries = json.loads(path.read_text(encoding="utf-8")).get("entries", {})
                for entry in entries.values():
                    named.update(entry.get("chunks", []))
        return named

    def _pending_chunks(self) -> set[str]:
        """Chunks of runs still writing, named by their pending entries."""
        named: set[str] = set()
        for path in (self.root / "pending").glob("*/*.json"):
            with contextlib.suppress(FileNotFoundError):  # its run committed meanwhile
                named.update(json.loads(path.read_text(encoding="utf-8")).get("chunks", []))
        return named


def _file_clock(folder: Path) -> int:
    """Now, as the file system stamps a file changed in `folder` (its clock is coarser than
    time.time())."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder) as marker:
        return os.stat(marker.name).st_ctime_ns


def _remove_entries(folder: Path) -> None:
    """The folder and everything in it, a write's temporary file left by a killed step too."""
    shutil.rmtree(folder, ignore_errors=True)


def _same_dtypes(one: pd.DataFrame, other: pd.DataFrame) -> bool:
    """The same columns of the same dtypes, a categorical's categories in the same order too:
    an Arrow file keeps one dictionary a column, where pandas calls two orders equal."""
    if list(one.columns) != list(other.columns):
        return False
    return all(
        a == b and (not isinstance(a, pd.CategoricalDtype) or a.categories.equals(b.categories))
        for a, b in zip(one.dtypes, other.dtypes, strict=True)
    )


def _file_name(name: str) -> str:
    return name.replace("/", "__") + ".json"


def _atomic_write(path: Path, value: dict[str, Any]) -> None:
    data = json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    write_replacing(path, lambda file: file.write(data))
