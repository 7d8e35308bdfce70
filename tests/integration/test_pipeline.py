"""The whole Dagster graph, in process, on a generated sample with known ground truth."""

from __future__ import annotations

import datetime as dt
import itertools

import dagster as dg
import pandas as pd
import pytest

from pipelines.definitions import build_definitions
from pipelines.io_manager import FrameIOManager
from pipelines.resources import DEFAULT_SOURCES, SourcesResource, WarehouseResource
from sampledata import generate
from warehouse.publish import make_engine, read_table

AS_OF = dt.date(2026, 11, 23)
N_COMPANIES = 600


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("deployment")
    generate(root / "sample", n_companies=N_COMPANIES, seed=7, as_of=AS_OF)
    defs = build_definitions(
        DEFAULT_SOURCES,
        {
            "sources": SourcesResource(
                config_path=str(DEFAULT_SOURCES), data_dir=str(root / "sample")
            ),
            "warehouse": WarehouseResource(url=f"duckdb:///{root / 'warehouse.duckdb'}"),
            "io_manager": FrameIOManager(base_dir=str(root / "storage")),
        },
    )
    return {"root": root, "defs": defs}


def run_nightly(deployment: dict) -> dg.ExecuteInProcessResult:
    return (
        deployment["defs"]
        .resolve_job_def("nightly")
        .execute_in_process(
            run_config={"ops": {"customer_dormancy": {"config": {"as_of": AS_OF.isoformat()}}}},
            instance=dg.DagsterInstance.ephemeral(),
        )
    )


@pytest.fixture(scope="module")
def first_run(deployment: dict) -> dict:
    result = run_nightly(deployment)
    engine = make_engine(f"duckdb:///{deployment['root'] / 'warehouse.duckdb'}")
    tables = {
        name: read_table(engine, name)
        for name in ("customers", "customer_source_map", "transactions", "quarantine")
    }
    engine.dispose()
    return {"result": result, **tables}


def test_run_succeeds_and_every_check_passes(first_run: dict) -> None:
    result = first_run["result"]
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    names = {e.check_name for e in evaluations}
    assert {"customer_id_unique", "transactions_have_customer", "rows_conserved"} <= names
    assert all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]


def test_one_customer_per_true_company(deployment: dict, first_run: dict) -> None:
    truth = pd.read_csv(deployment["root"] / "sample" / "truth.csv", dtype=str)
    true_companies = truth["entity_id"].nunique()
    customers = len(first_run["customers"])
    assert abs(customers - true_companies) <= 0.02 * true_companies, (customers, true_companies)


def pairs(groups: pd.Series) -> set[tuple[str, str]]:
    """All unordered record pairs that share a group label."""
    out: set[tuple[str, str]] = set()
    for _, members in groups.groupby(groups):
        out.update(itertools.combinations(sorted(members.index), 2))
    return out


def test_merges_agree_with_ground_truth(deployment: dict, first_run: dict) -> None:
    truth = pd.read_csv(deployment["root"] / "sample" / "truth.csv", dtype=str)
    truth_key = truth["source"] + ":" + truth["source_id"]
    mapped = first_run["customer_source_map"]
    found = pd.Series(
        mapped["customer_id"].values, index=mapped["source"] + ":" + mapped["source_id"]
    )
    expected = pd.Series(truth["entity_id"].values, index=truth_key).loc[found.index]
    found_pairs, true_pairs = pairs(found), pairs(expected)
    precision = len(found_pairs & true_pairs) / len(found_pairs)
    recall = len(found_pairs & true_pairs) / len(true_pairs)
    assert precision >= 0.97 and recall >= 0.95, (precision, recall)


def test_every_tier_present(first_run: dict) -> None:
    tiers = set(first_run["customers"]["tier"])
    assert {"active", "at_risk", "dormant", "long_dormant"} <= tiers


def test_planted_bad_rows_are_quarantined_with_reasons(first_run: dict) -> None:
    reasons = set(first_run["quarantine"]["reason"])
    assert "amount_not_a_number" in reasons
    assert "transaction_date_invalid_date" in reasons
    assert "name_missing" in reasons
    assert "company_source_id_orphan" in reasons
    assert all(first_run["quarantine"]["location"].notna())


def test_rerun_keeps_customer_ids(deployment: dict, first_run: dict) -> None:
    second = run_nightly(deployment)
    assert second.success
    engine = make_engine(f"duckdb:///{deployment['root'] / 'warehouse.duckdb'}")
    again = read_table(engine, "customer_source_map")
    engine.dispose()
    before = first_run["customer_source_map"].set_index(["source", "source_id"])["customer_id"]
    after = again.set_index(["source", "source_id"])["customer_id"]
    assert after.sort_index().equals(before.sort_index())
