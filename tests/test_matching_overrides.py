"""Steward overrides: the YAML file, its validation, and how every run honours it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleansing.matching import Overrides, OverridesError, load_overrides, match_companies
from tests.test_matching import (
    NUMBER_X,
    NUMBER_Y,
    OSAKA,
    PHONE_A,
    PHONE_B,
    TOKYO,
    customer_of,
    rec,
    staged,
)
from tests.test_matching import pair as scored_pair


def link(left: str, right: str, note: str | None = None) -> dict:
    (ls, lid), (rs, rid) = left.split(":"), right.split(":")
    return {"left": {"source": ls, "source_id": lid}, "right": {"source": rs, "source_id": rid}} | (
        {"note": note} if note else {}
    )


def overrides(must: list[dict] = (), cannot: list[dict] = ()) -> Overrides:
    return Overrides.model_validate({"must_link": list(must), "cannot_link": list(cannot)})


TYPO_PAIR = (
    rec("crm:1", "藤井システムズ", phone=PHONE_A, prefecture=TOKYO),
    rec("excel:7", "籐井システムズ"),  # a typo only a phone call could confirm
)


def test_must_link_merges_a_pair_the_matcher_would_not():
    assert customer_of(match_companies(staged(*TYPO_PAIR)), "crm:1") != customer_of(
        match_companies(staged(*TYPO_PAIR)), "excel:7"
    )
    result = match_companies(
        staged(*TYPO_PAIR), overrides=overrides([link("excel:7", "crm:1", "電話で確認")])
    )
    assert customer_of(result, "crm:1") == customer_of(result, "excel:7")
    scored = scored_pair(result, "crm:1", "excel:7")
    assert (scored["decision"], scored["reason"]) == ("merge", "steward:must_link(電話で確認)")
    assert scored["steward"] and "steward" in scored["passes"]
    assert result.crosswalk.set_index("record_key").loc["excel:7", "match_reason"] == (
        "steward:must_link(電話で確認)"
    )
    assert result.stats["steward_must_link"] == 1


def test_must_link_of_records_never_compared_is_scored_and_explained():
    result = match_companies(
        staged(rec("crm:1", "山田商事"), rec("crm:2", "ヤマダ ホールディングス")),
        overrides=overrides([link("crm:1", "crm:2")]),
    )
    scored = scored_pair(result, "crm:1", "crm:2")
    assert scored["passes"] == "steward"
    assert scored["reason"] == "steward:must_link"
    assert 0 <= scored["name_sim"] < 0.5  # the features stay as computed
    assert result.crosswalk["customer_id"].nunique() == 1


def test_a_pair_the_steward_decided_last_run_is_scored_again_when_reused():
    """The kept pairs carry the steward's decision: a run without the override must not take
    it for the matcher's."""
    rows = (rec("crm:1", "大和運輸", phone=PHONE_A), rec("sales_db:2", "大和運輸", phone=PHONE_A))
    first = match_companies(
        staged(*rows), overrides=overrides(cannot=[link("crm:1", "sales_db:2")])
    )
    assert scored_pair(first, "crm:1", "sales_db:2")["steward"]
    again = match_companies(staged(*rows), previous_map=first.crosswalk, previous=first.kept)
    scored = scored_pair(again, "crm:1", "sales_db:2")
    assert (scored["decision"], scored["steward"]) == ("merge", False)
    assert again.stats["pairs_reused"] == 0
    assert again.crosswalk["customer_id"].nunique() == 1


def test_cannot_link_splits_an_exact_name():
    rows = (rec("crm:1", "大和運輸", phone=PHONE_A), rec("sales_db:2", "大和運輸", phone=PHONE_A))
    assert match_companies(staged(*rows)).crosswalk["customer_id"].nunique() == 1
    result = match_companies(
        staged(*rows), overrides=overrides(cannot=[link("crm:1", "sales_db:2")])
    )
    scored = scored_pair(result, "crm:1", "sales_db:2")
    assert (scored["decision"], scored["reason"]) == ("no_match", "steward:cannot_link")
    assert scored["cannot_link"]
    assert customer_of(result, "crm:1") != customer_of(result, "sales_db:2")
    assert result.review.empty


def test_cannot_link_also_stops_chaining_through_a_third_record():
    rows = (
        rec("crm:1", "大和運輸", phone=PHONE_A),
        rec("excel:2", "大和運輸"),
        rec("sales_db:3", "大和運輸", phone=PHONE_A),
    )
    result = match_companies(
        staged(*rows), overrides=overrides(cannot=[link("crm:1", "sales_db:3")])
    )
    assert customer_of(result, "crm:1") != customer_of(result, "sales_db:3")
    assert result.stats["guard_cut_edges"] >= 1


def test_must_link_wins_over_a_namesake_conflict_but_not_over_two_valid_numbers():
    namesakes = (
        rec("crm:1", "大和運輸", prefecture=TOKYO, phone=PHONE_A),
        rec("crm:2", "大和運輸", prefecture=OSAKA, phone=PHONE_B),
    )
    result = match_companies(staged(*namesakes), overrides=overrides([link("crm:1", "crm:2")]))
    assert customer_of(result, "crm:1") == customer_of(result, "crm:2")  # e.g. it moved

    numbered = (
        rec("crm:1", "大和運輸", corporate_number=NUMBER_X),
        rec("crm:2", "大和運輸", corporate_number=NUMBER_Y),
    )
    result = match_companies(staged(*numbered), overrides=overrides([link("crm:1", "crm:2")]))
    assert customer_of(result, "crm:1") != customer_of(result, "crm:2")
    assert scored_pair(result, "crm:1", "crm:2")["cut_by_guard"]
    assert result.stats["steward_must_link_cut"] == 1


