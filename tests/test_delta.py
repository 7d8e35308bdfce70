"""Row hashes tell new and edited rows from unchanged ones, wherever they sit in a file."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleansing.delta import _occurrences, is_known, row_hashes


def test_reordered_rows_keep_their_hashes_and_an_edit_changes_one() -> None:
    rows = pd.DataFrame({"id": ["A1", "A2", "A3"], "name": ["山田商事", "丸の内物産", None]})
    hashes = row_hashes(rows)
    shuffled = row_hashes(rows.iloc[[2, 0, 1]].reset_index(drop=True))
    assert set(hashes) == set(shuffled)
    edited = rows.assign(name=["山田商事", "丸の内物産㈱", None])
    assert is_known(row_hashes(edited), hashes).tolist() == [True, False, True]


def test_copies_of_a_row_are_separate_rows_and_column_names_count() -> None:
    rows = pd.DataFrame({"id": ["A1", "A1"], "amount": ["100", "100"]})
    hashes = row_hashes(rows)
    assert hashes[0] != hashes[1]
    renamed = row_hashes(rows.rename(columns={"amount": "total"}))
    assert not is_known(renamed, hashes).any()
    assert row_hashes(rows.iloc[:0]).dtype == np.uint64


def test_occurrences_number_each_hashs_rows_in_row_order() -> None:
    """Against a plain count, on hashes where a few repeat among many that do not."""
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 2**63, 5000, dtype=np.uint64)
    hashes[rng.integers(0, 5000, 400)] = hashes[rng.integers(0, 20, 400)]
    seen: dict[int, int] = {}
    expected = []
    for value in hashes.tolist():
        expected.append(seen.get(value, 0))
        seen[value] = seen.get(value, 0) + 1
    assert _occurrences(hashes).tolist() == expected
    assert _occurrences(np.arange(10, dtype=np.uint64)).tolist() == [0] * 10
