"""The expectation suites: every staged table, the golden customers, their dormancy, the
customer link of transactions and row conservation. Edit thresholds here.

Blocking groups (integrity) stop the warehouse load; non-blocking ones (distributions) warn.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping

import pandas as pd

from cleansing.matching import CUSTOMER_COLUMNS
from cleansing.quality.model import CheckGroup, Fact, Frames, Suite, expect
from cleansing.quality.views import (
    LOADED,
    conservation,
    name_share_by_source,
    rows_held,
    with_expected_corporate_number,
    with_known_customer,
)
from cleansing.schema import (
    ACTIVITY_TYPES,
    DEAL_STAGES,
    ENTITIES,
    REQUIRED_RAW,
    STAGED_COLUMNS,
    TIERS,
)

ROW_COUNT_BAND = 0.2  # a nightly table may grow or shrink by 20% before it warns
MIN_NAME_SHARE = 0.95
MAX_QUARANTINED_SHARE = 0.05
DATETIME_TYPES = ["datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"]
NUMERIC_TYPES = ["float64", "int64"]
NO_PREVIOUS_RUN = "no previous run to compare with"
CORPORATE_NUMBER_FORMAT = r"^[1-9][0-9]{12}$"  # the leading check digit is never 0

DATE_COLUMNS = {
    "companies": ("updated_at",),
    "transactions": ("transaction_date",),
    "deals": ("deal_date",),
    "activities": ("activity_date",),
}
AMOUNT_COLUMNS = {
    "companies": ("employees", "capital_yen"),
    "transactions": ("amount",),
    "deals": ("amount",),
    "activities": (),
}
CODES = {"deals": {"stage": DEAL_STAGES}, "activities": {"activity_type": ACTIVITY_TYPES}}


def run_facts(today: dt.date, previous_rows: int | None) -> dict[str, object]:
    """The facts suites refer to: the end of today, and the row-count band around the
    previous run's count when there was one."""
    facts: dict[str, object] = {"end_of_today": pd.Timestamp(today + dt.timedelta(days=1))}
    if previous_rows is not None:
        facts["rows_min"] = math.floor(previous_rows * (1 - ROW_COUNT_BAND))
        facts["rows_max"] = math.ceil(previous_rows * (1 + ROW_COUNT_BAND))
    return facts


def columns_present(columns: tuple[str, ...]) -> CheckGroup:
    return CheckGroup(
        "columns_present",
        "Every required column is present",
        (expect("ExpectTableColumnsToMatchSet", column_set=list(columns), exact_match=False),),
    )


def ids_unique(columns: tuple[str, ...], name: str = "ids_unique") -> CheckGroup:
    unique = (
        expect("ExpectColumnValuesToBeUnique", column=columns[0])
        if len(columns) == 1
        else expect("ExpectCompoundColumnsToBeUnique", column_list=list(columns))
    )
    not_null = tuple(expect("ExpectColumnValuesToNotBeNull", column=c) for c in columns)
    return CheckGroup(
        name, f"{' + '.join(columns)}: never null, never repeated", (*not_null, unique)
    )


def required_values(columns: tuple[str, ...]) -> CheckGroup:
    return CheckGroup(
        "required_values",
        "Required fields are filled (staging quarantines rows without them)",
        tuple(expect("ExpectColumnValuesToNotBeNull", column=c) for c in columns),
    )


# An open deal's close date is its expected close: the future is allowed there only.
FUTURE_ALLOWED_UNLESS = {"deals": 'stage != "open"'}


def dates_valid(columns: tuple[str, ...], past_only_if: str | None = None) -> CheckGroup:
    condition = (
        {"row_condition": past_only_if, "condition_parser": "pandas"} if past_only_if else {}
    )
    parsed = (
        expect("ExpectColumnValuesToBeInTypeList", column=c, type_list=DATETIME_TYPES)
        for c in columns
    )
    past = (
        expect(
            "ExpectColumnValuesToBeBetween",
            column=c,
            max_value=Fact("end_of_today"),
            strict_max=True,
            **condition,
        )
        for c in columns
    )
    return CheckGroup("dates_valid", "Dates are parsed dates, none after today", (*parsed, *past))


def amounts_numeric(columns: tuple[str, ...]) -> CheckGroup:
    return CheckGroup(
        "amounts_numeric",
        "Amounts are numbers, not text",
        tuple(
            expect("ExpectColumnValuesToBeInTypeList", column=c, type_list=NUMERIC_TYPES)
            for c in columns
        ),
    )


def codes_allowed(codes: Mapping[str, tuple[str, ...]]) -> CheckGroup:
    return CheckGroup(
        "codes_allowed",
        "Coded fields hold known codes only",
        tuple(
            expect("ExpectColumnValuesToBeInSet", column=c, value_set=list(v))
            for c, v in codes.items()
        ),
    )


def corporate_numbers_valid(only_if: str | None) -> CheckGroup:
    """法人番号 are 13 digits with a correct check digit (`only_if`: a pandas row condition)."""
    condition = {"row_condition": only_if, "condition_parser": "pandas"} if only_if else {}
    return CheckGroup(
        "corporate_number_valid",
        "法人番号 have 13 digits and a correct check digit"
        + (f" where {only_if}" if only_if else ""),
        (
            expect(
                "ExpectColumnValuesToMatchRegex",
                column="corporate_number",
                regex=CORPORATE_NUMBER_FORMAT,
                **condition,
            ),
            expect(
                "ExpectColumnPairValuesToBeEqual",
                column_A="corporate_number",
                column_B="corporate_number_expected",
                ignore_row_if="either_value_is_missing",
                **condition,
            ),
        ),
    )


