import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from cleansing.amounts import AmountParseError, parse_amount, parse_amounts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1200000, 1200000.0),
        (1200000.5, 1200000.5),
        (np.int64(-5000), -5000.0),
        (Decimal("12.5"), 12.5),
        ("1200000", 1200000.0),
        ("1,200,000", 1200000.0),
        ("１，２００，０００", 1200000.0),
        ("¥300,000", 300000.0),
        ("￥300,000", 300000.0),
        ("¥ 300,000", 300000.0),
        ("\\300,000", 300000.0),  # cp932 yen sign
        ("300,000円", 300000.0),
        ("300,000 円", 300000.0),
        ("▲5,000", -5000.0),
        ("△5,000", -5000.0),
        ("▲ 5,000", -5000.0),
        ("-5,000", -5000.0),
        ("−5,000", -5000.0),
        ("－５，０００", -5000.0),
        ("(5,000)", -5000.0),
        ("（５，０００）", -5000.0),
        ("¥-5,000", -5000.0),
        ("-¥5,000", -5000.0),
        ("▲¥5,000", -5000.0),
        ("▲5,000円", -5000.0),
        ("+100", 100.0),
        ("1200.50", 1200.5),
        ("0", 0.0),
        (" 1,000 ", 1000.0),
    ],
)
def test_parse_amount(value, expected):
    assert parse_amount(value) == expected


@pytest.mark.parametrize("value", [None, math.nan, pd.NA, "", "  ", "－", "ー", "不明", "なし"])
def test_placeholders_are_none(value):
    assert parse_amount(value) is None


@pytest.mark.parametrize(
    "value",
    ["要確認", "1.2万", "1,20,000", "12,34", "(5,000", "5,000)", "5 000", "1,200円(税込)", "--5",
     "abc", True, math.inf, [1]],
)  # fmt: skip
def test_unparseable_amounts(value):
    with pytest.raises(AmountParseError) as error:
        parse_amount(value)
    assert error.value.reason == "not_a_number"
    assert isinstance(error.value, ValueError)


def test_parse_amounts():
    values = pd.Series(
        ["1,000", "要確認", None, "不明", 5, "▲1,000", "1,000"],
        index=list("abcdefg"),
        name="amount",
    )
    amounts, reasons = parse_amounts(values)
    assert amounts.dtype == float and amounts.name == "amount"
    assert list(amounts.index) == list("abcdefg") == list(reasons.index)
    assert amounts.fillna(-1).tolist() == [1000.0, -1, -1, -1, 5.0, -1000.0, 1000.0]
    assert [None if pd.isna(r) else r for r in reasons] == [
        None,
        "not_a_number",
        None,
        None,
        None,
        None,
        None,
    ]


def test_parse_amounts_numeric_column():
    amounts, reasons = parse_amounts(pd.Series([1.5, np.nan, 2.0]))
    assert amounts.fillna(0).tolist() == [1.5, 0.0, 2.0]
    assert reasons.isna().all()
