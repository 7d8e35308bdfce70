"""名寄せ behaviour on small hand-made staged frames."""

from __future__ import annotations

import hashlib

import pandas as pd
import pydantic
import pytest

from cleansing.matching import MatchConfig, match_companies
from cleansing.matching.records import INPUT_COLUMNS

TOKYO, OSAKA = "東京都", "大阪府"
PHONE_A, PHONE_B = "+81312345678", "+81611112222"
NUMBER_X, NUMBER_Y = "7123456789012", "1234567890123"


def rec(record_key: str, name_key: str | None, valid: bool | None = None, **fields) -> dict:
    """One staged row; a given corporate number counts as valid unless `valid=False`."""
    source, source_id = record_key.split(":")
    if valid is None:
        valid = "corporate_number" in fields
    row = {"source": source, "source_id": source_id, "name": name_key, "name_key": name_key}
    return row | {"corporate_number_valid": valid} | fields


def staged(*rows: dict) -> pd.DataFrame:
    """A staged companies frame; unspecified columns are null."""
    frame = pd.DataFrame(list(rows)).reindex(columns=list(INPUT_COLUMNS))
    frame["updated_at"] = pd.to_datetime(frame["updated_at"])
    return frame


def customer_of(result, record_key: str) -> str:
    crosswalk = result.crosswalk.set_index("record_key")
    return crosswalk.loc[record_key, "customer_id"]


def pair(result, left: str, right: str) -> pd.Series:
    pairs = result.pairs
    hit = pairs[(pairs["record_key_l"] == left) & (pairs["record_key_r"] == right)]
    assert len(hit) == 1, f"expected one scored pair {left}~{right}"
    return hit.iloc[0]


def test_exact_key_merges_across_sources():
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", phone=PHONE_A, prefecture=TOKYO),
            rec("sales_db:7", "山田商事", prefecture=TOKYO),
            rec("excel:r3", "山田商事"),
        )
    )
    assert result.crosswalk["customer_id"].nunique() == 1
    assert len(result.customers) == 1
    assert pair(result, "crm:1", "sales_db:7")["reason"] == "name_exact"
    assert set(result.crosswalk["match_reason"]) == {"name_exact"}
    assert result.customers.loc[0, "sources"] == "sales_db,crm,excel"


def test_typo_merges_when_phone_agrees():
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", phone=PHONE_A),
            rec("excel:2", "山田商亊", phone=PHONE_A),
        )
    )
    scored = pair(result, "crm:1", "excel:2")
    assert scored["decision"] == "merge"
    assert scored["reason"] == "name_fuzzy(0.75)+phone_equal"
    assert scored["passes"] == "phone"
    assert customer_of(result, "crm:1") == customer_of(result, "excel:2")


def test_typo_without_evidence_stays_apart():
    result = match_companies(
        staged(
            rec("crm:1", "山田精密商事"),
            rec("excel:2", "山田精密商会"),
        )
    )
    scored = pair(result, "crm:1", "excel:2")
    assert (scored["decision"], scored["reason"]) == ("no_match", "name_fuzzy(0.83)")
    assert scored["passes"] == "name_ngram"
    assert result.crosswalk["customer_id"].nunique() == 2
    assert set(result.crosswalk["match_reason"]) == {"singleton"}
    assert result.crosswalk["match_score"].isna().all()


def test_long_name_with_one_inserted_character_merges_alone():
    result = match_companies(
        staged(
            rec("crm:1", "東京システムソリューションズ"),
            rec("excel:2", "東京システムソリューションズー"),
        )
    )
    scored = pair(result, "crm:1", "excel:2")
    assert scored["decision"] == "merge"
    assert scored["reason"].endswith("+long_name")


def test_same_name_in_different_prefectures_with_different_phones_stays_apart():
    result = match_companies(
        staged(
            rec("crm:1", "大和運輸", prefecture=TOKYO, phone=PHONE_A),
            rec("crm:2", "大和運輸", prefecture=OSAKA, phone=PHONE_B),
        )
    )
    scored = pair(result, "crm:1", "crm:2")
    assert (scored["decision"], scored["reason"]) == ("no_match", "conflict:prefecture+phone")
    assert scored["cannot_link"]
    assert customer_of(result, "crm:1") != customer_of(result, "crm:2")


