"""Money amounts from exports and Excel: '１，２００，０００', '¥300,000', '300,000円', '▲5,000'.

Accounting marks a negative (返品, 値引) with ▲/△ or parentheses; NFKC leaves ▲, △ and ¥
alone, so they are handled here. Only plain forms are accepted: anything else is reported.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from numbers import Real

import numpy as np
import pandas as pd

from cleansing.text import is_placeholder, map_unique_frame

# (5,000) ¥-5,000 ▲¥5,000 300,000円; the currency sign may come before or after the sign.
_AMOUNT = re.compile(
    r"(?P<open>\()?\s*(?P<sign>[-−▲△+])?\s*(?:[¥\\]\s*)?(?P<sign2>[-−▲△])?\s*"
    r"(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*円?\s*(?P<close>\))?"
)
_NEGATIVE = frozenset("-−▲△")


YEN_UNITS = 10_000  # amounts are added up in ten-thousandths of a yen


def yen_units(amounts: np.ndarray) -> np.ndarray:
    """Amounts (NaN: 0) as whole ten-thousandths of a yen, in floats. Sums of whole numbers
    below 2**53 are exact, so a total does not depend on the order its parts are added in
    (one night's lines, or days held from several nights); finer fractions are rounded."""
    return np.rint(np.nan_to_num(np.asarray(amounts, dtype=float)) * YEN_UNITS)


class AmountParseError(ValueError):
    """`reason`: not_a_number."""

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason


def parse_amount(value: object) -> float | None:
    """Amount as float; None for placeholders; AmountParseError for anything else."""
    if is_placeholder(value):
        return None
    if isinstance(value, Real | Decimal) and not isinstance(value, bool):  # Decimal: SQL NUMERIC
        if not math.isfinite(value):
            raise AmountParseError("not_a_number", value)
        return float(value)
    if not isinstance(value, str):
        raise AmountParseError("not_a_number", value)
    match = _AMOUNT.fullmatch(unicodedata.normalize("NFKC", value).strip())
    if not match or bool(match["open"]) != bool(match["close"]) or match["sign"] and match["sign2"]:
        raise AmountParseError("not_a_number", value)
    amount = float(match["number"].replace(",", ""))
    negative = match["open"] or match["sign2"] or (match["sign"] or "+") in _NEGATIVE
    return -amount if negative else amount


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised: (float amounts, reason); placeholders give NaN with a missing reason."""

    def row(value: object) -> tuple[float, str | None]:
        try:
            amount = parse_amount(value)
        except AmountParseError as error:
            return np.nan, error.reason
        return (np.nan if amount is None else amount), None

    frame = map_unique_frame(values, row, {"amount": float, "reason": "str"}, (np.nan, None))
    return frame["amount"].rename(values.name), frame["reason"]
