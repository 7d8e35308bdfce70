"""The night store: pending until committed, per configuration, and tidy."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelines import night_store
from pipelines.io_manager import ROWS_PER_BATCH
from pipelines.night_store import (
    MAX_CHUNKS,
    STALE_MANIFEST_S,
    STALE_PENDING_S,
    NightStore,
    state_fingerprint,
)

FINGERPRINT = state_fingerprint("sources.yaml text", "/data", "duckdb:///w.duckdb")


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unnamed chunks go at once: these tests write and commit within milliseconds."""
    monkeypatch.setattr(night_store, "CHUNK_GRACE_S", -1)


def frame(*values: int) -> pd.DataFrame:
    return pd.DataFrame({"id": pd.array([str(v) for v in values], dtype="string")})


def whole_night(store: NightStore) -> None:
    for step in ("stage", "match", "unify"):
        store.set_value(step, "done")


def test_nothing_is_visible_to_the_next_run_before_commit(tmp_path: Path) -> None:
    run = NightStore(tmp_path, "run-1", FINGERPRINT)
    run.replace("stage/crm/companies", frame(1, 2))
    assert run.read("stage/crm/companies")["id"].tolist() == ["1", "2"]  # its own writes
    later = NightStore(tmp_path, "run-2", FINGERPRINT)
    assert later.read("stage/crm/companies") is None and not later.has_committed_night()
    whole_night(run)
    assert run.commit()
    assert later.read("stage/crm/companies")["id"].tolist() == ["1", "2"]
    assert later.has_committed_night()


def test_tables_replaced_together_are_each_their_own_entry(tmp_path: Path) -> None:
    run = NightStore(tmp_path, "run-1", FINGERPRINT)
    run.replace("match/scores", frame(9))
    run.replace_all({"match/scores": frame(1, 2), "match/customers": frame(3)})
    assert run.read("match/scores")["id"].tolist() == ["1", "2"]
    assert run.read("match/customers")["id"].tolist() == ["3"]
    whole_night(run)
    assert run.commit()
    later = NightStore(tmp_path, "run-2", FINGERPRINT)
    assert later.read("match/scores")["id"].tolist() == ["1", "2"]
    assert later.read("match/customers")["id"].tolist() == ["3"]


def test_an_alias_names_the_same_rows_and_keeps_them_after_the_original_goes(
    tmp_path: Path,
) -> None:
    run = NightStore(tmp_path, "run-1", FINGERPRINT)
    run.replace("match/crosswalk", frame(1, 2))
    run.alias("match/rebuilt", "match/crosswalk")
    whole_night(run)
    assert run.commit()
    later = NightStore(tmp_path, "run-2", FINGERPRINT)
    assert later.read("match/rebuilt")["id"].tolist() == ["1", "2"]
    later.replace("match/crosswalk", frame(3))  # the original replaced: the alias keeps its rows
    whole_night(later)
    assert later.commit()
    third = NightStore(tmp_path, "run-3", FINGERPRINT)
    assert third.read("match/rebuilt")["id"].tolist() == ["1", "2"]
    assert third.read("match/crosswalk")["id"].tolist() == ["3"]
    with pytest.raises(KeyError, match="no stored table"):
        third.alias("match/rebuilt", "match/nothing")


def test_a_partial_run_forgets_the_committed_night(tmp_path: Path) -> None:
    first = NightStore(tmp_path, "run-1", FINGERPRINT)
    whole_night(first)
    first.replace("stage/crm/companies", frame(1))
    first.commit()
    partial = NightStore(tmp_path, "run-2", FINGERPRINT)
    partial.set_value("stage", "done")  # match and unify did not run
    assert not partial.commit()
    assert not NightStore(tmp_path, "run-3", FINGERPRINT).has_committed_night()


def test_appends_add_chunks_and_compact(tmp_path: Path) -> None:
    run = NightStore(tmp_path, "run-1", FINGERPRINT)
    run.replace("facts", frame(0))
    for value in range(1, MAX_CHUNKS + 3):
        run.append("facts", frame(value))
    assert run.read("facts")["id"].tolist() == [str(v) for v in range(MAX_CHUNKS + 3)]
    whole_night(run)
    run.commit()
    assert len(list((tmp_path / "chunks").glob("*.arrow"))) < MAX_CHUNKS