def test_overrides_naming_absent_records_are_counted_not_fatal():
    result = match_companies(
        staged(*TYPO_PAIR),
        overrides=overrides([link("crm:1", "crm:999")], [link("gone:1", "excel:7")]),
    )
    assert result.stats["steward_unknown"] == 2
    assert sorted(result.unknown_overrides["kind"]) == ["cannot_link", "must_link"]
    assert result.crosswalk["customer_id"].nunique() == 2


def test_overrides_are_honoured_on_every_run_with_stable_ids():
    decided = overrides([link("crm:1", "excel:7")])
    first = match_companies(staged(*TYPO_PAIR), overrides=decided)
    grown = staged(*TYPO_PAIR, rec("sales_db:3", "藤井システムズ", phone=PHONE_A))
    second = match_companies(grown, previous_map=first.crosswalk, overrides=decided)
    assert second.crosswalk["customer_id"].nunique() == 1
    assert customer_of(second, "sales_db:3") == customer_of(first, "crm:1")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "match_overrides.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_overrides_reads_the_documented_format(tmp_path: Path):
    path = write(
        tmp_path,
        """
must_link:
  - left: {source: crm, source_id: ACC-000077}
    right: {source: excel, source_id: "営業訪問記録_大阪支店.xlsx:2026年度:64"}
    note: 籐井 is a typo of 藤井
cannot_link:
  - left: {source: crm, source_id: ACC-000385}
    right: {source: sales_db, source_id: "000702"}
""",
    )
    loaded = load_overrides(path)
    assert loaded.pairs("must_link").to_dict("records") == [
        {
            "key_l": "crm:ACC-000077",
            "key_r": "excel:営業訪問記録_大阪支店.xlsx:2026年度:64",
            "note": "籐井 is a typo of 藤井",
        }
    ]
    assert loaded.pairs("cannot_link")[["key_l", "key_r"]].values.tolist() == [
        ["crm:ACC-000385", "sales_db:000702"]
    ]


def test_the_shipped_overrides_file_is_valid():
    shipped = Path(__file__).resolve().parents[1] / "config" / "match_overrides.yaml"
    loaded = load_overrides(shipped)
    assert isinstance(loaded, Overrides)


def test_an_empty_file_means_no_overrides(tmp_path: Path):
    assert load_overrides(write(tmp_path, "# nothing decided yet\n")) == Overrides()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "must_link: [{left: {source: crm, source_id: A1}}]",
            r"must_link\.0\.right: Field required",
        ),
        (
            "cannot_link: [{left: {source: crm, source_id: A1}, right: {source: crm, source_id: A1}}]",
            "links record crm:A1 with itself",
        ),
        (
            "must_link: [{left: {source: crm, source_id: A1}, right: {source: excel, source_id: B2}}]\n"
            "cannot_link: [{left: {source: excel, source_id: B2}, right: {source: crm, source_id: A1}}]",
            r"cannot_link\[0\] repeats the pair crm:A1 ~ excel:B2 of must_link\[0\]",
        ),
        (
            "must_link: [{left: {source: sales_db, source_id: 000123}, right: {source: crm, source_id: A1}}]",
            "write the id in quotes: YAML read it as the number 83",
        ),
        (
            "must_link: [{left: {source: crm, sourceid: A1}, right: {source: crm, source_id: A2}}]",
            "sourceid",
        ),
        ("mustlink: []", "mustlink: Extra inputs are not permitted"),
        ("- just a list", "expected a mapping"),
        ("must_link: [unclosed", "not valid YAML"),
    ],
)
def test_bad_files_fail_with_the_file_and_the_entry(tmp_path: Path, text: str, message: str):
    path = write(tmp_path, text)
    with pytest.raises(OverridesError, match=message) as error:
        load_overrides(path)
    assert str(path) in str(error.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(OverridesError, match="cannot read"):
        load_overrides(tmp_path / "absent.yaml")


def test_the_pipeline_reads_the_file_named_by_the_environment(tmp_path: Path, monkeypatch):
    from pipelines.assets.match import DEFAULT_OVERRIDES, steward_overrides

    monkeypatch.delenv("HORIOKOSHI_MATCH_OVERRIDES", raising=False)
    assert steward_overrides() == (Overrides(), DEFAULT_OVERRIDES)
    path = write(
        tmp_path,
        "cannot_link: [{left: {source: a, source_id: '1'}, right: {source: b, source_id: '2'}}]",
    )
    monkeypatch.setenv("HORIOKOSHI_MATCH_OVERRIDES", str(path))
    loaded, used = steward_overrides()
    assert used == path and len(loaded.cannot_link) == 1
    monkeypatch.setenv("HORIOKOSHI_MATCH_OVERRIDES", str(tmp_path / "typo.yaml"))
    with pytest.raises(OverridesError, match="typo.yaml: cannot read"):
        steward_overrides()


def test_score_distribution_counts_every_pair_once():
    from pipelines.assets.match import score_distribution

    result = match_companies(staged(*TYPO_PAIR, rec("sales_db:3", "藤井システムズ", phone=PHONE_A)))
    table = score_distribution(result.pairs)
    assert len(table) == 10
    assert table.drop(columns="score").to_numpy().sum() == len(result.pairs)
    counts = result.pairs["decision"].astype("str").value_counts()
    assert list(table.columns) == ["score", *sorted(counts.index)]  # the decisions present
    assert table.drop(columns="score").sum().to_dict() == counts.to_dict()
