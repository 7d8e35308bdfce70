"""Intermediate assets through FrameIOManager: DataFrames come back equal, dtypes included,
whether they went as Arrow files or (with object columns) as pickles."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from upath import UPath

from pipelines.io_manager import ARROW_MAGIC, FrameFileIOManager, load_value, save_value

TYPED = pd.DataFrame(
    {
        "str": pd.Series(["a", None, "東京"], dtype="str"),
        "string": pd.Series(["x", pd.NA, "ｶﾅ"], dtype="string"),
        "int": [1, 2, 3],
        "nullable_int": pd.array([1, None, 3], dtype="Int64"),
        "float": [1.5, np.nan, 3.0],
        "bool": [True, False, True],
        "nullable_bool": pd.array([True, None, False], dtype="boolean"),
        "ns": pd.to_datetime(["2026-01-01", None, "2026-11-23"]),
        "seconds": pd.to_datetime(["2026-01-01", None, "2026-11-23"]).astype("datetime64[s]"),
    }
)


def roundtrip(tmp_path: Path, value: object) -> tuple[object, bytes]:
    manager = FrameFileIOManager(base_dir=str(tmp_path))
    key = dg.AssetKey(["stage", "frame"])
    manager.handle_output(dg.build_output_context(asset_key=key), value)
    head = (tmp_path / "stage" / "frame").read_bytes()[: len(ARROW_MAGIC)]
    upstream = dg.build_output_context(asset_key=key)
    return manager.load_input(dg.build_input_context(asset_key=key, upstream_output=upstream)), head


@pytest.mark.parametrize(
    "frame",
    [
        TYPED,
        TYPED.iloc[:0],
        TYPED.set_index("str"),
        TYPED.iloc[[2, 0]],  # a non-range index
        pd.DataFrame(
            {
                # unused categories and their order kept; codes, not values, on disk
                "tier": pd.Categorical(["dormant", None, "active"], ["dormant", "active", "x"]),
                "rank": pd.Categorical([3, 1, 3], ordered=True),
            }
        ),
    ],
    ids=["typed", "empty", "string_index", "shuffled_index", "categorical"],
)
def test_typed_frames_go_as_arrow_and_come_back_equal(tmp_path: Path, frame: pd.DataFrame):
    loaded, head = roundtrip(tmp_path, frame)
    assert head == ARROW_MAGIC
    pd.testing.assert_frame_equal(loaded, frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"amount": [1, "要確認", None]}),  # a raw column as the driver gave it
        pd.DataFrame({"key": pd.Series(["a", "b"], dtype=object)}),
        pd.DataFrame({0: [1, 2]}),  # a column name Arrow would turn into text
    ],
    ids=["mixed_object", "object_strings", "int_column_name"],
)
def test_other_frames_are_pickled_exactly(tmp_path: Path, frame: pd.DataFrame):
    loaded, head = roundtrip(tmp_path, frame)
    assert head != ARROW_MAGIC
    pd.testing.assert_frame_equal(loaded, frame)
    assert [type(v) for v in loaded.iloc[:, 0]] == [type(v) for v in frame.iloc[:, 0]]


def test_other_values_are_pickled(tmp_path: Path):
    value = {"companies": TYPED, "count": 3}
    loaded, head = roundtrip(tmp_path, value)
    assert head != ARROW_MAGIC
    assert loaded["count"] == 3
    pd.testing.assert_frame_equal(loaded["companies"], TYPED)


def test_a_loaded_frame_outlives_the_file_saved_over_it(tmp_path: Path) -> None:
    """Loaded frames are views of the memory-mapped file: the next run's output is written
    beside and renamed over it, so the frame a step still holds keeps its values."""
    path = tmp_path / "frame"
    big = pd.DataFrame({"n": np.arange(2_000_000), "s": pd.array(["東京"] * 2_000_000, "str")})
    save_value(path, big)
    loaded = load_value(path)
    save_value(path, TYPED)
    pd.testing.assert_frame_equal(loaded, big)
    pd.testing.assert_frame_equal(load_value(path), TYPED)
    assert [p.name for p in tmp_path.iterdir()] == ["frame"]  # nothing left beside it


def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "frame"
    save_value(path, TYPED)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        save_value(path, {"not picklable": lambda: None})
    pd.testing.assert_frame_equal(load_value(path), TYPED)
    assert [p.name for p in tmp_path.iterdir()] == ["frame"]


@dataclass(frozen=True)
class Result:
    pairs: pd.DataFrame
    notes: pd.DataFrame  # object column: pickled with the value
    stats: dict[str, int]


def result(rows: int) -> Result:
    pairs = pd.DataFrame({"left": np.arange(rows), "key": pd.array([f"k{i}" for i in range(rows)])})
    return Result(pairs, pd.DataFrame({"any": [object(), "x"]}), {"rows": rows})


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_large_frames_inside_a_value_go_to_arrow_files_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "matches"
    first = result(5)
    save_value(path, first, inner_frame_rows=3)
    (inner,) = beside(path)  # the pairs only: notes has an object column, and both are named
    assert inner.endswith(".arrow") and (tmp_path / inner).read_bytes()[:6] == ARROW_MAGIC
    loaded = load_value(path)
    pd.testing.assert_frame_equal(loaded.pairs, first.pairs)
    assert loaded.stats == {"rows": 5} and loaded.notes["any"].iloc[1] == "x"
    save_value(path, result(2), inner_frame_rows=3)  # below the bar: pickled whole
    assert beside(path) == []
    pd.testing.assert_frame_equal(loaded.pairs, first.pairs)  # still mapped, though unlinked
    save_value(path, result(4), inner_frame_rows=3)
    save_value(path, TYPED)  # a frame saved over the value: its files go too
    assert beside(path) == []


def test_a_failed_write_of_a_value_keeps_the_old_value_and_its_files(tmp_path: Path) -> None:
    path = tmp_path / "matches"
    save_value(path, result(5), inner_frame_rows=3)
    kept = beside(path)
    broken = {"pairs": result(6).pairs, "callback": lambda: None}  # pairs written, then fails
    with pytest.raises((pickle.PicklingError, AttributeError)):
        save_value(path, broken, inner_frame_rows=3)
    assert beside(path) == kept
    pd.testing.assert_frame_equal(load_value(path).pairs, result(5).pairs)


def test_a_frame_referred_to_twice_is_written_once_and_loaded_once(tmp_path: Path) -> None:
    path = tmp_path / "matches"
    pairs = result(5).pairs
    save_value(path, {"pairs": pairs, "kept": {"pairs": pairs}}, inner_frame_rows=3)
    assert len(beside(path)) == 1
    loaded = load_value(path)
    assert loaded["pairs"] is loaded["kept"]["pairs"]
    pd.testing.assert_frame_equal(loaded["pairs"], pairs)


def test_a_loaded_frame_saved_unchanged_links_its_file(tmp_path: Path) -> None:
    """Unify hands on the match's customers and crosswalk as loaded: their files are linked,
    not written again. A frame changed in any way since it was loaded is written."""
    source, same, changed = tmp_path / "source", tmp_path / "same", tmp_path / "changed"
    save_value(source, TYPED)
    loaded = load_value(source)
    save_value(same, loaded)
    assert same.stat().st_ino == source.stat().st_ino
    pd.testing.assert_frame_equal(load_value(same), TYPED)

    edits = {
        "a value set": lambda f: f.__setitem__("int", [1, 2, 4]),
        "a column added": lambda f: f.__setitem__("extra", 1),
        "a column dropped": lambda f: f.pop("float"),
    }
    for edit in edits.values():
        frame = load_value(source)
        edit(frame)
        save_value(changed, frame)
        assert changed.stat().st_ino != source.stat().st_ino
        pd.testing.assert_frame_equal(load_value(changed), frame)
    for sliced in (loaded.iloc[1:], loaded[["int", "str"]]):  # new frames over the same memory
        save_value(changed, sliced)
        assert changed.stat().st_ino != source.stat().st_ino
        pd.testing.assert_frame_equal(load_value(changed), sliced)


def test_a_loaded_frame_inside_a_value_links_its_file(tmp_path: Path) -> None:
    """The match result's customers, as the night store holds them: one file, two names."""
    store, value = tmp_path / "store", tmp_path / "values"
    store.mkdir(), value.mkdir()
    save_value(store / "customers", TYPED)
    loaded = load_value(store / "customers")
    edited = load_value(store / "customers")
    edited["int"] = [7, 8, 9]
    save_value(value / "matches", {"kept": loaded, "edited": edited}, inner_frame_rows=3)
    source = (store / "customers").stat().st_ino
    inodes = {path.stat().st_ino for path in value.iterdir() if path.name != "matches"}
    assert len(inodes) == 2 and source in inodes  # the edited frame has a file of its own
    back = load_value(value / "matches")
    pd.testing.assert_frame_equal(back["kept"], TYPED)
    pd.testing.assert_frame_equal(back["edited"], edited)