def test_configurations_keep_their_own_state_and_unused_chunks_go(tmp_path: Path) -> None:
    other = state_fingerprint("sources.yaml text", "/data", "postgresql+psycopg://pg/db")
    duck, pg = NightStore(tmp_path, "a", FINGERPRINT), NightStore(tmp_path, "b", other)
    for store, value in ((duck, 1), (pg, 2)):
        store.replace("t", frame(value))
        whole_night(store)
        store.commit()
    assert NightStore(tmp_path, "c", FINGERPRINT).read("t")["id"].tolist() == ["1"]
    assert NightStore(tmp_path, "d", other).read("t")["id"].tolist() == ["2"]
    again = NightStore(tmp_path, "e", FINGERPRINT)
    again.replace("t", frame(3))
    whole_night(again)
    again.commit()
    assert len(list((tmp_path / "chunks").glob("*.arrow"))) == 2  # duck's old chunk deleted
    assert not (tmp_path / "pending" / "e").exists()


def test_a_run_committing_while_another_collects_keeps_its_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two deployments sharing a state folder: the second commits between the first's reads
    of the pending entries and of the manifests."""
    other = state_fingerprint("the other deployment's sources.yaml", "/data", "duckdb:///o.duckdb")
    first, second = (
        NightStore(tmp_path, "first", FINGERPRINT),
        NightStore(tmp_path, "second", other),
    )
    for store, value in ((first, 1), (second, 2)):
        store.replace("t", frame(value))
        whole_night(store)
    reads: list[str] = []

    def then_the_other_commits(read: Callable[[NightStore], set[str]]) -> Callable:
        def reading(store: NightStore) -> set[str]:
            named = read(store)
            reads.append(read.__name__)
            if store is first and len(reads) == 1:  # after the first of the two reads
                second.commit()
            return named

        return reading

    for read in ("_pending_chunks", "_manifest_chunks"):
        monkeypatch.setattr(NightStore, read, then_the_other_commits(getattr(NightStore, read)))
    first.commit()
    assert len(reads) >= 2
    monkeypatch.undo()
    assert NightStore(tmp_path, "next", other).read("t")["id"].tolist() == ["2"]
    assert NightStore(tmp_path, "next", FINGERPRINT).read("t")["id"].tolist() == ["1"]


def test_an_unnamed_chunk_stays_for_the_grace_then_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run writes its chunks before their entries (`replace_all`) while another commits."""
    monkeypatch.setattr(night_store, "CHUNK_GRACE_S", 600)
    run = NightStore(tmp_path, "run", FINGERPRINT)
    run.replace("t", frame(1))
    whole_night(run)
    chunk = NightStore(tmp_path, "writing", FINGERPRINT)._save_chunk(frame(2))  # entry to come
    run.commit()
    assert (tmp_path / "chunks" / chunk).exists()
    monkeypatch.setattr(night_store, "CHUNK_GRACE_S", -1)  # the grace is over: no entry came
    later = NightStore(tmp_path, "later", FINGERPRINT)
    whole_night(later)
    later.commit()
    assert not (tmp_path / "chunks" / chunk).exists()
    assert NightStore(tmp_path, "next", FINGERPRINT).read("t")["id"].tolist() == ["1"]


def test_leftovers_of_abandoned_runs_and_configurations_are_collected(tmp_path: Path) -> None:
    other = state_fingerprint("an older sources.yaml", "/data", "duckdb:///w.duckdb")
    old = NightStore(tmp_path, "old", other)
    old.replace("t", frame(1))
    whole_night(old)
    old.commit()
    abandoned = NightStore(tmp_path, "partial-from-the-ui", FINGERPRINT)
    abandoned.replace("t", frame(2))  # never committed
    running = NightStore(tmp_path, "still-running", FINGERPRINT)
    running.replace("t", frame(3))
    long_ago = 0
    os.utime(tmp_path / "pending" / "partial-from-the-ui", (long_ago, long_ago))
    os.utime(old.manifest, (long_ago, long_ago))
    assert STALE_PENDING_S < STALE_MANIFEST_S
    now = NightStore(tmp_path, "tonight", FINGERPRINT)
    now.replace("t", frame(4))
    whole_night(now)
    now.commit()
    assert not old.manifest.exists()
    assert not (tmp_path / "pending" / "partial-from-the-ui").exists()
    assert running.read("t")["id"].tolist() == ["3"]  # a run still writing keeps its chunks
    assert len(list((tmp_path / "chunks").glob("*.arrow"))) == 2  # tonight's and the running one's


