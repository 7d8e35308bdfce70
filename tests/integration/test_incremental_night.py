"""An incremental night on top of a full one gives what a full re-run of the same data gives:
the same customers, ids, tiers, facts and quarantine (issue 9's proof, at 10k records)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml

import warehouse.publish
from cleansing.matching.overrides import OVERRIDES_ENV
from sampledata import generate
from sampledata.changes import apply_changes
from tests.integration.harness import AS_OF, build_defs, read_tables, run_nightly

COMPANIES = 5_100  # about 10k company records
# The first night is judged a day before the sample's date, the next ones on it: the rows dated
# in between (the changes' too) come into view and the windows move. (The sources' own dates
# cannot lie after today; the unit tests of cleansing/dormancy/carry.py pass month ends and
# skipped nights.)
EARLIER = AS_OF - dt.timedelta(days=1)
TABLE_KEYS = {
    "customers": ["customer_id"],
    "customer_source_map": ["source", "source_id"],
    "transactions": ["source", "source_id"],
    "deals": ["source", "source_id"],
    "activities": ["source", "source_id"],
    "quarantine": ["source", "entity", "location", "reason"],
    "dormancy_history": ["customer_id", "as_of_date"],
}


def sorted_table(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, ignore_index=True)[sorted(frame.columns)]


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, object]:
    (event,) = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == asset
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def incremental_and_full(
    base: Path, sample: Path, defs: dg.Definitions, instance: dg.DagsterInstance, change
) -> tuple[object, dg.ExecuteInProcessResult, dg.ExecuteInProcessResult]:
    """After a night under `base / "incremental"`: change the sources with `change()`, then
    run the incremental night and a full re-run that starts from a copy of the same warehouse
    (so both know the same previous crosswalk and tiers); (changes, incremental, full)."""
    for copy in ("full", "full-sample"):  # a previous pair's
        shutil.rmtree(base / copy, ignore_errors=True)
    shutil.copytree(base / "incremental", base / "full", ignore=shutil.ignore_patterns("storage"))
    changes = change()
    shutil.copytree(sample, base / "full-sample", ignore=shutil.ignore_patterns(".state"))
    incremental = run_nightly(defs, instance=instance)
    full = run_nightly(
        build_defs(base / "full-sample", base / "full"),
        instance=dg.DagsterInstance.ephemeral(),
        night_mode="full",
    )
    assert incremental.success and full.success
    return changes, incremental, full


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A full night, 1% of changes, then the incremental night and a full re-run."""
    base = tmp_path_factory.mktemp("incremental")
    sample = base / "sample"
    generate(sample, n_companies=COMPANIES, seed=11, as_of=AS_OF)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_defs(sample, base / "incremental")
    first = run_nightly(defs, EARLIER, instance=instance)
    assert first.success
    before = read_tables(base / "incremental", "customer_source_map")["customer_source_map"]
    # The first night after the first one changes every customer's tier_change, which DuckDB
    # would replace; refreshed in place instead, the customers must still equal the full run's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warehouse.publish, "IN_PLACE_MAX_SHARE", 1.0)
        changes, incremental, full = incremental_and_full(
            base,
            sample,
            defs,
            instance,
            lambda: apply_changes(sample, fraction=0.01, seed=5, as_of=AS_OF),
        )
    tables = {name: read_tables(base / name, *TABLE_KEYS) for name in ("incremental", "full")}
    # Another night on the same run date, with more changes: its previous tiers are those of
    # the night before, so few customers change outside the daily columns (their ranks do),
    # and DuckDB refreshes them in place, as it does on every night after the first few.
    refreshed: list[int | None] = []
    refresh = warehouse.publish._refresh_in_place
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            warehouse.publish,
            "_refresh_in_place",
            lambda *args: refreshed.append(refresh(*args)) or refreshed[-1],
        )
        _, later, _ = incremental_and_full(
            base,
            sample,
            defs,
            instance,
            lambda: apply_changes(sample, fraction=0.01, seed=6, as_of=AS_OF),
        )
    return {
        "first": first,
        "incremental": incremental,
        "full": full,
        "changes": changes,
        "before": before,
        "tables": tables,
        "later night": later,
        "later": {name: read_tables(base / name, *TABLE_KEYS) for name in ("incremental", "full")},
        "refreshed": refreshed,
    }


def test_the_second_night_is_incremental(nights: dict) -> None:
    first, second = nights["first"], nights["incremental"]
    assert metadata(first, "staged_transactions")["night"] == "full"
    staged = metadata(second, "staged_transactions")
    assert staged["night"] == "incremental"
    # only the new sales lines were read and staged, yet every line is held
    assert 0 < staged["rows_this_night"] < 0.05 * staged["dagster/row_count"]
    assert staged["dagster/row_count"] > metadata(first, "staged_transactions")["dagster/row_count"]
    raw = metadata(second, "raw_excel")
    assert raw["read/companies"] == "new rows only" and raw["dagster/row_count"] == 0
    matches = metadata(second, "company_matches")
    assert matches["matching/pairs_reused"] > 0.9 * matches["matching/pairs_compared"]


