import random

import numpy as np
import pandas as pd
import pytest
from stdnum.jp import cn

from cleansing.corporate_number import (
    check_digit,
    clean_corporate_numbers,
    is_valid_corporate_number,
    normalize_corporate_number,
)

VALID = "7123456789012"  # the example of 財務省令 第70号


@pytest.mark.parametrize(
    ("base", "digit"), [("123456789012", 7), ("000000000000", 9), ("999999999999", 9)]
)
def test_check_digit(base, digit):
    assert check_digit(base) == digit


def test_check_digit_agrees_with_stdnum():
    rng = random.Random(70)
    for _ in range(2000):
        base = "".join(rng.choices("0123456789", k=12))
        assert check_digit(base) == int(cn.calc_check_digit(base))


@pytest.mark.parametrize(
    "base", ["12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２"]
)
def test_check_digit_rejects_bad_input(base):
    with pytest.raises(ValueError):
        check_digit(base)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7123456789012", VALID),
        ("７１２３４５６７８９０１２", VALID),
        ("7-1234-5678-9012", VALID),
        (" 7123 4567 89012 ", VALID),
        ("T7123456789012", VALID),  # インボイス登録番号
        (7123456789012, VALID),
        (7123456789012.0, VALID),
        (np.int64(7123456789012), VALID),
        ("712345678901", "712345678901"),  # kept for reporting
        ("71234567890AB", "71234567890AB"),
        (None, None),
        ("", None),
        ("－", None),
        ("不明", None),
    ],
)
def test_normalize_corporate_number(raw, expected):
    assert normalize_corporate_number(raw) == expected


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (VALID, True),
        ("8123456789012", False),  # wrong check digit
        ("7123456789013", False),
        ("712345678901", False),
        ("71234567890123", False),
        ("７１２３４５６７８９０１２", False),  # not normalised
        ("712345678901a", False),
        (None, False),
    ],
)
def test_is_valid_corporate_number(number, valid):
    assert is_valid_corporate_number(number) is valid


def test_clean_corporate_numbers():
    values = pd.Series(
        ["7-1234-5678-9012", None, "8123456789012", "－", "７１２３４５６７８９０１２"],
        index=list("abcde"),
    )
    frame = clean_corporate_numbers(values)
    assert list(frame.index) == list("abcde")
    assert frame["corporate_number"].tolist()[0] == VALID
    assert frame["corporate_number"].isna().tolist() == [False, True, False, True, False]
    assert frame["corporate_number"]["c"] == "8123456789012"
    assert frame["corporate_number_valid"].tolist() == [True, False, False, False, True]
    assert frame["corporate_number_valid"].dtype == bool


def test_clean_corporate_numbers_from_a_numeric_excel_column():
    frame = clean_corporate_numbers(pd.Series([7123456789012.0, np.nan]))
    assert frame["corporate_number_valid"].tolist() == [True, False]
