"""The quality checks in the whole Dagster graph, on a generated sample with planted bad rows.

Three runs share one Dagster instance and one warehouse: (1) one row of each bad-input kind is
quarantined and rows are conserved; (2) a future-dated deal fails a blocking check, so the
warehouse keeps run 1's tables; (3) deals shrink by half, a WARN check fails and the load goes
on. Check results are read back through the instance, as the UI reads them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from pipelines.definitions import build_definitions
from pipelines.resources import DEFAULT_SOURCES, SourcesResource, WarehouseResource
from sampledata import generate
from warehouse.publish import make_engine, read_table
from warehouse.schema import TABLES

AS_OF = dt.date(2026, 11, 1)
N_COMPANIES = 250

# source_id -> reason, one per bad-input kind staging and unification quarantine
PLANTED_DEALS = {
    "OPP-BAD-DATE": ("来週木曜", "1000", "受注", "deal_date_unparseable"),
    "OPP-BAD-ERA": ("令和1年4月30日", "1000", "受注", "deal_date_era_out_of_range"),
    "OPP-BAD-AMOUNT": ("2025-01-10", "要確認", "受注", "amount_not_a_number"),
    "OPP-BAD-STAGE": ("2025-01-10", "1000", "保留", "stage_unknown"),
    "OPP-000001": ("2025-01-10", "1000", "受注", "source_id_duplicate"),
}
ORPHAN = "OPP-BAD-ORPHAN"
NAMELESS = "ACC-BAD-NONAME"
FUTURE = "OPP-FUTURE"


def build_defs(sample: Path, root: Path) -> dg.Definitions:
    return build_definitions(
        DEFAULT_SOURCES,
        {
            "sources": SourcesResource(config_path=str(DEFAULT_SOURCES), data_dir=str(sample)),
            "warehouse": WarehouseResource(url=f"duckdb:///{root / 'warehouse.duckdb'}"),
            "io_manager": dg.FilesystemIOManager(base_dir=str(root / "storage")),
        },
    )


def run_nightly(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("nightly").execute_in_process(
        run_config={"ops": {"customer_dormancy": {"config": {"as_of": AS_OF.isoformat()}}}},
        instance=instance,
        raise_on_error=False,
    )


def warehouse_tables(root: Path) -> dict[str, pd.DataFrame]:
    engine = make_engine(f"duckdb:///{root / 'warehouse.duckdb'}")
    try:
        return {name: read_table(engine, name) for name in TABLES}
    finally:
        engine.dispose()


def append_records(path: Path, records: list[str]) -> list[int]:
    """Append CSV records; return their row numbers as the connector reports them."""
    text = path.read_text(encoding="utf-8-sig")
    first = len(text.splitlines()) + 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(f"{record}\r\n" for record in records))
    return list(range(first, first + len(records)))


def evaluation(instance: dg.DagsterInstance, asset: str, check: str):
    record = instance.get_latest_asset_check_evaluation_record(
        dg.AssetCheckKey(dg.AssetKey(asset), check)
    )
    assert record is not None, (asset, check)
    return record, record.event.asset_check_evaluation


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("checks")
    generate(root / "sample", n_companies=N_COMPANIES, seed=11, as_of=AS_OF)
    return {
        "root": root,
        "crm": root / "sample" / "crm",
        "defs": build_defs(root / "sample", root),
        "instance": dg.DagsterInstance.ephemeral(),
    }


@pytest.fixture(scope="module")
def planted_run(deployment: dict) -> dict:
    deals = deployment["crm"] / "deals.csv"
    append_records(
        deals,
        [
            f"{sid},ACC-000001,案件,{stage},{day},{amount},"
            for sid, (day, amount, stage, _) in PLANTED_DEALS.items()
        ]
        + [f"{ORPHAN},ACC-NOPE,案件,受注,2025-01-10,1000,"],
    )
    companies = deployment["crm"] / "companies.csv"
    nameless_row, short_row = append_records(
        companies,
        [
            f"{NAMELESS},,,03-1234-5678,100-0005,東京都,千代田区丸の内1-1,卸売業,10,2025-01-01",
            "ACC-BAD-SHORT,株式会社欠損",
        ],
    )
    result = run_nightly(deployment["defs"], deployment["instance"])
    assert result.success
    return {
        "result": result,
        "short_row": short_row,
        "tables": warehouse_tables(deployment["root"]),
    }


def test_each_bad_input_kind_is_quarantined_with_reason_and_raw_values(planted_run: dict) -> None:
    quarantine = planted_run["tables"]["quarantine"]
    crm = quarantine[quarantine["source"] == "crm"]
    planted = crm[crm["source_id"].isin([*PLANTED_DEALS, ORPHAN, NAMELESS])]
    reasons = dict(zip(planted["source_id"], planted["reason"], strict=True))
    assert reasons == {
        **{sid: reason for sid, (*_, reason) in PLANTED_DEALS.items()},
        ORPHAN: "company_source_id_orphan",
        NAMELESS: "name_missing",
    }
    short = crm[crm["location"] == f"companies.csv:{planted_run['short_row']}"]
    assert short["reason"].tolist() == ["row_field_count"]
    amount = planted[planted["source_id"] == "OPP-BAD-AMOUNT"].iloc[0]
    assert "要確認" in amount["raw"] and amount["location"].startswith("deals.csv:")


def test_rows_are_conserved_per_source_with_the_planted_rows(
    deployment: dict, planted_run: dict
) -> None:
    record, check = evaluation(deployment["instance"], "quarantine", "rows_conserved")
    assert check.passed and record.run_id == planted_run["result"].run_id
    tables = planted_run["tables"]
    quarantine = tables["quarantine"]
    for entity, table in (("companies", "customer_source_map"), ("deals", "deals")):
        text = (deployment["crm"] / f"{entity}.csv").read_text(encoding="utf-8-sig")
        records = len(text.splitlines()) - 1
        loaded = int((tables[table]["source"] == "crm").sum())
        held = int(((quarantine["source"] == "crm") & (quarantine["entity"] == entity)).sum())
        assert loaded + held == records, entity


@pytest.fixture(scope="module")
def blocked_run(deployment: dict, planted_run: dict) -> dict:
    deals = deployment["crm"] / "deals.csv"
    before = deals.read_bytes()
    append_records(deals, [f"{FUTURE},ACC-000001,案件,受注,2099-01-01,1000,"])
    # Staging would quarantine the future date; switched off here, the GX check must catch it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipelines.assets.stage.tokyo_today", lambda: None)
        result = run_nightly(deployment["defs"], deployment["instance"])
    deals.write_bytes(before)
    return {"result": result, "tables": warehouse_tables(deployment["root"])}


def test_blocking_failure_keeps_the_previous_warehouse(
    planted_run: dict, blocked_run: dict
) -> None:
    result = blocked_run["result"]
    assert not result.success
    assert "publish_warehouse" not in {e.step_key for e in result.get_step_success_events()}
    failed = {
        (e.asset_key.to_user_string(), e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    assert ("staged_deals", "dates_valid") in failed
    for name, table in planted_run["tables"].items():
        pd.testing.assert_frame_equal(blocked_run["tables"][name], table, obj=name)


def test_check_results_are_visible_through_the_instance(
    deployment: dict, blocked_run: dict
) -> None:
    record, check = evaluation(deployment["instance"], "staged_deals", "dates_valid")
    assert record.run_id == blocked_run["result"].run_id
    assert record.status.value == "FAILED"
    assert check.severity == dg.AssetCheckSeverity.ERROR and check.blocking
    metadata = {key: value.value for key, value in check.metadata.items()}
    assert metadata["failed_expectations"] == "expect_column_values_to_be_between(deal_date)"
    assert metadata["unexpected_count"] == 1
    assert FUTURE in metadata["samples"] and "2099-01-01" in metadata["samples"]
    report = Path(metadata["quality_report"].removeprefix("file://"))
    assert report.parent == deployment["root"] / "quality"
    assert FUTURE in report.read_text(encoding="utf-8")
    _, passing = evaluation(deployment["instance"], "staged_deals", "ids_unique")
    assert passing.passed and passing.metadata["failed_expectations"].value == "none"


def test_warn_check_fails_without_stopping_the_load(deployment: dict, blocked_run: dict) -> None:
    deals = deployment["crm"] / "deals.csv"
    lines = deals.read_text(encoding="utf-8-sig").splitlines()
    deals.write_text("\r\n".join(lines[: len(lines) // 2]) + "\r\n", encoding="utf-8-sig")
    result = run_nightly(deployment["defs"], deployment["instance"])
    assert result.success
    _, check = evaluation(deployment["instance"], "staged_deals", "row_count")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert (
        check.metadata["failed_expectations"].value
        == "expect_column_values_to_be_between(rows_held)"
    )
    published = warehouse_tables(deployment["root"])["deals"]
    assert len(published) < len(blocked_run["tables"]["deals"])


def test_row_with_broken_encoding_is_quarantined(deployment: dict, tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    shutil.copytree(deployment["root"] / "sample", sample)
    companies = sample / "crm" / "companies.csv"
    (row,) = append_records(companies, ["ACC-BAD-BYTES,placeholder,,,,,,,,"])
    companies.write_bytes(companies.read_bytes().replace(b"placeholder", b"\x82\xa0\xff"))
    result = run_nightly(build_defs(sample, tmp_path), dg.DagsterInstance.ephemeral())
    assert result.success
    quarantine = warehouse_tables(tmp_path)["quarantine"]
    assert f"companies.csv:{row}" in set(quarantine["location"])
