"""Dates as typed by Japanese sales staff and exported by 販売管理 systems.

Excel serials, YYYYMMDD, 和暦 (令和6年4月1日, R6.4.1, 元年) and full-width digits all occur
in one column. Failures carry a machine-readable reason so rows can be quarantined.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from numbers import Real

import numpy as np
import pandas as pd

from cleansing.text import is_placeholder, map_unique_frame

_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (it counts the non-existent 1900-02-29)
_LAST_SERIAL = (date(2100, 12, 31) - _EXCEL_EPOCH).days
_YYYYMMDD = range(1000_01_01, 9999_12_31 + 1)

# era → (first day, last day); 令和 is open-ended.
_ERAS: dict[str, tuple[date, date]] = {
    "令和": (date(2019, 5, 1), date.max),
    "平成": (date(1989, 1, 8), date(2019, 4, 30)),
    "昭和": (date(1926, 12, 25), date(1989, 1, 7)),
    "大正": (date(1912, 7, 30), date(1926, 12, 25)),
    "明治": (date(1868, 1, 25), date(1912, 7, 29)),
}
_ERA_INITIALS = dict(zip("RHSTM", _ERAS, strict=True))

_WEEKDAY = r"(?:\s*\([月火水木金土日](?:曜日?)?\))?"
_TIME = r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_MONTH_DAY = rf"\s*[年./-]\s*(\d{{1,2}})\s*[月./-]\s*(\d{{1,2}})\s*日?{_WEEKDAY}{_TIME}"
_WESTERN = re.compile(rf"(\d{{4}}){_MONTH_DAY}")
_JAPANESE = re.compile(
    rf"({'|'.join(_ERAS)}|[{''.join(_ERA_INITIALS)}])\s*(元|\d{{1,2}}){_MONTH_DAY}", re.IGNORECASE
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")

_NS_RANGE = (pd.Timestamp.min.date(), pd.Timestamp.max.date())


class DateParseError(ValueError):
    """`reason`: missing, unparseable, invalid_date, era_out_of_range, serial_out_of_range."""

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason


def parse_japanese_date(value: object) -> date:
    """Parse one cell into a date or raise DateParseError with a reason."""
    if is_placeholder(value) or (isinstance(value, np.datetime64) and np.isnat(value)):
        raise DateParseError("missing", value)
    if isinstance(value, datetime):  # includes pd.Timestamp
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, Real) and not isinstance(value, bool):
        return _from_number(value, value)
    if isinstance(value, str):
        return _from_text(unicodedata.normalize("NFKC", value).strip(), value)
    raise DateParseError("unparseable", value)


def _from_number(number: Real, value: object) -> date:
    """YYYYMMDD integers (sales databases) or Excel serials."""
    if float(number).is_integer() and int(number) in _YYYYMMDD:
        return _from_text(str(int(number)), value)
    if not (math.isfinite(number) and 1 <= number < _LAST_SERIAL + 1):
        raise DateParseError("serial_out_of_range", value)
    return _EXCEL_EPOCH + timedelta(days=math.floor(number))


def _from_text(text: str, value: object) -> date:
    if match := _COMPACT.fullmatch(text) or _WESTERN.fullmatch(text):
        return _make_date(*map(int, match.groups()), value)
    if _SERIAL.fullmatch(text):
        return _from_number(float(text), value)
    if match := _JAPANESE.fullmatch(text):
        era = _ERA_INITIALS.get(match[1].upper(), match[1])
        first, last = _ERAS[era]
        year = 1 if match[2] == "元" else int(match[2])
        parsed = _make_date(first.year + year - 1, int(match[3]), int(match[4]), value)
        if year < 1 or not first <= parsed <= last:
            raise DateParseError("era_out_of_range", value)
        return parsed
    raise DateParseError("unparseable", value)


def _make_date(year: int, month: int, day: int, value: object) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError("invalid_date", value) from None


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised: (datetime64[ns] with NaT on error, reason or missing).

    Dates outside the datetime64[ns] range (before 1677, after 2262) get reason 'out_of_range'.
    """

    def row(value: object) -> tuple[date | None, str | None]:
        try:
            parsed = parse_japanese_date(value)
        except DateParseError as error:
            return None, error.reason
        if not _NS_RANGE[0] <= parsed <= _NS_RANGE[1]:
            return None, "out_of_range"
        return parsed, None

    columns = {"value": "datetime64[ns]", "reason": "str"}
    frame = map_unique_frame(values, row, columns, (None, "missing"))
    return frame["value"].rename(values.name), frame["reason"]
