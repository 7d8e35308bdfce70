"""Columns placed from rows worked out tonight and rows kept from the last night."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleansing.columns import interleaved, interleaved_frame


def test_interleaving_fresh_and_reused_scores_places_each_and_changes_neither():
    """Candidates 0 and 2 were scored tonight, 1 and 3 are last night's rows 2 and 0; the
    reused rows' categories follow fresh's; nullable columns keep their missing values."""
    fresh = pd.DataFrame(
        {
            "reason": pd.Categorical(["name", "phone"]),
            "score": [0.9, 0.8],
            "edits": pd.array([1, None], dtype="Int64"),
            "equal": pd.array([None, True], dtype="boolean"),
            "reason_text": pd.array(["name", None], dtype="str"),
            "when": np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[s]"),
            "zoned": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("Asia/Tokyo"),
        }
    )
    kept = pd.DataFrame(
        {
            "reason": pd.Categorical(["kana", "unused", "name"]),
            "score": pd.array([1, 2, 3], dtype="int64"),
            "edits": pd.array([None, 5, 7], dtype="Int64"),
            "equal": pd.array([False, None, None], dtype="boolean"),
            "reason_text": pd.array(["kana", "unused", None], dtype="str"),
            "when": np.array(["2023-01-01", "2023-01-02", "2023-01-03"], dtype="datetime64[s]"),
            "zoned": pd.to_datetime(["2023-01-01", None, "2023-01-03"]).tz_localize("Asia/Tokyo"),
        }
    )
    given_fresh, given_kept = fresh.copy(), kept.copy()
    reused = np.array([False, True, False, True])
    kept_row = np.array([-1, 2, -1, 0])  # read only where reused

    def column(name: str) -> pd.Series:
        return pd.Series(interleaved(fresh[name], kept[name], kept_row, reused))

    # the frame of placed columns: the named ones, in that order, each as placed alone
    placed = interleaved_frame(fresh, kept, kept_row, reused, ["score", "reason", "edits"])
    assert list(placed.columns) == ["score", "reason", "edits"]
    for name in placed.columns:
        pd.testing.assert_series_equal(placed[name], column(name).rename(name))

    assert column("reason").tolist() == ["name", "name", "phone", "kana"]
    assert list(column("reason").cat.categories) == ["name", "phone", "kana"]
    assert column("score").tolist() == [0.9, 3.0, 0.8, 1.0]
    assert column("edits").tolist() == [1, 7, pd.NA, pd.NA]
    assert column("edits").dtype == "Int64"
    assert column("equal").tolist() == [pd.NA, pd.NA, True, False]
    text = column("reason_text")
    assert text.dtype == "str" and text.isna().tolist() == [False, True, True, False]
    assert text[[0, 3]].tolist() == ["name", "kana"]
    assert column("when").astype(str).tolist() == [
        "2024-01-01",
        "2023-01-03",
        "2024-01-02",
        "2023-01-01",
    ]
    zoned = column("zoned")
    assert zoned.dtype == fresh["zoned"].dtype and str(zoned.dt.tz) == "Asia/Tokyo"
    assert zoned.dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-01",
        "2023-01-03",
        "2024-01-02",
        "2023-01-01",
    ]
    pd.testing.assert_frame_equal(fresh, given_fresh)
    pd.testing.assert_frame_equal(kept, given_kept)
