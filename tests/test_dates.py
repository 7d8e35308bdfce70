import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from cleansing.dates import DateParseError, parse_dates, parse_japanese_date

APRIL_1 = date(2024, 4, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 4, 1), APRIL_1),
        (datetime(2024, 4, 1, 15, 30), APRIL_1),
        (pd.Timestamp("2024-04-01 09:00"), APRIL_1),
        (np.datetime64("2024-04-01"), APRIL_1),
        (45017, date(2023, 4, 1)),  # Excel serial
        (45017.75, date(2023, 4, 1)),
        (np.float64(45383), APRIL_1),
        ("45017", date(2023, 4, 1)),
        (1, date(1899, 12, 31)),
        (20240401, APRIL_1),  # YYYYMMDD stored as a number
        ("2024-04-01", APRIL_1),
        ("2024-04-01 10:15:00", APRIL_1),
        ("2024-04-01T10:15:00+09:00", APRIL_1),
        ("2024/4/1", APRIL_1),
        ("2024/04/01 0:00", APRIL_1),
        ("2024.4.1", APRIL_1),
        ("20240401", APRIL_1),
        ("2024年4月1日", APRIL_1),
        ("2024年4月1日(月)", APRIL_1),
        ("２０２４年４月１日", APRIL_1),
        ("２０２４／０４／０１", APRIL_1),
        (" 2024-04-01 ", APRIL_1),
        ("令和6年4月1日", APRIL_1),
        ("令和６年４月１日", APRIL_1),
        ("令和 6 年 4 月 1 日", APRIL_1),
        ("㋿6年4月1日", APRIL_1),
        ("R6.4.1", APRIL_1),
        ("R6/4/1", APRIL_1),
        ("R06.04.01", APRIL_1),
        ("r6.4.1", APRIL_1),
        ("Ｒ６．４．１", APRIL_1),
        ("令和元年5月7日", date(2019, 5, 7)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("S64.1.7", date(1989, 1, 7)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("大正15年12月25日", date(1926, 12, 25)),
        ("T1.7.30", date(1912, 7, 30)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("M1.1.25", date(1868, 1, 25)),
    ],
)
def test_parse_japanese_date(value, expected):
    assert parse_japanese_date(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "missing"),
        (math.nan, "missing"),
        (pd.NaT, "missing"),
        (np.datetime64("NaT"), "missing"),
        ("", "missing"),
        ("  ", "missing"),
        ("－", "missing"),
        ("不明", "missing"),
        ("未定", "missing"),
        ("令和1年4月30日", "era_out_of_range"),
        ("令和0年5月1日", "era_out_of_range"),
        ("平成31年5月1日", "era_out_of_range"),
        ("平成1年1月7日", "era_out_of_range"),
        ("昭和64年1月8日", "era_out_of_range"),
        ("大正15年12月26日", "era_out_of_range"),
        ("明治45年7月30日", "era_out_of_range"),
        ("M1.1.24", "era_out_of_range"),
        ("2023-02-30", "invalid_date"),
        ("2023/13/01", "invalid_date"),
        ("20230230", "invalid_date"),
        ("令和5年2月29日", "invalid_date"),
        ("2024年2月", "unparseable"),
        ("来月", "unparseable"),
        ("2024-04-01x", "unparseable"),
        ("X6.4.1", "unparseable"),
        ("240401", "unparseable"),
        (True, "unparseable"),
        ([2024, 4, 1], "unparseable"),
        (0, "serial_out_of_range"),
        (-5, "serial_out_of_range"),
        (10**7, "serial_out_of_range"),
        (math.inf, "serial_out_of_range"),
    ],
)
def test_parse_japanese_date_errors(value, reason):
    with pytest.raises(DateParseError) as error:
        parse_japanese_date(value)
    assert error.value.reason == reason
    assert isinstance(error.value, ValueError)


def test_parse_dates():
    values = pd.Series(
        ["R6.4.1", "2023-02-30", None, 45017, "不明", "R6.4.1", "0024-04-01", "abc"],
        index=list("abcdefgh"),
        dtype=object,
        name="transaction_date",
    )
    parsed, reasons = parse_dates(values)
    assert parsed.dtype == "datetime64[ns]"
    assert parsed.name == "transaction_date"
    assert list(parsed.index) == list("abcdefgh") == list(reasons.index)
    assert parsed["a"] == pd.Timestamp("2024-04-01") == parsed["f"]
    assert parsed["d"] == pd.Timestamp("2023-04-01")
    assert parsed.isna().tolist() == [False, True, True, False, True, False, True, True]
    expected = [
        None,
        "invalid_date",
        "missing",
        None,
        "missing",
        None,
        "out_of_range",
        "unparseable",
    ]
    assert [None if pd.isna(r) else r for r in reasons] == expected
