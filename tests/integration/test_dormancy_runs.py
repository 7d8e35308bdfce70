"""Dormancy over several run dates: history snapshots, tier changes, rules without code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml

from cleansing.dormancy.rules import DEFAULT_RULES_PATH
from pipelines.io_manager import load_value
from sampledata import generate
from tests.integration.harness import AS_OF, build_defs, read_tables, run_nightly

LATER = AS_OF + dt.timedelta(days=183)


@pytest.fixture(scope="module")
def two_dates(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("dormancy_runs")
    generate(root / "sample", n_companies=300, seed=11, as_of=AS_OF)
    defs = build_defs(root / "sample", root)
    first = run_nightly(defs, AS_OF)
    assert first.success
    before = read_tables(root, "customers")["customers"]
    second = run_nightly(defs, LATER)
    assert second.success
    tables = read_tables(
        root,
        "customers",
        "dormancy_history",
        "v_tier_changes",
        "v_reactivation_targets",
        "v_dormancy_summary",
        "v_tier_summary",
        "v_quarantine_summary",
    )
    return {"root": root, "defs": defs, "before": before, **tables}


def test_each_run_date_leaves_one_snapshot(two_dates: dict) -> None:
    history = two_dates["dormancy_history"]
    per_date = history.groupby("as_of_date").size()
    assert sorted(pd.to_datetime(per_date.index).date) == [AS_OF, LATER]
    assert per_date.nunique() == 1 and per_date.iloc[0] == len(two_dates["customers"])


def test_tier_changes_follow_the_two_snapshots(two_dates: dict) -> None:
    before = two_dates["before"].set_index("customer_id")["tier"]
    now = two_dates["customers"].set_index("customer_id")
    assert (now["previous_tier"] == before.reindex(now.index)).all()
    moved = now[now["tier"] != now["previous_tier"]]
    assert len(moved) > 0
    newly_at_risk = now[(now["previous_tier"] == "active") & (now["tier"] == "at_risk")]
    assert (newly_at_risk["tier_change"] == "newly_at_risk").all() and len(newly_at_risk) > 0
    assert (now.loc[now["tier"] == now["previous_tier"], "tier_change"] == "unchanged").all()
    changes = two_dates["v_tier_changes"]
    later = changes[pd.to_datetime(changes["as_of_date"]).dt.date == LATER]
    assert set(later["customer_id"]) == set(moved.index)
    assert two_dates["before"]["tier_change"].eq("new").all()


def test_rerunning_a_date_replaces_its_snapshot(two_dates: dict) -> None:
    assert run_nightly(two_dates["defs"], LATER).success
    history = read_tables(two_dates["root"], "dormancy_history")["dormancy_history"]
    assert len(history) == len(two_dates["dormancy_history"])


def test_views_answer(two_dates: dict) -> None:
    targets = two_dates["v_reactivation_targets"]
    assert set(targets["tier"]) <= {"at_risk", "dormant", "long_dormant"}
    assert targets["priority_rank"].is_monotonic_increasing and len(targets) > 0
    summary = two_dates["v_dormancy_summary"]
    assert summary["customers"].sum() == len(two_dates["customers"])
    assert two_dates["v_tier_summary"]["customers"].sum() == len(two_dates["customers"])
    assert two_dates["v_quarantine_summary"]["rows_quarantined"].sum() > 0


def test_a_threshold_change_in_the_rules_file_changes_tiers(
    two_dates: dict, tmp_path: Path
) -> None:
    rules = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    for profile in rules["industry_profiles"].values():
        profile.pop("thresholds", None)  # every profile on the base thresholds
    rules["base_thresholds"] = {"at_risk_months": 1, "dormant_months": 2, "long_dormant_months": 3}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    assert run_nightly(two_dates["defs"], LATER, rules_path=str(path)).success
    customers = read_tables(two_dates["root"], "customers")["customers"]
    default_counts = two_dates["customers"]["tier"].value_counts()
    strict_counts = customers["tier"].value_counts()
    assert strict_counts.get("long_dormant", 0) > default_counts.get("long_dormant", 0)
    assert run_nightly(two_dates["defs"], LATER).success  # back to the defaults


def test_a_malformed_rules_file_fails_before_any_write(two_dates: dict, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    path.write_text(text.replace("at_risk_months: 6", "at_risk_monthz: 6", 1), encoding="utf-8")
    before = read_tables(two_dates["root"], "customers")["customers"]
    result = run_nightly(two_dates["defs"], AS_OF, rules_path=str(path))
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "at_risk_monthz" in str(failure.step_failure_data.error)
    after = read_tables(two_dates["root"], "customers")["customers"]
    pd.testing.assert_frame_equal(before, after)


def test_dormancy_rerun_alone_after_a_failed_first_night_judges_every_fact(
    tmp_path: Path,
) -> None:
    """The first night fails in customer_dormancy (a broken rules file), so no night is
    committed; the operator mends the file and materialises customer_dormancy alone, in a new
    run that staged nothing. It judges from the unified facts, as the complete night would."""
    generate(tmp_path / "sample", n_companies=150, seed=5, as_of=AS_OF)
    broken = tmp_path / "rules.yaml"
    broken.write_text("tiers: [", encoding="utf-8")
    defs = build_defs(tmp_path / "sample", tmp_path / "failed")
    assert not run_nightly(defs, AS_OF, rules_path=str(broken)).success
    alone = defs.resolve_job_def("nightly").execute_in_process(
        run_config={"ops": {"customer_dormancy": {"config": {"as_of": AS_OF.isoformat()}}}},
        asset_selection=[dg.AssetKey("customer_dormancy")],
    )
    assert alone.success
    complete = build_defs(tmp_path / "sample", tmp_path / "complete")
    assert run_nightly(complete, AS_OF).success
    judged = load_value(tmp_path / "failed" / "storage" / "customer_dormancy")
    expected = load_value(tmp_path / "complete" / "storage" / "customer_dormancy")
    assert judged["purchase_count"].sum() > 0
    columns = ["customer_id", "tier", "purchase_count", "lifetime_amount", "priority"]
    pd.testing.assert_frame_equal(judged[columns], expected[columns])
