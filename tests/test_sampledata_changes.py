"""One night of changes on a generated sample: counts, formats, truth and determinism."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import jaconv
import pytest

from connectors import load_sources, read_source
from sampledata import generate
from sampledata.changes import RECENT_DAYS, apply_changes, edit_name, main
from sampledata.entities import build_entities
from sampledata.generator import random_stream
from tests.test_sampledata import (
    TABLES,
    assert_last_purchases_match_lines,
    read_csv,
    sql_rows,
    truth,
    valid_day,
)

REPO = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 23)
NIGHT = AS_OF + timedelta(days=1)
N, SEED = 300, 7


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("before")
    generate(path, n_companies=N, seed=SEED, as_of=AS_OF)
    return path


def changed_copy(before: Path, to: Path, **kwargs) -> tuple[Path, dict[str, int]]:
    shutil.copytree(before, to)
    return to, apply_changes(to, **({"seed": 3, "as_of": NIGHT} | kwargs))


@pytest.fixture(scope="module")
def after(before: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    return changed_copy(before, tmp_path_factory.mktemp("night") / "sample")


@pytest.fixture(scope="module")
def busy(before: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A busy night (10%), so that every kind of change occurs several times."""
    return changed_copy(before, tmp_path_factory.mktemp("busy") / "sample", fraction=0.1)


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def slips(folder: Path) -> list[tuple]:
    return sql_rows(folder / "sales.sqlite", "売上伝票")


@pytest.mark.parametrize("fraction", [0.01, 0.1])
def test_counts_are_about_the_fraction_asked(before, after, busy, fraction) -> None:
    folder, counts = after if fraction == 0.01 else busy
    records = manifest(before)["files"]["truth.csv"]["rows"]
    lines = manifest(before)["files"]["sales.sqlite"]["tables"]["売上明細"]
    third = fraction / 3 * records
    assert abs(counts["new_records"] - third) <= 1
    assert abs(counts["edited_names"] - third) <= 1
    assert fraction * lines <= counts["new_lines"] <= fraction * lines + 3 + counts["new_records"]
    assert counts["new_records_of_known_companies"] >= max(1, round(0.25 * counts["new_records"]))
    assert counts["new_companies"] >= 1 and counts["new_activities"] >= 1
    assert counts["new_records"] == counts["new_crm_accounts"] + counts["new_sales_customers"]
    files = manifest(folder)["files"]
    old = manifest(before)["files"]
    assert files["truth.csv"]["rows"] == old["truth.csv"]["rows"] + counts["new_records"]
    assert files["entities.csv"]["rows"] == N + counts["new_companies"]
    assert (
        files["sales.sqlite"]["tables"]["売上明細"]
        == old["sales.sqlite"]["tables"]["売上明細"] + counts["new_lines"]
    )


def test_manifest_counts_match_files_and_record_the_night(after) -> None:
    folder, counts = after
    doc = manifest(folder)
    files = doc["files"]
    for name in ("crm/companies.csv", "crm/deals.csv", "crm/activities.csv"):
        assert files[name]["rows"] == len(read_csv(folder / name)), name
    for name in ("truth.csv", "entities.csv"):
        assert files[name]["rows"] == len(read_csv(folder / name)), name
    for table in TABLES:
        assert files["sales.sqlite"]["tables"][table] == len(
            sql_rows(folder / "sales.sqlite", table)
        )
    assert doc["n_companies"] == N and doc["as_of"] == AS_OF.isoformat()
    assert doc["changes"] == [
        {
            "seed": 3,
            "fraction": 0.01,
            "as_of": NIGHT.isoformat(),
            "new_entities": counts["new_companies"],
        }
    ]


def test_sources_still_read_through_the_connectors(after) -> None:
    folder, _ = after
    files = manifest(folder)["files"]
    sources = load_sources(REPO / "config" / "sources.yaml")
    read = {
        (name, entity): len(result.rows)
        for name, config in sources.items()
        for entity, result in read_source(config, folder, source=name).items()
    }
    assert read["crm", "companies"] == files["crm/companies.csv"]["rows"]
    assert read["crm", "deals"] == files["crm/deals.csv"]["rows"]
    assert read["crm", "activities"] == files["crm/activities.csv"]["rows"]
    assert read["sales_db", "companies"] == files["sales.sqlite"]["tables"]["得意先マスタ"]
    assert read["sales_db", "transactions"] == files["sales.sqlite"]["tables"]["売上明細"]


