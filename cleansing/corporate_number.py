"""法人番号 (13-digit corporate number): the one identifier that settles a match outright.

Only valid numbers may be used for matching; invalid ones are kept as normalised text so the
caller can report them back to the source owner.
"""

from __future__ import annotations

import re
import unicodedata
from numbers import Real

import pandas as pd
from stdnum.jp import cn

from cleansing.text import DASHES, is_placeholder, map_unique_frame

_NOISE = re.compile(rf"[\s{re.escape(DASHES)}]+")
# Qualified-invoice registration numbers are 'T' + the corporate number.
_INVOICE_PREFIX = re.compile(r"^[Tt](?=\d{13}$)")


def check_digit(base12: str) -> int:
    """CD = 9 − (Σ Pₙ·Qₙ mod 9), Pₙ the n-th digit from the right, Qₙ = 1 (odd n) / 2 (even n)."""
    if len(base12) != 12 or not (base12.isascii() and base12.isdigit()):
        raise ValueError(f"expected 12 digits, got {base12!r}")
    total = sum(int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(base12), 1))
    return 9 - total % 9


def normalize_corporate_number(raw: object) -> str | None:
    """Digits without spaces/hyphens (any length, for reporting); None for placeholders."""
    if is_placeholder(raw):
        return None
    if isinstance(raw, Real) and not isinstance(raw, bool) and float(raw).is_integer():
        return str(int(raw))  # a numeric Excel cell; corporate numbers never start with 0
    text = _NOISE.sub("", unicodedata.normalize("NFKC", str(raw)))
    return _INVOICE_PREFIX.sub("", text)


def is_valid_corporate_number(number: str | None) -> bool:
    """13 ASCII digits with a correct check digit."""
    return (
        number is not None
        and len(number) == 13
        and number.isascii()
        and number.isdigit()
        and cn.is_valid(number)
    )


def clean_corporate_numbers(values: pd.Series) -> pd.DataFrame:
    """Vectorised: columns corporate_number (normalised, even if invalid), corporate_number_valid."""

    def row(raw: object) -> tuple[str | None, bool]:
        number = normalize_corporate_number(raw)
        return number, is_valid_corporate_number(number)

    columns = {"corporate_number": "str", "corporate_number_valid": bool}
    return map_unique_frame(values, row, columns, (None, False))