def row_count() -> CheckGroup:
    return CheckGroup(
        "row_count",
        f"Row count within ±{ROW_COUNT_BAND:.0%} of the previous run",
        (
            expect(
                "ExpectTableRowCountToBeBetween",
                min_value=Fact("rows_min", NO_PREVIOUS_RUN),
                max_value=Fact("rows_max", NO_PREVIOUS_RUN),
            ),
        ),
        blocking=False,
    )


def held_row_count(entity: str) -> Suite:
    """The staged table's size after this night (rows held, which an incremental night's new
    rows alone do not show) within the band around the previous night's."""
    asset = f"staged_{entity}"
    return Suite(
        name=f"{asset}_rows",
        asset=asset,
        inputs=("source_inventory",),
        id_columns=("entity",),
        build=lambda frames: rows_held(frames["source_inventory"], entity),
        groups=(
            CheckGroup(
                "row_count",
                f"Rows held within ±{ROW_COUNT_BAND:.0%} of the previous run",
                (
                    expect(
                        "ExpectColumnValuesToBeBetween",
                        column="rows_held",
                        min_value=Fact("rows_min", NO_PREVIOUS_RUN),
                        max_value=Fact("rows_max", NO_PREVIOUS_RUN),
                    ),
                ),
                blocking=False,
            ),
        ),
    )


def _expected_numbers(asset: str) -> Callable[[Frames], pd.DataFrame]:
    return lambda frames: with_expected_corporate_number(frames[asset])


def staged_suite(entity: str) -> Suite:
    """The suite of one staged table, derived from the canonical schema."""
    asset = f"staged_{entity}"
    companies = entity == "companies"
    groups = (
        columns_present(STAGED_COLUMNS[entity]),
        ids_unique(("source", "source_id")),
        required_values(tuple(c for c in REQUIRED_RAW[entity] if c != "source_id")),
        dates_valid(DATE_COLUMNS[entity], FUTURE_ALLOWED_UNLESS.get(entity)),
        amounts_numeric(AMOUNT_COLUMNS[entity]),
        codes_allowed(CODES.get(entity, {})),
        *([corporate_numbers_valid("corporate_number_valid == True")] if companies else []),
    )
    return Suite(
        name=asset,
        asset=asset,
        groups=tuple(g for g in groups if g.expectations),
        build=_expected_numbers(asset) if companies else None,
    )


SUITES: tuple[Suite, ...] = (
    *(staged_suite(entity) for entity in ENTITIES),
    *(held_row_count(entity) for entity in ENTITIES),
    Suite(
        name="staged_company_names",
        asset="staged_companies",
        inputs=("staging_quarantine",),
        id_columns=("source",),
        build=name_share_by_source,
        groups=(
            CheckGroup(
                "name_share",
                f"Per source, at least {MIN_NAME_SHARE:.0%} of company rows read have a name",
                (
                    expect(
                        "ExpectColumnValuesToBeBetween",
                        column="name_share",
                        min_value=MIN_NAME_SHARE,
                    ),
                ),
                blocking=False,
            ),
        ),
    ),
    Suite(
        name="customers",
        asset="customers",
        id_columns=("customer_id",),
        build=_expected_numbers("customers"),
        groups=(
            columns_present(CUSTOMER_COLUMNS),
            ids_unique(("customer_id",), name="customer_id_unique"),
            corporate_numbers_valid(None),
            CheckGroup(
                "name_share",
                f"At least {MIN_NAME_SHARE:.0%} of customers have a name",
                (expect("ExpectColumnValuesToNotBeNull", column="name", mostly=MIN_NAME_SHARE),),
                blocking=False,
            ),
            row_count(),
        ),
    ),
    Suite(
        name="customer_dormancy",
        asset="customer_dormancy",
        id_columns=("customer_id",),
        groups=(
            CheckGroup(
                "tier_values_allowed",
                "Every customer has a tier from the allowed set",
                (
                    expect("ExpectColumnValuesToNotBeNull", column="tier"),
                    expect("ExpectColumnValuesToBeInSet", column="tier", value_set=list(TIERS)),
                ),
            ),
            amounts_numeric(("lifetime_amount", "amount_12m", "amount_prev_12m")),
        ),
    ),
    Suite(
        name="customer_transactions",
        asset="customer_transactions",
        inputs=("customers",),
        id_columns=("source", "source_id", "customer_id"),
        build=with_known_customer,
        groups=(
            CheckGroup(
                "transactions_have_customer",
                "Every transaction belongs to a known customer (no orphans)",
                (
                    expect("ExpectColumnValuesToNotBeNull", column="customer_id"),
                    expect("ExpectColumnValuesToNotBeNull", column="customer_id_known"),
                ),
            ),
        ),
    ),
    Suite(
        name="rows_conserved",
        asset="quarantine",
        inputs=("source_inventory", *LOADED.values()),
        id_columns=("source", "entity"),
        build=conservation,
        groups=(
            CheckGroup(
                "rows_conserved",
                "Per source and entity: rows read = rows loaded + rows quarantined",
                (
                    expect(
                        "ExpectColumnPairValuesToBeEqual",
                        column_A="rows_read",
                        column_B="rows_accounted",
                    ),
                ),
            ),
            CheckGroup(
                "quarantine_share",
                f"Per source and entity, at most {MAX_QUARANTINED_SHARE:.0%} of rows quarantined",
                (
                    expect(
                        "ExpectColumnValuesToBeBetween",
                        column="quarantined_share",
                        max_value=MAX_QUARANTINED_SHARE,
                    ),
                ),
                blocking=False,
            ),
        ),
    ),
)
