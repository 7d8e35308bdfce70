"""Data quality shared by the Dagster checks and the tests: row conservation, expectation
suites as data, the Great Expectations runner and the HTML report."""

from cleansing.quality.conservation import conservation_report
from cleansing.quality.engine import import_engine, import_engine_in_background
from cleansing.quality.model import (
    CheckGroup,
    Expectation,
    ExpectationOutcome,
    GroupOutcome,
    Suite,
    SuiteOutcome,
)
from cleansing.quality.report import render_page, render_section
from cleansing.quality.runner import run_suite
from cleansing.quality.suites import SUITES, run_facts

__all__ = [
    "SUITES",
    "CheckGroup",
    "Expectation",
    "ExpectationOutcome",
    "GroupOutcome",
    "Suite",
    "SuiteOutcome",
    "conservation_report",
    "import_engine",
    "import_engine_in_background",
    "render_page",
    "render_section",
    "run_facts",
    "run_suite",
]