@pytest.mark.parametrize("night", ["incremental", "later night"])
def test_incremental_nights_carry_most_judgements(nights: dict, night: str) -> None:
    """Both nights judge only the customers the changes or the day touched (the first one
    moves the run date by a day); their tables equal a full re-run's (below)."""
    dormancy = metadata(nights[night], "customer_dormancy")
    judged, carried = dormancy["customers judged"], dormancy["customers carried"]
    assert 0 < judged < carried, (judged, carried)


@pytest.mark.parametrize("night", ["tables", "later"])  # the first incremental night, another
@pytest.mark.parametrize("table", list(TABLE_KEYS))
def test_incremental_night_equals_a_full_rerun(nights: dict, night: str, table: str) -> None:
    keys = TABLE_KEYS[table]
    incremental = sorted_table(nights[night]["incremental"][table], keys)
    full = sorted_table(nights[night]["full"][table], keys)
    pd.testing.assert_frame_equal(incremental, full)


def test_another_night_refreshes_the_customers_in_place(nights: dict) -> None:
    customers = len(nights["later"]["incremental"]["customers"])
    assert nights["refreshed"] == [customers]


def test_untouched_customers_keep_their_ids(nights: dict) -> None:
    before = nights["before"].set_index(["source", "source_id"])["customer_id"]
    after = nights["tables"]["incremental"]["customer_source_map"]
    after = after.set_index(["source", "source_id"])["customer_id"]
    kept = before.index.intersection(after.index)
    moved = (before[kept] != after[kept]).sum()
    assert moved <= 0.001 * len(kept)  # only records merged by the changes may move
    assert len(after) > len(before)  # the new records are there


def test_an_override_added_inside_a_carried_customer_republishes_its_crosswalk_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer keeps its records and id (it is carried), but its pair's reason becomes the
    steward's: the incremental night must publish what a full night publishes."""
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("must_link: []\ncannot_link: []\n", encoding="utf-8")
    monkeypatch.setenv(OVERRIDES_ENV, str(overrides))
    sample = tmp_path / "sample"
    generate(sample, n_companies=300, seed=3, as_of=AS_OF)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_defs(sample, tmp_path / "incremental")
    assert run_nightly(defs, instance=instance).success
    crosswalk = read_tables(tmp_path / "incremental", "customer_source_map")["customer_source_map"]
    pairs = crosswalk[crosswalk.groupby("customer_id")["source"].transform("size") == 2]
    pair = pairs[pairs["match_reason"] != "singleton"].sort_values(["customer_id", "source_id"])
    left, right = (pair.iloc[i][["source", "source_id"]].to_dict() for i in (0, 1))
    link = {"must_link": [{"left": left, "right": right}], "cannot_link": []}
    _, incremental, _ = incremental_and_full(
        tmp_path,
        sample,
        defs,
        instance,
        lambda: overrides.write_text(yaml.safe_dump(link), encoding="utf-8"),
    )
    assert metadata(incremental, "company_matches")["matching/customers_carried"] > 0
    keys = TABLE_KEYS["customer_source_map"]
    tables = {
        name: sorted_table(
            read_tables(tmp_path / name, "customer_source_map")["customer_source_map"], keys
        )
        for name in ("incremental", "full")
    }
    linked = tables["full"]["source_id"].isin([left["source_id"], right["source_id"]])
    assert tables["full"].loc[linked, "match_reason"].str.startswith("steward").any()
    pd.testing.assert_frame_equal(tables["incremental"], tables["full"])


def test_deals_gone_from_an_export_are_judged_again(tmp_path: Path) -> None:
    """Deals deleted from the CRM export leave their customers without them: the incremental
    night judges those customers again, from what is left, as a full night does."""
    sample = tmp_path / "sample"
    generate(sample, n_companies=300, seed=4, as_of=AS_OF)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_defs(sample, tmp_path / "incremental")
    assert run_nightly(defs, instance=instance).success
    deals = sample / "crm" / "deals.csv"

    def delete_every_other_deal() -> None:
        header, *rows = deals.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        deals.write_text(header + "".join(rows[::2]), encoding="utf-8-sig")

    _, incremental, _ = incremental_and_full(
        tmp_path, sample, defs, instance, delete_every_other_deal
    )
    assert metadata(incremental, "customer_dormancy")["customers carried"] > 0
    keys = {name: TABLE_KEYS[name] for name in ("customers", "deals", "dormancy_history")}
    tables = {name: read_tables(tmp_path / name, *keys) for name in ("incremental", "full")}
    for name, key in keys.items():
        incremental_table = sorted_table(tables["incremental"][name], key)
        pd.testing.assert_frame_equal(incremental_table, sorted_table(tables["full"][name], key))