def test_same_name_in_another_prefecture_without_phones_goes_to_review():
    result = match_companies(
        staged(
            rec("crm:1", "大和運輸", prefecture=TOKYO),
            rec("sales_db:2", "大和運輸", prefecture=OSAKA),
        )
    )
    assert len(result.review) == 1
    row = result.review.iloc[0]
    assert row["reason"] == "name_exact+conflict:prefecture"
    assert {row["customer_id_l"], row["customer_id_r"]} == set(result.customers["customer_id"])
    assert result.stats["review_pairs"] == 1


def test_different_valid_corporate_numbers_never_merge():
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", phone=PHONE_A, corporate_number=NUMBER_X),
            rec("sales_db:2", "山田商事", phone=PHONE_A, corporate_number=NUMBER_Y),
        )
    )
    scored = pair(result, "crm:1", "sales_db:2")
    assert (scored["decision"], scored["reason"]) == ("no_match", "conflict:corporate_number")
    assert result.crosswalk["customer_id"].nunique() == 2


def test_invalid_corporate_number_is_not_a_conflict():
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", corporate_number=NUMBER_X),
            rec("sales_db:2", "山田商事", corporate_number="7123456789013", valid=False),
        )
    )
    assert pair(result, "crm:1", "sales_db:2")["corporate_number"] == "missing"
    assert result.crosswalk["customer_id"].nunique() == 1
    assert result.customers.loc[0, "corporate_number"] == NUMBER_X


def test_equal_corporate_number_merges_despite_different_names():
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", corporate_number=NUMBER_X),
            rec(
                "sales_db:2", "ヤマダホールディングス", corporate_number=NUMBER_X, prefecture=OSAKA
            ),
        )
    )
    scored = pair(result, "crm:1", "sales_db:2")
    assert (scored["decision"], scored["reason"]) == ("merge", "corporate_number_equal")
    assert scored["passes"] == "corporate_number"
    assert result.crosswalk["match_reason"].eq("corporate_number_equal").all()


def test_chaining_guard_separates_conflicting_corporate_numbers():
    # A~B (exact name + phone) is stronger than B~C (typo + phone); A and C conflict.
    result = match_companies(
        staged(
            rec("crm:A", "山田商事", phone=PHONE_A, corporate_number=NUMBER_X),
            rec("excel:B", "山田商事", phone=PHONE_A),
            rec("sales_db:C", "山田商亊", phone=PHONE_A, corporate_number=NUMBER_Y),
        )
    )
    assert pair(result, "excel:B", "sales_db:C")["decision"] == "merge"
    assert customer_of(result, "crm:A") == customer_of(result, "excel:B")
    assert customer_of(result, "crm:A") != customer_of(result, "sales_db:C")
    assert pair(result, "excel:B", "sales_db:C")["cut_by_guard"]
    assert result.stats["guard_cut_edges"] == 1
    numbers = result.customers.set_index("customer_id")["corporate_number"]
    assert numbers[customer_of(result, "crm:A")] == NUMBER_X


def test_chaining_guard_respects_same_name_conflicts():
    # A name-only record would bridge two same-name companies told apart by place and phone; it
    # fits either equally well, so it joins neither and both of its pairs go to review.
    result = match_companies(
        staged(
            rec("crm:tokyo", "大和運輸", prefecture=TOKYO, phone=PHONE_A, postal_code="100-0001"),
            rec("sales_db:osaka", "大和運輸", prefecture=OSAKA, phone=PHONE_B),
            rec("excel:x", "大和運輸"),
        )
    )
    assert result.crosswalk["customer_id"].nunique() == 3
    assert result.stats["guard_cut_edges"] == 2
    review = result.review.set_index(["record_key_l", "record_key_r"])
    assert review.loc[("crm:tokyo", "excel:x"), "cut_by_guard"]
    assert review.loc[("excel:x", "sales_db:osaka"), "reason"] == "name_exact"


def test_a_record_with_evidence_of_its_own_still_follows_it():
    result = match_companies(
        staged(
            rec("crm:tokyo", "大和運輸", prefecture=TOKYO, phone=PHONE_A),
            rec("sales_db:osaka", "大和運輸", prefecture=OSAKA, phone=PHONE_B),
            rec("excel:x", "大和運輸", phone=PHONE_B),
        )
    )
    assert customer_of(result, "excel:x") == customer_of(result, "sales_db:osaka")
    assert customer_of(result, "crm:tokyo") != customer_of(result, "sales_db:osaka")


