"""Label free text (業種, 見送り理由) by the first matching group of regexes.

Hand-typed text repeats a lot, so each distinct value is matched once and the labels are mapped
back: a million customers cost as much as their few thousand distinct spellings.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from cleansing.text import pick


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    alternation = "|".join(f"(?:{unicodedata.normalize('NFKC', p)})" for p in patterns)
    return re.compile(alternation, re.IGNORECASE)


def first_match(
    values: pd.Series, labelled_patterns: dict[str, list[str]], fallback: str | None
) -> pd.Series:
    """Label of the first group (in dict order) with a pattern found in the value, else fallback.

    Values are NFKC-normalised first so full-width ＩＴ or half-width ｿﾌﾄｳｪｱ still match.
    """
    compiled = [(label, _compile(patterns)) for label, patterns in labelled_patterns.items()]

    def label(text: str) -> str | None:
        normalised = unicodedata.normalize("NFKC", text)
        for name, regex in compiled:
            if regex is not None and regex.search(normalised):
                return name
        return fallback

    codes, distinct = pd.factorize(values)
    labels = [label(str(text)) for text in distinct]
    return pick([*labels, fallback], np.where(codes < 0, len(labels), codes), values.index)