def test_a_restarted_step_forgets_only_its_own_entries_of_this_run(tmp_path: Path) -> None:
    first = NightStore(tmp_path, "a", FINGERPRINT)
    first.replace("stage/crm/companies", frame(1))
    first.set_value("stage", "done")
    first.set_value("match", "done")
    first.set_value("unify", "done")
    assert first.commit()
    retried = NightStore(tmp_path, "b", FINGERPRINT)
    retried.replace("stage/crm/companies", frame(2))  # the failed attempt's
    retried.set_value("stage/removed", "attempt 1")
    retried.set_value("stagehand", "kept")  # another step whose name only starts alike
    retried.set_value("match", "done")
    retried.restart("stage")
    assert retried.read("stage/crm/companies")["id"].tolist() == ["1"]  # the committed rows
    assert retried.value("stage/removed") is None
    assert not retried.wrote("stage/crm/companies")
    assert retried.value("stagehand") == "kept" and retried.wrote("match")


def test_restart_passes_over_an_entry_another_step_forgets_meanwhile(
    tmp_path: Path, monkeypatch
) -> None:
    store = NightStore(tmp_path, "a", FINGERPRINT)
    store.set_value("extract/crm/companies", "mark")
    store.set_value("extract/erp/companies", "mark")
    read = Path.read_text

    def gone_meanwhile(path: Path, *args, **kwargs) -> str:
        if "crm" in path.name:  # the crm extract's own restart removes it first
            path.unlink()
            raise FileNotFoundError(path)
        return read(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", gone_meanwhile)
    store.restart("extract/erp")
    monkeypatch.undo()
    assert store.value("extract/erp/companies") is None


def test_a_commit_removes_a_temporary_file_a_killed_write_left(tmp_path: Path) -> None:
    store = NightStore(tmp_path, "a", FINGERPRINT)
    store.replace("t", frame(1))
    whole_night(store)
    (store.pending / ".t.json.0123abcd").write_text("half written")
    assert store.commit()
    assert not store.pending.exists()


def held_rows(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_id": pd.array([f"S{i}" for i in range(n)], dtype="str"),
            "amount": np.arange(n, dtype=float) * 1.5,
            "day": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(n) % 40, unit="D"),
            "_row_hash": np.arange(n, dtype=np.uint64) * 7919,
        }
    )


def test_a_rewrite_holds_the_kept_rows_then_the_added_ones(tmp_path: Path) -> None:
    """Batch by batch (more rows than a batch), equal to pandas' filter and concatenation;
    with nothing added, or nothing dropped, too."""
    store = NightStore(tmp_path, "run-1", FINGERPRINT)
    held = held_rows(150_000)
    assert len(held) > ROWS_PER_BATCH
    keep = np.random.default_rng(5).random(len(held)) > 0.01
    keep[-10:] = False  # the last batch too
    added = held_rows(3).assign(source_id=pd.array(["N1", "N2", "N3"], dtype="str"))
    for kept, new in ((keep, added), (keep, added[:0]), (np.ones(len(held), bool), added)):
        store.replace("stage/crm/deals", held)
        store.rewrite("stage/crm/deals", store.read("stage/crm/deals"), kept, new)
        expected = pd.concat([held[kept], new], ignore_index=True)
        pd.testing.assert_frame_equal(store.read("stage/crm/deals"), expected)
        (chunk,) = store._entry("stage/crm/deals")["chunks"]
        with pa.memory_map(str(store.chunks / chunk)) as source:  # written a batch at a time
            assert pa.ipc.open_file(source).num_record_batches > 1


def test_a_rewrite_of_frames_arrow_does_not_keep_as_they_are_concatenates_as_pandas(
    tmp_path: Path,
) -> None:
    """Held rows with an `object` column (a quarantine row without an id: stored pickled),
    added rows of another dtype (an all-missing column) or with a categorical's categories in
    another order go through pandas, which keeps what each value was, rather than Arrow
    casting NaN to the text 'nan' or refusing a second dictionary."""
    store = NightStore(tmp_path, "run-1", FINGERPRINT)
    keep = np.array([True, False, True, True, False])
    quarantined = held_rows(5).assign(source_id=[None, "S1", None, "S3", "S4"])
    kinds = pd.Categorical(["a", "b", "a", "b", "a"], categories=["a", "b"])
    for held, added in (
        (quarantined, quarantined[:2]),
        (held_rows(5), held_rows(2).assign(source_id=np.nan)),
        # categories in another order: equal dtypes to pandas, another dictionary to Arrow
        (
            held_rows(5).assign(kind=kinds),
            held_rows(2).assign(kind=pd.Categorical(["b", "a"], categories=["b", "a"])),
        ),
    ):
        store.replace("stage/crm/deals", held)
        store.rewrite("stage/crm/deals", store.read("stage/crm/deals"), keep, added)
        expected = pd.concat([held[keep], added], ignore_index=True)
        pd.testing.assert_frame_equal(store.read("stage/crm/deals"), expected)
    assert store.read("stage/crm/deals")["kind"].tolist() == ["a", "a", "b", "b", "a"]