def test_survivorship_picks_golden_values():
    result = match_companies(
        staged(
            rec("excel:1", "山田商事", name="山田商事", employees=12.0, updated_at="2025-06-01"),
            rec(
                "crm:2",
                "山田商事",
                name="山田商事",
                legal_form="株式会社",
                phone="+81300000001",
                postal_code="100-0001",
                updated_at="2024-01-01",
            ),
            rec(
                "crm:3",
                "山田商事",
                name="山田 商事",
                legal_form="株式会社",
                phone="+81300000002",
                updated_at="2025-01-01",
                corporate_number="7123456789013",
                valid=False,
            ),
            rec(
                "sales_db:4",
                "山田商事",
                name="ヤマダ商事",
                legal_form="有限会社",
                prefecture=TOKYO,
                corporate_number=NUMBER_X,
                capital_yen=1e7,
                updated_at="2023-01-01",
            ),
        )
    )
    golden = result.customers.iloc[0]
    assert len(result.customers) == 1
    assert golden["name"] == "山田商事"  # two votes beat the trusted source's single one
    assert golden["legal_form"] == "株式会社"
    assert golden["corporate_number"] == NUMBER_X  # the valid one
    assert golden["phone"] == "+81300000002"  # crm (no sales_db value), most recent
    assert golden["postal_code"] == "100-0001"
    assert golden["prefecture"] == TOKYO
    assert golden["capital_yen"] == 1e7
    assert golden["employees"] == 12.0  # only excel has it
    assert (golden["source_count"], golden["record_count"]) == (3, 4)
    assert golden["sources"] == "sales_db,crm,excel"


def test_name_ties_break_on_source_priority():
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", name="山田商事"),
            rec("sales_db:2", "山田商事", name="山田 商事"),
        )
    )
    assert result.customers.loc[0, "name"] == "山田 商事"
    result = match_companies(
        staged(
            rec("crm:1", "山田商事", name="山田商事"),
            rec("sales_db:2", "山田商事", name="山田 商事"),
        ),
        MatchConfig(source_priority=["crm", "sales_db"]),
    )
    assert result.customers.loc[0, "name"] == "山田商事"


BASE = (
    rec("crm:10", "山田商事", phone=PHONE_A),
    rec("sales_db:20", "山田商事", phone=PHONE_A),
    rec("crm:30", "鈴木工業", prefecture=OSAKA),
    rec("excel:40", "田中製作所"),
)


