"""An incremental night stages only rows it has not seen, whatever their place in the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from connectors import ReadResult
from connectors.base import ROW_REF, empty_rejects
from pipelines.assets.stage import stage_night
from pipelines.night_store import NightStore, state_fingerprint

FINGERPRINT = state_fingerprint("sources.yaml text", "/data", "duckdb:///w.duckdb")
TODAY = dt.date(2026, 11, 24)


def export(*rows: tuple[str, str]) -> ReadResult:
    """A CRM companies export whose rows sit at rows 2.. of companies.csv, in this order."""
    ids, names = zip(*rows, strict=True)
    frame = pd.DataFrame(
        {
            "source_id": pd.array(ids, dtype="str"),
            "name": pd.array(names, dtype="str"),
            ROW_REF: pd.array([f"companies.csv:{i + 2}" for i in range(len(rows))], dtype="str"),
        }
    )
    return ReadResult(rows=frame, rejects=empty_rejects())


def night(
    root: Path,
    run: str,
    result: ReadResult,
    incremental: bool,
    part: tuple[str, str] = ("crm", "companies"),
):
    """Stage one (source, entity) `part` and commit the night."""
    store = NightStore(root, run, FINGERPRINT)
    staged = stage_night(*part, result, TODAY, store, incremental)
    for step in ("stage", "match", "unify"):
        store.set_value(step, "done")
    assert store.commit()
    return staged


def test_a_resorted_export_stages_nothing_and_an_edit_is_one_row_gone_one_new(tmp_path: Path):
    first = night(tmp_path, "run-1", export(("A1", "山田商事"), ("A2", "丸の内物産")), False)
    assert first.staged["source_id"].tolist() == ["A1", "A2"] and first.rows_held == 2

    resorted = night(tmp_path, "run-2", export(("A2", "丸の内物産"), ("A1", "山田商事")), True)
    assert resorted.staged.empty and resorted.removed.empty and resorted.rows_held == 2

    edited = night(tmp_path, "run-3", export(("A2", "丸の内物産㈱"), ("A1", "山田商事")), True)
    assert edited.staged["source_id"].tolist() == ["A2"]
    assert edited.staged["name_raw"].tolist() == ["丸の内物産㈱"]
    assert edited.removed["source_id"].tolist() == ["A2"] and edited.rows_held == 2


def test_a_vanished_duplicate_copy_leaves_its_staged_row_in_place(tmp_path: Path):
    """The second A1 is quarantined as a duplicate id; when it leaves the export, A1 is still
    held, so publish must not delete its fact or crosswalk row (only the quarantine row)."""
    rows = (("A1", "山田商事"), ("A2", "丸の内物産"), ("A1", "山田商事㈱"))
    first = night(tmp_path, "run-1", export(*rows), False)
    assert first.staged["source_id"].tolist() == ["A1", "A2"]  # the later copy is quarantined
    assert first.quarantine["source_id"].tolist() == ["A1"]
    second = night(tmp_path, "run-2", export(*rows[:2]), True)
    assert second.staged.empty
    assert second.removed[["source_id", "staged_gone"]].values.tolist() == [["A1", False]]
    third = night(tmp_path, "run-3", export(rows[1]), True)
    assert third.removed[["source_id", "staged_gone"]].values.tolist() == [["A1", True]]


def lines(*rows: tuple[str, str, str]) -> ReadResult:
    """A sales-line export: (line id, company record, amount), all on one day."""
    ids, companies, amounts = zip(*rows, strict=True)
    frame = pd.DataFrame(
        {
            "source_id": pd.array(ids, dtype="str"),
            "company_source_id": pd.array(companies, dtype="str"),
            "transaction_date": pd.array(["2026-11-20"] * len(rows), dtype="str"),
            "amount": pd.array(amounts, dtype="str"),
            ROW_REF: pd.array([f"lines.csv:{i + 2}" for i in range(len(rows))], dtype="str"),
        }
    )
    return ReadResult(rows=frame, rejects=empty_rejects())


def test_a_gone_sales_line_names_its_company_record_for_dormancy(tmp_path: Path):
    def stage(run: str, result: ReadResult, incremental: bool):
        return night(tmp_path, run, result, incremental, ("db", "transactions"))

    stage("run-1", lines(("L1", "C1", "100"), ("L2", "C2", "200"), ("L3", "C3", "x")), False)
    second = stage("run-2", lines(("L1", "C1", "100"), ("L3", "C3", "x")), True)
    assert second.removed[["source_id", "company_source_id"]].values.tolist() == [["L2", "C2"]]
    third = stage("run-3", lines(("L1", "C1", "100")), True)  # L3 was quarantined: no company
    assert third.removed["source_id"].tolist() == ["L3"]
    assert third.removed["company_source_id"].isna().all()


def test_held_rows_gain_the_added_rows_and_lose_the_gone_ones_in_order(tmp_path: Path):
    from pipelines.assets.stage import held_key

    def held() -> list[str]:
        store = NightStore(tmp_path, "reader", FINGERPRINT)
        return store.read(held_key("crm", "companies"))["source_id"].tolist()

    night(tmp_path, "run-1", export(("A1", "山田商事"), ("A2", "丸の内物産")), False)
    rows = (("A1", "山田商事"), ("A2", "丸の内物産"), ("A3", "青葉工業"))
    added = night(tmp_path, "run-2", export(*rows), True)
    assert added.staged["source_id"].tolist() == ["A3"] and added.rows_held == 3
    assert held() == ["A1", "A2", "A3"]
    gone = night(tmp_path, "run-3", export(*rows[1:]), True)
    assert gone.removed["source_id"].tolist() == ["A1"] and gone.rows_held == 2
    assert held() == ["A2", "A3"]


def test_a_retried_stage_step_stages_what_its_failed_attempt_staged(tmp_path: Path):
    """The failed attempt's held rows are this run's pending entries: without a restart, the
    retry would take its own rows for held ones and stage (and remove) nothing."""
    night(tmp_path, "run-1", export(("A1", "山田商事"), ("A2", "丸の内物産")), False)
    tonight = export(("A2", "丸の内物産"), ("A3", "青葉工業"))
    store = NightStore(tmp_path, "run-2", FINGERPRINT)
    first = stage_night("crm", "companies", tonight, TODAY, store, True)  # then the step fails
    store.restart("stage")
    retried = stage_night("crm", "companies", tonight, TODAY, store, True)
    for attempt in (first, retried):
        assert attempt.staged["source_id"].tolist() == ["A3"]
        assert attempt.removed["source_id"].tolist() == ["A1"] and attempt.rows_held == 2