def test_a_frame_whose_file_was_replaced_since_is_written(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    save_value(source, TYPED)
    loaded = load_value(source)
    save_value(source, TYPED.iloc[:1])  # the next night's value, under the same name
    save_value(target, loaded)
    assert target.stat().st_ino != source.stat().st_ino
    pd.testing.assert_frame_equal(load_value(target), TYPED)


def test_a_frame_is_written_where_its_file_cannot_be_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another device (the state folder on its own disk) links no file: the frame is written."""
    source, target = tmp_path / "source", tmp_path / "target"
    save_value(source, TYPED)
    loaded = load_value(source)

    def no_link(*_: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("pipelines.io_manager.os.link", no_link)
    save_value(target, loaded)
    assert target.stat().st_ino != source.stat().st_ino
    pd.testing.assert_frame_equal(load_value(target), TYPED)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source", "target"]


@pytest.mark.parametrize("make_path", [Path, UPath])
def test_local_files_are_written_through_arrows_own_file(
    tmp_path: Path, make_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Python file object would make each of Arrow's writes wait for the GIL: frames, pickles
    and the frames beside a pickle all go through Arrow's file."""
    opened: list[str] = []
    real = pa.OSFile

    def spy(path: str, mode: str = "r") -> pa.NativeFile:
        opened.append(Path(path).name)
        return real(path, mode)

    monkeypatch.setattr(pa, "OSFile", spy)
    frame, value = make_path(tmp_path / "frame"), make_path(tmp_path / "value")
    save_value(frame, TYPED)
    save_value(value, {"pairs": TYPED}, inner_frame_rows=3)
    assert len(opened) == 3  # the frame, the pickle, the frame beside it
    assert all(name.startswith((".frame.", ".value.")) for name in opened)
    pd.testing.assert_frame_equal(load_value(frame), TYPED)
    pd.testing.assert_frame_equal(load_value(value)["pairs"], TYPED)


def test_some_columns_are_selected_from_the_whole_mapped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked of Arrow's reader, selected columns are copied out of the file (a second for
    three columns of 10M rows); selected from the whole table, they stay views of its pages."""
    import pyarrow.feather as feather

    path = tmp_path / "frame.arrow"
    save_value(path, TYPED)
    asked = []
    read = feather.read_table
    monkeypatch.setattr(
        feather, "read_table", lambda *a, **k: asked.append(k.get("columns")) or read(*a, **k)
    )
    columns = ["seconds", "str", "nullable_int"]
    pd.testing.assert_frame_equal(load_value(path, columns), TYPED[columns])
    assert asked == [None]


def test_a_frame_of_several_pieces_is_written_as_one_batch(tmp_path: Path) -> None:
    """A concatenated frame is stored as one record batch, so a load hands out its number
    columns as views of the mapped file instead of copying each piece together."""
    part = pd.DataFrame(
        {"n": np.arange(70_000, dtype=float), "s": pd.array(["あ"] * 70_000, dtype="str")}
    )
    frame = pd.concat([part, part, part], ignore_index=True)
    save_value(tmp_path / "f", frame)
    with pa.memory_map(str(tmp_path / "f")) as source:
        assert pa.ipc.open_file(source).num_record_batches == 1
    pd.testing.assert_frame_equal(load_value(tmp_path / "f"), frame)
