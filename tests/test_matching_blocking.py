"""Candidate generation: the guarantees the fuzzy passes promise, and the block-size caps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleansing.matching.blocking import PASS_BIT, _rarest, generate_candidates
from cleansing.matching.config import BlockingConfig
from cleansing.matching.records import INPUT_COLUMNS, prepare_records
from cleansing.matching.substrings import deletion_variants, ngrams


def records_of(name_keys: list[str], **columns: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "source": "crm",
            "source_id": [f"{i:03d}" for i in range(len(name_keys))],
            "name_key": name_keys,
            "corporate_number_valid": False,
            **columns,
        }
    )
    return prepare_records(frame.reindex(columns=list(INPUT_COLUMNS)))


def found_by(records, config: BlockingConfig, pass_name: str) -> set[tuple[str, str]]:
    candidates = generate_candidates(records, config)
    keys = records.frame["name_key"].to_numpy()
    hit = (candidates.passes & PASS_BIT[pass_name]) > 0
    return {
        key_pair(keys[a], keys[b])
        for a, b in zip(candidates.left[hit], candidates.right[hit], strict=True)
    }


def key_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def test_deletion_variant_hashes_match_the_strings():
    keys = np.array(["山田精密商事", "山田精密商", "アイウエオ", "アウイエオ", "ab"], dtype=object)
    index, hashes, deleted = deletion_variants(keys, 2)
    by_hash: dict[int, set[tuple[str, bool]]] = {}
    for key, code, cut in zip(keys[index], hashes.tolist(), deleted.tolist(), strict=True):
        by_hash.setdefault(code, set()).add((key, cut))
    expected: dict[str, set[tuple[str, bool]]] = {}
    for key in keys:
        expected.setdefault(key, set()).add((key, False))
        if len(key) > 2:
            for variant in {key[:p] + key[p + 1 :] for p in range(len(key))}:
                expected.setdefault(variant, set()).add((key, True))
    assert sorted(map(sorted, by_hash.values())) == sorted(map(sorted, expected.values()))


def test_deletion_variants_skip_short_keys():
    keys = np.array(["山田商事", "山田商事東"], dtype=object)
    index, _, deleted = deletion_variants(keys, 5)
    assert sorted(zip(index.tolist(), deleted.tolist(), strict=True)) == [(1, False)]


def test_ngram_codes_match_the_strings():
    keys = np.array(["山田精密商事", "精密機械", "あ"], dtype=object)
    index, codes = ngrams(keys, 2, 1)
    grams = [key[i : i + 2] for key in keys for i in range(len(key) - 1)]
    assert len(codes) == len(grams)
    assert len(set(codes.tolist())) == len(set(grams))
    assert sorted(index.tolist()) == [0] * 5 + [1] * 3


def test_one_inserted_or_deleted_character_is_a_candidate():
    base = "東京精密工業株式販売"
    variants = ["東京精密工業株式販売所", "東京精工業株式販売", "東京精密工業株式販"]
    found = found_by(records_of([base, *variants]), BlockingConfig(), "name_indel")
    assert {key_pair(base, variant) for variant in variants} <= found


def test_substitutions_and_short_names_are_left_to_corroborating_passes():
    names = [
        "東京精密工業株式販売",
        "東京精蜜工業株式販売",
        "東京密精工業株式販売",
        "山田商事",
        "山田商",
    ]
    found = found_by(records_of(names), BlockingConfig(), "name_indel")
    assert found == set()  # two substitutions / a swap, and a pair shorter than edit_min_len


def test_indel_blocks_over_the_cap_are_skipped_and_counted():
    base = "東京精密工業株式販売"
    longer = [base + c for c in "甲乙丙"]
    candidates = generate_candidates(
        records_of([base, *longer]), BlockingConfig(max_edit_block_size=2)
    )
    assert (candidates.passes & PASS_BIT["name_indel"]).sum() == 0
    assert candidates.skipped_blocks["name_indel"] == 1
    candidates = generate_candidates(
        records_of([base, *longer]), BlockingConfig(max_edit_block_size=3)
    )
    assert candidates.pass_pairs["name_indel"] == 3


def test_short_typo_is_found_through_the_postal_code_whichever_end_it_hits():
    names = ["山田商事", "山田商亊", "丑田商事"]
    records = records_of(names, postal_code=["100-0001"] * 3)
    found = found_by(records, BlockingConfig(), "postal_name")
    assert {key_pair("山田商事", "山田商亊"), key_pair("山田商事", "丑田商事")} <= found


def test_postal_blocks_keep_first_and_last_characters_apart():
    """One name's first characters and another's last are different blocks, and a postal code
    or a name missing puts a record in none."""
    names = ["商事山田", "山田商事", "山田物産", "東京山田", "山田興業"]
    postal = ["100-0001", "100-0001", "100-0001", "100-0001", None]
    found = found_by(records_of(names, postal_code=postal), BlockingConfig(), "postal_name")
    # 山田 first: 山田商事, 山田物産 (山田興業 has no postal code); 山田 last: 商事山田, 東京山田
    assert found == {key_pair("山田商事", "山田物産"), key_pair("商事山田", "東京山田")}


def test_blocks_over_the_cap_are_skipped_and_counted():
    records = records_of([f"会社{i}" for i in range(5)], phone=["+81300000000"] * 5)
    candidates = generate_candidates(records, BlockingConfig(max_block_size=4))
    assert candidates.pass_pairs["phone"] == 0
    assert candidates.skipped_blocks["phone"] == 1
    candidates = generate_candidates(records, BlockingConfig(max_block_size=5))
    assert candidates.pass_pairs["phone"] == 10


def test_equal_corporate_numbers_link_as_a_star():
    records = records_of(
        ["甲", "乙", "丙", "丁"],
        corporate_number=["7123456789012"] * 4,
        corporate_number_valid=[True] * 4,
    )
    candidates = generate_candidates(records, BlockingConfig())
    star = (candidates.passes & PASS_BIT["corporate_number"]) > 0
    assert candidates.pass_pairs["corporate_number"] == 3
    assert candidates.left[star].tolist() == [0, 0, 0]


def test_steward_pairs_are_always_candidates():
    records = records_of(["甲商事", "乙工業", "丙建設"])
    forced = (np.array([0, 1]), np.array([2, 2]))
    candidates = generate_candidates(records, BlockingConfig(), forced)
    steward = (candidates.passes & PASS_BIT["steward"]) > 0
    assert list(zip(candidates.left[steward], candidates.right[steward], strict=True)) == [
        (0, 2),
        (1, 2),
    ]


def test_pairs_are_unique_and_ordered():
    records = records_of(["山田精密商事"] * 3 + ["山田精密商亊"], phone=["+81300000000"] * 4)
    candidates = generate_candidates(records, BlockingConfig())
    pairs = list(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True))
    assert len(pairs) == len(set(pairs)) == 6
    assert all(left < right for left, right in pairs)


def rarest_by_hand(key: np.ndarray, gram: np.ndarray, per_key: int) -> set[tuple[int, int]]:
    """The rule spelled out: grams numbered as first seen, rarity = distinct keys holding
    the gram, ties to the smaller number; each key's `per_key` rarest distinct grams."""
    number = {g: n for n, g in enumerate(dict.fromkeys(gram.tolist()))}
    grams_of: dict[int, set[int]] = {}
    for k, g in zip(key.tolist(), gram.tolist(), strict=True):
        grams_of.setdefault(k, set()).add(number[g])
    holders = {g: sum(g in grams for grams in grams_of.values()) for g in number.values()}
    return {
        (k, g)
        for k, grams in grams_of.items()
        for g in sorted(grams, key=lambda g: (holders[g], g))[:per_key]
    }


def test_rarest_grams_follow_the_rule_whatever_the_order_and_repeats():
    rng = np.random.default_rng(7)
    for trial in range(300):
        n = int(rng.integers(0, 50))
        key = np.sort(rng.integers(0, 9, n))  # ngrams() gives each key's grams side by side
        if trial % 2:  # any other order too
            key = rng.permutation(key)
        gram = rng.integers(0, 7, n) * 1_000_003  # repeats within a key, ties in rarity
        for per_key in (1, 2, 3, 6):
            got_key, got_gram = _rarest(key, gram, per_key)
            got = set(zip(got_key.tolist(), got_gram.tolist(), strict=True))
            assert len(got) == len(got_key)  # each pair once
            assert got == rarest_by_hand(key, gram, per_key), (key, gram, per_key)