def test_ids_are_reproducible_and_order_independent():
    first = match_companies(staged(*BASE))
    again = match_companies(staged(*BASE))
    shuffled = match_companies(staged(*BASE).sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(first.crosswalk, again.crosswalk)
    pd.testing.assert_frame_equal(first.crosswalk, shuffled.crosswalk)
    pd.testing.assert_frame_equal(first.customers, shuffled.customers)
    expected = "C" + hashlib.sha1(b"crm:10").hexdigest()[:10]
    assert customer_of(first, "sales_db:20") == expected


def test_new_variant_record_keeps_the_existing_id():
    first = match_companies(staged(*BASE))
    # 'crm:01' sorts before 'crm:10', so only the crosswalk can keep the id stable.
    grown = staged(*BASE, rec("crm:01", "山田商亊", phone=PHONE_A))
    second = match_companies(grown, previous_map=first.crosswalk)
    assert customer_of(second, "crm:01") == customer_of(first, "crm:10")
    merged = first.crosswalk.merge(second.crosswalk, on="record_key")
    assert (merged["customer_id_x"] == merged["customer_id_y"]).all()
    assert second.merged_ids.empty


def test_merging_previous_customers_keeps_one_id_and_reports_the_other():
    first = match_companies(staged(*BASE))
    old_yamada, old_suzuki = customer_of(first, "crm:10"), customer_of(first, "crm:30")
    # A shared corporate number now ties crm:30 (鈴木工業) to the two 山田商事 records.
    rows = [dict(row) for row in BASE]
    for row in rows[:3]:
        row.update(corporate_number=NUMBER_X, corporate_number_valid=True)
    second = match_companies(staged(*rows), previous_map=first.crosswalk)
    assert customer_of(second, "crm:30") == old_yamada  # held by two records against one
    assert second.merged_ids.to_dict("records") == [
        {"retired_id": old_suzuki, "surviving_id": old_yamada}
    ]


def test_split_customer_keeps_its_id_on_the_larger_part():
    rows = [
        rec("crm:1", "山田商事"),
        rec("crm:2", "山田商事", phone=PHONE_A),
        rec("crm:3", "山田商事", phone=PHONE_A),
    ]
    first = match_companies(staged(*rows))
    rows[0].update(phone=PHONE_B, prefecture=OSAKA)
    rows[1].update(prefecture=TOKYO)
    second = match_companies(staged(*rows), previous_map=first.crosswalk)
    assert customer_of(second, "crm:2") == customer_of(first, "crm:1")
    assert customer_of(second, "crm:1") != customer_of(first, "crm:1")
    assert second.merged_ids.empty


def test_every_record_appears_once_in_the_crosswalk():
    rows = [
        *BASE,
        rec("excel:41", "田中製作所"),
        rec("excel:42", None),
        rec("sales_db:50", "", kana_key=""),
    ]
    result = match_companies(staged(*rows))
    crosswalk = result.crosswalk
    assert len(crosswalk) == len(rows)
    assert crosswalk["record_key"].is_unique
    assert crosswalk["customer_id"].notna().all()
    assert set(crosswalk["customer_id"]) == set(result.customers["customer_id"])
    assert result.customers["record_count"].sum() == len(rows)
    assert result.stats["records"] == len(rows)
    assert result.stats["clusters"] == len(result.customers)


def test_duplicate_record_keys_are_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        match_companies(staged(BASE[0], BASE[0]))


def test_pairs_are_unique_and_carry_their_passes():
    result = match_companies(staged(*BASE))
    pairs = result.pairs
    assert not pairs.duplicated(["record_key_l", "record_key_r"]).any()
    assert (pairs["record_key_l"] < pairs["record_key_r"]).all()
    yamada = pair(result, "crm:10", "sales_db:20")
    assert yamada["passes"] == "name_key+phone"
    assert result.stats["pairs_name_key"] >= 1
    assert result.stats["pairs_compared"] == len(pairs)


def test_config_rejects_unknown_settings():
    with pytest.raises(pydantic.ValidationError):
        MatchConfig(merge_treshold=0.9)
    with pytest.raises(pydantic.ValidationError):
        MatchConfig.model_validate({"blocking": {"max_block_size": 1}})


def test_branch_office_elsewhere_joins_its_company():
    result = match_companies(
        staged(
            rec("crm:hq", "池田鉄工所", prefecture="神奈川県", phone=PHONE_A, address="横浜市中区"),
            rec(
                "sales_db:b",
                "池田鉄工所",
                branch="東京支店",
                prefecture=TOKYO,
                phone=PHONE_B,
                address="品川区幸町",
            ),
        )
    )
    scored = pair(result, "crm:hq", "sales_db:b")
    assert (scored["decision"], scored["reason"]) == ("merge", "name_exact+branch_office")
    assert scored["prefecture_conflict"] and not scored["phone_equal"]  # features stay as seen
    golden = result.customers.iloc[0]
    assert (golden["phone"], golden["prefecture"]) == (PHONE_A, "神奈川県")  # head office first


def test_weak_name_with_the_same_phone_goes_to_review():
    result = match_companies(
        staged(
            rec("crm:1", "横山hd", phone=PHONE_A),
            rec("excel:2", "横山ホールディングス", phone=PHONE_A),
        )
    )
    assert result.review["reason"].tolist() == ["name_weak(0.29)+phone_equal"]
    assert result.crosswalk["customer_id"].nunique() == 2


def test_bank_transfer_name_merges_with_the_master_reading():
    # Staged as the CLI stages a kana-only row: the reading stands in for the name.
    result = match_companies(
        staged(
            rec("sales_db:1", "山田商事", kana_key="ヤマダシヨウジ", phone=PHONE_A),
            rec("bank:9", "ヤマダシヨウジ", kana_key="ヤマダシヨウジ", legal_form="株式会社"),
        )
    )
    scored = pair(result, "bank:9", "sales_db:1")
    assert (scored["decision"], scored["reason"]) == ("merge", "kana_exact+reading_name")
    assert scored["passes"] == "kana_key"
    assert customer_of(result, "bank:9") == customer_of(result, "sales_db:1")


def test_katakana_name_without_kana_column_is_its_own_reading():
    result = match_companies(
        staged(
            rec("crm:1", "サンライズ物産", kana_key="サンライズブツサン"),
            rec("bank:2", "サンライズブツサン"),  # no kana column: the name is the reading
        )
    )
    assert pair(result, "bank:2", "crm:1")["decision"] == "merge"


def test_reading_alone_does_not_merge_against_contradicting_fields():
    result = match_companies(
        staged(
            rec("sales_db:1", "大和運輸", kana_key="ヤマトウンユ", prefecture=TOKYO),
            rec("crm:2", "ヤマトウンユ", prefecture=OSAKA),
        )
    )
    scored = pair(result, "crm:2", "sales_db:1")
    assert scored["decision"] != "merge"
    assert customer_of(result, "crm:2") != customer_of(result, "sales_db:1")


def test_long_name_rule_needs_no_difference_even_a_branch_would_excuse():
    # 全日本ケアサービス and 日本ケアサービス 大阪営業所: one inserted character, but a branch
    # record's own phone and prefecture differ, so the name alone is not enough.
    result = match_companies(
        staged(
            rec("crm:1", "全日本ケアサービス", phone=PHONE_A, prefecture=TOKYO),
            rec("sales_db:2", "日本ケアサービス", branch="大阪営業所", phone=PHONE_B),
        )
    )
    scored = pair(result, "crm:1", "sales_db:2")
    assert scored["decision"] == "no_match"
    assert scored["reason"] == "name_fuzzy(0.94)+branch_office"


def test_guard_keeps_a_record_with_the_namesake_its_evidence_points_to():
    # 大和運輸 in Tokyo (1) and Osaka (4); 2 carries only the name, 3 the Osaka phone. By score
    # alone every name-only edge ties with 3~4 and record order would put 3 with Tokyo through
    # 2; by evidence 3~4 comes first.
    result = match_companies(
        staged(
            rec("crm:1", "大和運輸", prefecture=TOKYO, phone=PHONE_A),
            rec("crm:2", "大和運輸"),
            rec("crm:3", "大和運輸", phone=PHONE_B),
            rec("crm:4", "大和運輸", prefecture=OSAKA, phone=PHONE_B),
        )
    )
    assert pair(result, "crm:3", "crm:4")["score"] == pair(result, "crm:1", "crm:2")["score"]
    assert pair(result, "crm:3", "crm:4")["evidence"] > pair(result, "crm:1", "crm:2")["evidence"]
    assert customer_of(result, "crm:3") == customer_of(result, "crm:4")
    assert customer_of(result, "crm:1") != customer_of(result, "crm:4")


def test_review_rows_carry_both_names():
    result = match_companies(
        staged(
            rec("crm:1", "大和運輸", name="大和運輸", prefecture=TOKYO),
            rec("sales_db:2", "大和運輸", name="大和 運輸", prefecture=OSAKA),
        )
    )
    row = result.review.iloc[0]
    assert (row["name_l"], row["name_r"]) == ("大和運輸", "大和 運輸")


def test_a_records_reason_is_its_strongest_kept_edge_the_first_of_equals():
    """Ties go to the first edge, the record's left ends before its right ends; a scored edge
    beats one without a score; a record without kept edges is a singleton."""
    import numpy as np

    from cleansing.matching import _crosswalk

    frame = pd.DataFrame(
        {
            "source": ["crm"] * 5,
            "source_id": list("abcde"),
            "record_key": [f"crm:{c}" for c in "abcde"],
        }
    )
    kept = pd.DataFrame(
        {
            "left": [1, 0, 0, 2, 3],
            "right": [2, 1, 2, 3, 4],
            "score": [0.9, 0.9, 0.8, np.nan, 0.7],
            "reason": pd.Categorical(["phone", "name", "kana", "steward", "postal"]),
        }
    )
    crosswalk = _crosswalk(frame, pd.array(["C1"] * 5, dtype="str"), kept)
    assert crosswalk["match_reason"].tolist() == ["name", "phone", "phone", "postal", "postal"]
    assert crosswalk["match_score"].tolist() == [0.9, 0.9, 0.9, 0.7, 0.7]
    lonely = _crosswalk(frame, pd.array(["C1"] * 5, dtype="str"), kept.iloc[[3]])
    assert lonely["match_reason"].tolist() == [
        "singleton",
        "singleton",
        "steward",
        "steward",
        "singleton",
    ]
    assert lonely["match_score"].isna().all()