def test_crm_files_keep_their_format_and_old_rows(before, after) -> None:
    folder, counts = after
    for name in ("companies", "deals", "activities"):
        raw = (folder / "crm" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
        assert raw.count(b"\n") == raw.count(b"\r\n")
    for name in ("deals", "activities"):  # appended only
        old = (before / "crm" / f"{name}.csv").read_bytes()
        assert (folder / "crm" / f"{name}.csv").read_bytes().startswith(old)
    old_rows = read_csv(before / "crm" / "companies.csv")
    new_rows = read_csv(folder / "crm" / "companies.csv")
    assert [r["取引先ID"] for r in new_rows[: len(old_rows)]] == [r["取引先ID"] for r in old_rows]
    edited = 0
    for old, new in zip(old_rows, new_rows, strict=False):
        if old != new:
            edited += 1
            assert old["取引先名"] != new["取引先名"]
            assert new["最終更新日時"] >= (NIGHT - timedelta(days=RECENT_DAYS)).isoformat()
            unchanged = {k for k in old if k not in ("取引先名", "最終更新日時")}
            assert all(old[k] == new[k] for k in unchanged)
    assert edited == counts["edited_crm_names"]
    assert len(new_rows) == len(old_rows) + counts["new_crm_accounts"]


def test_edited_sales_names_keep_code_and_company(before, busy) -> None:
    folder, counts = busy
    old = {row[0]: row for row in sql_rows(before / "sales.sqlite", "得意先マスタ")}
    new = {row[0]: row for row in sql_rows(folder / "sales.sqlite", "得意先マスタ")}
    assert old.keys() <= new.keys()
    renamed = [code for code in old if old[code][1] != new[code][1]]
    assert len(renamed) == counts["edited_sales_names"] >= 1
    assert all(old[c][2:] == new[c][2:] for c in old)  # only the name changed
    assert truth(before, "sales_db").items() <= truth(folder, "sales_db").items()


def test_new_slips_are_numbered_above_and_dated_up_to_as_of(before, after) -> None:
    folder, counts = after
    old_max = max(s[0] for s in slips(before))
    new = [s for s in slips(folder) if s[0] > old_max]
    assert len(new) == counts["new_slips"] and max(s[0] for s in new) == counts["max_slip_number"]
    assert len(slips(folder)) == len(slips(before)) + len(new)
    days = [date.fromisoformat(s[2]) for s in new]
    assert all(NIGHT - timedelta(days=RECENT_DAYS) <= d <= NIGHT for d in days)
    assert [(s[0], s[2]) for s in new] == sorted((s[0], s[2]) for s in new)
    codes = {row[0] for row in sql_rows(folder / "sales.sqlite", "得意先マスタ")}
    assert {s[1] for s in new} <= codes  # no new orphan
    details = [d for d in sql_rows(folder / "sales.sqlite", "売上明細") if d[0] > old_max]
    assert len(details) == counts["new_lines"]
    assert all(d[6] == d[4] * d[5] > 0 for d in details)
    assert max(day for _, _, day in slips(folder) if valid_day(day)) <= NIGHT.isoformat()


def test_truth_and_entities_follow(before, busy) -> None:
    folder, counts = busy
    rows = read_csv(folder / "truth.csv")
    assert len(rows) == len({(r["source"], r["source_id"]) for r in rows})
    assert {r["取引先ID"] for r in read_csv(folder / "crm" / "companies.csv")} == set(
        truth(folder, "crm")
    )
    assert {row[0] for row in sql_rows(folder / "sales.sqlite", "得意先マスタ")} == set(
        truth(folder, "sales_db")
    )
    entities = read_csv(folder / "entities.csv")
    assert [e["entity_id"] for e in entities] == [f"E{i:06d}" for i in range(1, len(entities) + 1)]
    assert {r["entity_id"] for r in rows} <= {e["entity_id"] for e in entities}
    assert_last_purchases_match_lines(folder)
    old_records = {(r["source"], r["source_id"]) for r in read_csv(before / "truth.csv")}
    old_entities = {r["entity_id"] for r in read_csv(before / "truth.csv")}
    added = [r for r in rows if (r["source"], r["source_id"]) not in old_records]
    known = [r for r in added if r["entity_id"] in old_entities]
    assert (
        len(added) == counts["new_records"]
        and len(known) == counts["new_records_of_known_companies"]
    )
    # A known company's new record is in a source that did not have it: matching must merge.
    for r in known:
        sources = {s["source"] for s in rows if s["entity_id"] == r["entity_id"]}
        assert len(sources) >= 2
    new_ids = {e["entity_id"] for e in entities} - {
        e["entity_id"] for e in read_csv(before / "entities.csv")
    }
    assert len(new_ids) == counts["new_companies"]
    assert {r["entity_id"] for r in added} - old_entities == new_ids
    for e in entities:
        assert (e["tier_by_recency"] == "prospect") == (not e["last_purchase_date"])
        if e["entity_id"] in new_ids:  # a new prospect, or a new buyer that bought tonight
            assert (e["pattern"], e["tier_by_recency"]) in (
                ("prospect", "prospect"),
                ("one_time", "active"),
            )


def test_excel_files_are_untouched(before, after) -> None:
    folder, _ = after
    for book in (before / "excel").glob("*.xlsx"):
        assert (folder / "excel" / book.name).read_bytes() == book.read_bytes()


def test_same_arguments_make_the_same_changes(before, after, tmp_path: Path) -> None:
    folder, counts = after
    again, again_counts = changed_copy(before, tmp_path / "again")
    assert again_counts == counts
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix != ".sqlite":
            assert (again / path.relative_to(folder)).read_bytes() == path.read_bytes(), path
    for table in TABLES:
        assert sql_rows(again / "sales.sqlite", table) == sql_rows(folder / "sales.sqlite", table)
    other, _ = changed_copy(before, tmp_path / "other", seed=4)
    assert (other / "truth.csv").read_bytes() != (folder / "truth.csv").read_bytes()


def test_a_second_night_builds_on_the_first(after, tmp_path: Path) -> None:
    folder, first = after
    shutil.copytree(folder, tmp_path / "two")
    second = apply_changes(tmp_path / "two", seed=3, as_of=NIGHT + timedelta(days=1))
    doc = manifest(tmp_path / "two")
    assert [c["as_of"] for c in doc["changes"]] == [
        NIGHT.isoformat(),
        (NIGHT + timedelta(days=1)).isoformat(),
    ]
    entities = read_csv(tmp_path / "two" / "entities.csv")
    assert len(entities) == N + first["new_companies"] + second["new_companies"]
    assert min(s[0] for s in slips(tmp_path / "two") if s[0] > first["max_slip_number"]) == (
        first["max_slip_number"] + 1
    )
    assert_last_purchases_match_lines(tmp_path / "two")
    with pytest.raises(ValueError, match="before the sample's last date"):
        apply_changes(tmp_path / "two", seed=3, as_of=NIGHT)


def test_edit_name_keeps_the_company() -> None:
    entities = build_entities(60, random_stream(1, "entities"))
    rng = random_stream(1, "edit-test")
    for entity in entities:
        for name in (entity.name, entity.core_text, f"{entity.name} 東京支店"):
            edited = edit_name(name, entity, rng)
            assert edited and edited != name
            folded = jaconv.z2h("".join(edited.split()), kana=False, ascii=True, digit=True)
            assert entity.core_text in folded


def test_cli(before, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(before, tmp_path / "s")
    main([str(tmp_path / "s"), "--as-of", NIGHT.isoformat(), "--seed", "3"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["new_records"] >= 1 and printed["new_lines"] >= 1
    assert manifest(tmp_path / "s")["changes"][0]["seed"] == 3
