"""Expectation suites run with Great Expectations: clean data passes, each kind of breakage
fails exactly the check meant to catch it, with counts and samples that point at the row."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import pandas as pd
import pytest

from cleansing.corporate_number import check_digit
from cleansing.matching import CUSTOMER_COLUMNS
from cleansing.quality import SUITES, GroupOutcome, run_facts, run_suite
from cleansing.quality.views import with_expected_corporate_number
from cleansing.staging import stage_entity

TODAY = dt.date(2026, 11, 23)
SUITE = {suite.name: suite for suite in SUITES}


def raw(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame["row_ref"] = [f"file.csv:{i + 2}" for i in range(len(frame))]
    return frame


def staged(entity: str, rows: list[dict]) -> pd.DataFrame:
    good, quarantined = stage_entity("crm", entity, raw(rows))
    assert quarantined.empty, quarantined["reason"].tolist()
    return good


def clean_frames() -> dict[str, pd.DataFrame]:
    """Every asset the suites read, small and clean (a fresh dict over shared frames: the
    breakages below replace frames, never change them in place)."""
    return dict(_clean_frames())


@functools.cache
def _clean_frames() -> dict[str, pd.DataFrame]:
    companies = staged(
        "companies",
        [
            {"source_id": "A1", "name": "山田商事株式会社", "corporate_number": "7123456789012"},
            {"source_id": "A2", "name": "㈱丸の内物産", "updated_at": "令和6年4月1日"},
        ],
    )
    transactions = staged(
        "transactions",
        [
            {"source_id": f"T{i}", "company_source_id": "A1", "transaction_date": "2024/04/01"}
            | {"amount": "¥1,200"}
            for i in range(3)
        ],
    )
    deals = staged(
        "deals",
        [{"source_id": "D1", "company_source_id": "A1", "deal_date": "2025-01-10", "stage": "won"}],
    )
    activities = staged(
        "activities",
        [
            {
                "source_id": "V1",
                "company_source_id": "A2",
                "activity_date": "2025-05-02",
                "activity_type": "visit",
            }
        ],
    )
    customers = pd.DataFrame({c: [pd.NA, pd.NA] for c in CUSTOMER_COLUMNS}).assign(
        customer_id=["C1", "C2"],
        name=["山田商事", "丸の内物産"],
        corporate_number=["7123456789012", None],
    )
    quarantine = pd.DataFrame(columns=["source", "entity", "source_id", "reason"])
    return {
        "staged_companies": companies,
        "staged_transactions": transactions,
        "staged_deals": deals,
        "staged_activities": activities,
        "staging_quarantine": quarantine,
        "customers": customers,
        "customer_dormancy": customers.assign(
            tier=["active", "dormant"],
            lifetime_amount=[1200.0, 0.0],
            amount_12m=[1200.0, 0.0],
            amount_prev_12m=[0.0, 0.0],
        ),
        "customer_transactions": transactions.assign(customer_id="C1"),
        "customer_source_map": companies[["source", "source_id"]].assign(customer_id=["C1", "C2"]),
        "customer_deals": deals.assign(customer_id="C1"),
        "customer_activities": activities.assign(customer_id="C2"),
        "quarantine": quarantine,
        "source_inventory": pd.DataFrame(
            {
                "source": "crm",
                "entity": ["companies", "transactions", "deals", "activities"],
                "rows_read": [2, 3, 1, 1],
                "rows_held": [2, 3, 1, 1],
            }
        ),
    }


def groups(name: str, frames: dict[str, pd.DataFrame], previous_rows: int | None = None):
    outcome = run_suite(SUITE[name], frames, run_facts(TODAY, previous_rows))
    return {group.name: group for group in outcome.groups}


def failed(outcomes: dict[str, GroupOutcome]) -> set[str]:
    return {name for name, group in outcomes.items() if not group.passed}


def test_suites_cover_every_staged_table_customers_and_conservation() -> None:
    assets = {suite.asset for suite in SUITES}
    assert {
        "staged_companies",
        "staged_transactions",
        "staged_deals",
        "staged_activities",
        "customers",
        "customer_dormancy",
        "customer_transactions",
        "quarantine",
    } <= assets
    for asset in assets:
        names = [g.name for s in SUITES if s.asset == asset for g in s.groups]
        assert len(names) == len(set(names)), asset  # Dagster needs unique names per asset
    staged = SUITE["staged_transactions"].groups
    assert {g.name for g in staged if g.blocking} >= {
        "columns_present",
        "ids_unique",
        "dates_valid",
    }
    assert {g.name for g in staged if not g.blocking} == set()
    held = [g.name for s in SUITES if s.asset == "staged_transactions" for g in s.groups]
    assert "row_count" in held  # on the rows held after the night, in its own suite


@pytest.mark.parametrize("name", [s.name for s in SUITES])
def test_clean_data_passes_every_suite(name: str) -> None:
    outcomes = groups(name, clean_frames())
    assert failed(outcomes) == set()
    skipped = {g for g, o in outcomes.items() if any(e.success is None for e in o.expectations)}
    assert skipped <= {"row_count"}  # nothing to compare with on a first run


def _set(asset: str, column: str, row: int, value: object) -> Callable[[dict], None]:
    def change(frames: dict[str, pd.DataFrame]) -> None:
        frame = frames[asset].astype({column: object})
        frame.loc[row, column] = value
        frames[asset] = frame

    return change


def _drop(asset: str, column: str) -> Callable[[dict], None]:
    def change(frames: dict[str, pd.DataFrame]) -> None:
        frames[asset] = frames[asset].drop(columns=column)

    return change


BREAKAGES = {
    "column missing": (
        "staged_deals",
        _drop("staged_deals", "loss_reason"),
        "columns_present",
        "loss_reason",
    ),
    "id repeated": (
        "staged_transactions",
        _set("staged_transactions", "source_id", 1, "T0"),
        "ids_unique",
        "T0",
    ),
    "id null": (
        "staged_activities",
        _set("staged_activities", "source_id", 0, None),
        "ids_unique",
        "None",
    ),
    "check digit wrong": (
        "staged_companies",
        _set("staged_companies", "corporate_number", 0, "1123456789012"),
        "corporate_number_valid",
        "corporate_number_expected=7123456789012",
    ),
    "date in future": (
        "staged_transactions",
        _set("staged_transactions", "transaction_date", 2, pd.Timestamp("2026-11-25")),
        "dates_valid",
        "source_id=T2",
    ),
    "date not parsed": (
        "staged_deals",
        _set("staged_deals", "deal_date", 0, "2025/01/10"),
        "dates_valid",
        "deal_date=2025/01/10",
    ),
    "amount is text": (
        "staged_transactions",
        _set("staged_transactions", "amount", 0, "要確認"),
        "amounts_numeric",
        "要確認",
    ),
    "code unknown": (
        "staged_activities",
        _set("staged_activities", "activity_type", 0, "fax"),
        "codes_allowed",
        "fax",
    ),
    "customer id repeated": (
        "customers",
        _set("customers", "customer_id", 1, "C1"),
        "customer_id_unique",
        "C1",
    ),
    "golden 法人番号 invalid": (
        "customers",
        _set("customers", "corporate_number", 1, "123"),
        "corporate_number_valid",
        "123",
    ),
    "tier unknown": (
        "customer_dormancy",
        _set("customer_dormancy", "tier", 1, "sleeping"),
        "tier_values_allowed",
        "sleeping",
    ),
    "orphan transaction": (
        "customer_transactions",
        _set("customer_transactions", "customer_id", 0, "C404"),
        "transactions_have_customer",
        "C404",
    ),
    "row lost": (
        "rows_conserved",
        _set("source_inventory", "rows_read", 2, 2),
        "rows_conserved",
        "entity=deals",
    ),
}


@pytest.mark.parametrize("case", BREAKAGES)
def test_each_breakage_fails_its_blocking_check_with_samples(case: str) -> None:
    suite, change, group, sample = BREAKAGES[case]
    frames = clean_frames()
    change(frames)
    outcomes = groups(suite, frames)
    assert failed(outcomes) == {group}
    broken = outcomes[group]
    assert broken.blocking
    assert sum(e.unexpected_count for e in broken.failed) >= 1
    shown = " ".join(s for e in broken.failed for s in e.samples) + " ".join(
        e.note for e in broken.failed
    )
    assert sample in shown, shown


def test_row_count_outside_the_band_of_the_previous_run_warns() -> None:
    frames = clean_frames()  # three transactions held
    (first_run,) = groups("staged_transactions_rows", frames)["row_count"].expectations
    assert first_run.success is None
    assert first_run.note == "skipped: no previous run to compare with"
    assert groups("staged_transactions_rows", frames, previous_rows=3)["row_count"].passed
    shrunk = groups("staged_transactions_rows", frames, previous_rows=10)["row_count"]
    assert not shrunk.passed and not shrunk.blocking
    assert shrunk.failed[0].unexpected_count == 1


def test_row_count_counts_rows_held_not_only_the_rows_of_an_incremental_night() -> None:
    frames = clean_frames()
    frames["staged_transactions"] = frames["staged_transactions"].iloc[:0]  # a quiet night
    assert groups("staged_transactions_rows", frames, previous_rows=3)["row_count"].passed


def test_name_share_points_at_the_source_whose_names_vanished() -> None:
    frames = clean_frames()
    frames["staging_quarantine"] = pd.DataFrame(
        {
            "source": ["excel"] * 3 + ["crm"],
            "entity": "companies",
            "source_id": ["x1", "x2", "x3", "A9"],
            "reason": ["name_missing"] * 3 + ["source_id_duplicate"],
        }
    )
    name_share = groups("staged_company_names", frames)["name_share"]
    assert not name_share.passed and not name_share.blocking
    assert name_share.failed[0].unexpected_count == 1
    assert name_share.failed[0].samples == ("name_share=0.0 source=excel",)


def test_expected_corporate_number_recomputes_the_leading_check_digit() -> None:
    frame = pd.DataFrame({"corporate_number": ["7123456789012", "1123456789012", "12345", None]})
    expected = with_expected_corporate_number(frame)["corporate_number_expected"]
    assert expected.tolist()[:2] == ["7123456789012", "7123456789012"]
    assert expected[2:].isna().all()


def test_expected_corporate_number_agrees_with_the_check_digit_of_every_number() -> None:
    bases = [f"{n:012d}" for n in range(0, 10**12, 10**12 // 997)]
    numbers = [f"{d}{base}" for d in range(10) for base in bases]
    frame = pd.DataFrame({"corporate_number": numbers}, index=range(5, 5 + len(numbers)))
    expected = with_expected_corporate_number(frame)["corporate_number_expected"]
    assert expected.tolist() == [f"{check_digit(n[1:])}{n[1:]}" for n in numbers]
    assert expected.index.equals(frame.index)


def test_run_facts_band_and_end_of_today() -> None:
    facts = run_facts(TODAY, 1000)
    assert (facts["rows_min"], facts["rows_max"]) == (800, 1200)
    assert facts["end_of_today"] == pd.Timestamp("2026-11-24")
    assert "rows_min" not in run_facts(TODAY, None)
