"""Text primitives shared by every cleansing module.

Source systems disagree on width, kana script, old kanji forms and placeholder markers; these
functions fold those differences. Each scalar function has a Series companion that computes
on the distinct values only (names and addresses repeat heavily) and broadcasts back.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Dash and hyphen look-alikes left after NFKC (it folds － to '-' but keeps these); ー is
# included because IMEs produce it inside numbers such as 3ー4ー5.
DASHES = "-‐‑‒–—―−ー"
KANJI = r"\u3400-\u4dbf\u4e00-\u9fff々"  # for use inside a character class

_PLACEHOLDER_WORDS = frozenset({"", "@", "不明", "なし", "未定", "N/A", "#N/A"})
_PLACEHOLDER_ARRAY = pa.array(sorted(_PLACEHOLDER_WORDS))
_ONLY_DASHES = re.compile(f"[{DASHES}]+")
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s*[{DASHES}]\s*(?=\d)")
_SPACES = re.compile(r"\s+")

# 旧字体 / 異体字 → the form used in most registers. Targets never appear as sources, so a
# single translate pass is enough. Variation selectors (IVS) are dropped.
_VARIANTS = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "濵": "浜", "濱": "浜", "邊": "辺", "邉": "辺",
    "齋": "斎", "齊": "斉", "澤": "沢", "德": "徳", "國": "国", "圀": "国", "會": "会",
    "廣": "広", "榮": "栄", "藏": "蔵", "嶋": "島", "嶌": "島", "峯": "峰", "冨": "富",
    "龍": "竜", "櫻": "桜", "眞": "真", "惠": "恵", "曻": "昇", "舘": "館", "槇": "槙",
    "栁": "柳", "邨": "村", "瀧": "滝", "淺": "浅", "條": "条", "檜": "桧", "彌": "弥",
    "禮": "礼", "壽": "寿", "豐": "豊", "萬": "万", "與": "与", "寶": "宝", "實": "実",
    "學": "学", "體": "体", "關": "関", "驛": "駅", "鐵": "鉄", "鐡": "鉄", "發": "発",
    "號": "号", "舊": "旧", "圓": "円", "縣": "県", "藝": "芸", "圖": "図", "團": "団",
    "應": "応", "傳": "伝", "專": "専", "證": "証", "營": "営", "來": "来", "總": "総",
    "樂": "楽", "濟": "済", "灣": "湾", "黑": "黒", "黃": "黄", "蘆": "芦", "靜": "静",
    "淸": "清", "靑": "青", "稻": "稲", "穗": "穂", "增": "増", "莊": "荘", "鹽": "塩",
    "亞": "亜", "惡": "悪", "賣": "売", "讀": "読", "寫": "写", "勞": "労", "勵": "励",
    "戰": "戦", "辨": "弁", "辯": "弁", "瓣": "弁", "晉": "晋", "靈": "霊", "檢": "検",
    "驗": "験", "縱": "縦", "獨": "独", "燈": "灯", "壯": "壮", "寬": "寛", "祿": "禄",
}  # fmt: skip
_VARIATION_SELECTORS = [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
_VARIANT_TABLE = str.maketrans(
    {**{ord(k): v for k, v in _VARIANTS.items()}, **dict.fromkeys(_VARIATION_SELECTORS)}
)

# Katakana and the kanji they are mistaken for (typing, OCR): エ/工, ロ/口 ... and the long
# vowel mark ー for 一. Which one was meant depends only on the script around it.
_KANA_LOOKALIKES = "エロカニタトハー"
_KANJI_LOOKALIKES = "工口力二夕卜八一"
_TO_KANA = dict(zip(_KANJI_LOOKALIKES + _KANA_LOOKALIKES, _KANA_LOOKALIKES * 2, strict=True))
_TO_KANJI = dict(zip(_KANJI_LOOKALIKES + _KANA_LOOKALIKES, _KANJI_LOOKALIKES * 2, strict=True))
_LOOKALIKE = re.compile(f"[{_KANA_LOOKALIKES}{_KANJI_LOOKALIKES}]")
_NOT_LOOKALIKE = re.compile(f"[^{_KANA_LOOKALIKES}{_KANJI_LOOKALIKES}]")
_KANJI_CHAR = re.compile(f"[{KANJI}]")
_KANA_CHAR = re.compile("[ァ-ヺ]")

# ぁ..ゖ and ゝゞ sit 0x60 below their katakana (as jaconv.hira2kata maps them).
_HIRAGANA_TO_KATAKANA = {c: c + 0x60 for c in [*range(0x3041, 0x3097), 0x309D, 0x309E]}

_SMALL_KANA = str.maketrans(
    "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ",
)
_KANA_KEY_DROP = re.compile(r"[\W_ー]+")


def is_placeholder(value: object) -> bool:
    """True for missing values and the markers people type instead of leaving a cell empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if not isinstance(value, str):
        return False
    return is_marker(unicodedata.normalize("NFKC", value).strip())


def is_marker(text: str) -> bool:
    """`is_placeholder` for text that is already NFKC-normalised and stripped."""
    return text.upper() in _PLACEHOLDER_WORDS or _ONLY_DASHES.fullmatch(text) is not None


def normalize_text(s: str) -> str:
    """NFKC (full width, ㈱ → (株)), dashes between digits → '-', single spaces, stripped."""
    text = unicodedata.normalize("NFKC", s)
    text = _DASH_BETWEEN_DIGITS.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def fold_variants(s: str) -> str:
    """Replace 旧字体/異体字 (髙, 﨑, 邊...) with the common form so registers agree."""
    return s.translate(_VARIANT_TABLE)


def fold_lookalikes(s: str) -> str:
    """Fold look-alike characters to the script around them, for matching keys only.

    ユニバ一サル (kanji one) reads ユニバーサル and 道路エ業 reads 道路工業. Each look-alike takes
    its form from its context alone, so the result is the same whichever of a pair was typed:
    on the left the script of the previous character as folded, on the right the nearest
    character that is no look-alike. Katakana around it gives the katakana form, kanji the
    kanji form, nothing the katakana form. Where a katakana word meets a kanji one the
    character usually ends the katakana word (マイクロ電子, イロハ精工, サンライズー物産),
    except 工 starting a kanji word (サンライズ工業) and the numerals 一二八 ending one
    (第一ビル). 製/制 are folded too. Run it on text without spaces.
    """
    s = s.replace("制", "製")  # 制作所 for 製作所: no company is told apart by it
    out, resolved_end, resolved = list(s), -1, "o"
    for match in _LOOKALIKE.finditer(s):
        start = match.start()
        left = resolved if start == resolved_end else _script(s[start - 1]) if start else "o"
        after = _NOT_LOOKALIKE.search(s, start + 1)
        right = _script(after[0]) if after else "o"
        kanji = _kanji_meant(_TO_KANJI[out[start]], left, right)
        out[start] = (_TO_KANJI if kanji else _TO_KANA)[out[start]]
        resolved_end, resolved = start + 1, "h" if kanji else "k"
    return "".join(out)


def _kanji_meant(kanji: str, left: str, right: str) -> bool:
    """Whether the kanji of a look-alike pair was meant, given the scripts on either side."""
    if "h" not in (left, right):
        return False
    if "k" not in (left, right):
        return True
    return (kanji == "工" and right == "h") or (kanji in "一二八" and left == "h")


def _script(char: str) -> str:
    """'h' kanji, 'k' katakana, 'o' anything else."""
    if _KANJI_CHAR.match(char):
        return "h"
    return "k" if _KANA_CHAR.match(char) else "o"


def to_katakana(s: str) -> str:
    """Hiragana → katakana, one character for one, so offsets into `s` stay valid."""
    return s.translate(_HIRAGANA_TO_KATAKANA)


def kana_key(s: str) -> str:
    """Reading key: katakana, small kana made large, no ー, spaces or punctuation."""
    text = to_katakana(unicodedata.normalize("NFKC", s)).translate(_SMALL_KANA)
    return _KANA_KEY_DROP.sub("", text).lower()


# --- vectorised companions -------------------------------------------------------------


def map_unique(
    values: pd.Series, func: Callable[[Any], Any], *, dtype: Any = "str", na_value: Any = None
) -> pd.Series:
    """Apply `func` once per distinct non-missing value; missing entries get `na_value`."""
    codes, uniques = pd.factorize(values)  # missing → code -1, which takes the last item
    mapped = pd.Series([*map(func, uniques.tolist()), na_value], dtype=dtype)
    return pd.Series(mapped.array.take(codes), index=values.index, name=values.name)


def map_unique_frame(
    values: pd.Series,
    func: Callable[[Any], Sequence[Any]],
    columns: dict[str, Any],
    na_row: Sequence[Any],
) -> pd.DataFrame:
    """Like `map_unique` for a function returning one tuple per value (`columns`: name → dtype)."""
    codes, uniques = pd.factorize(values)
    rows = [*map(func, uniques.tolist()), na_row]
    frame = pd.DataFrame(rows, columns=list(columns)).astype(columns)
    taken = {name: frame[name].array.take(codes) for name in columns}
    return pd.DataFrame(taken, index=values.index)


def _map_strings(values: pd.Series, func: Callable[[str], str]) -> pd.Series:
    return map_unique(values, lambda v: func(str(v)))


def placeholder_mask(values: pd.Series) -> pd.Series:
    """Vectorised `is_placeholder`, in Arrow for the text values (every staged cell passes)."""
    codes, uniques = pd.factorize(values)
    items = uniques.tolist()
    text = pa.array([v if isinstance(v, str) else None for v in items], type=pa.string())
    folded = pc.utf8_trim_whitespace(pc.utf8_normalize(text, "NFKC"))
    marker = pc.fill_null(
        pc.or_(
            pc.is_in(pc.utf8_upper(folded), value_set=_PLACEHOLDER_ARRAY),
            pc.match_substring_regex(folded, f"^[{re.escape(DASHES)}]+$"),
        ),
        False,
    ).to_numpy(zero_copy_only=False)
    other = np.fromiter((not isinstance(v, str) and is_placeholder(v) for v in items), bool)
    mask = np.r_[np.where(text.is_null().to_numpy(zero_copy_only=False), other, marker), True]
    return pd.Series(mask[codes], index=values.index, name=values.name)


def normalize_texts(values: pd.Series) -> pd.Series:
    """Vectorised `normalize_text`; missing stays missing."""
    return _map_strings(values, normalize_text)


def fold_variants_series(values: pd.Series) -> pd.Series:
    """Vectorised `fold_variants`."""
    return _map_strings(values, fold_variants)


def to_katakana_series(values: pd.Series) -> pd.Series:
    """Vectorised `to_katakana`."""
    return _map_strings(values, to_katakana)


def kana_keys(values: pd.Series) -> pd.Series:
    """Vectorised `kana_key`."""
    return _map_strings(values, kana_key)


def texts_in(values: pd.Series | pd.Index, wanted: pd.Series | pd.Index) -> np.ndarray:
    """Mask of `values` found in `wanted`, compared as text through Arrow: pandas' isin
    hashes a large `wanted` as Python objects (2.4 s for 512k ids, against 0.1 s)."""
    mask = pc.is_in(_arrow_text(values), value_set=_arrow_text(wanted))
    return mask.to_numpy(zero_copy_only=False)


def text_positions(values: pd.Series | pd.Index, among: pd.Series | pd.Index) -> np.ndarray:
    """Position of each of `values` in `among` (its first occurrence; -1: absent), through
    Arrow: three times faster than pandas' get_indexer on a million ids. A run of equal
    values (the lines of one company, the days of one record) is looked up once."""
    text = _arrow_text(values)
    starts = np.flatnonzero(~_same_as_previous(text))
    if len(starts) < len(text) // 2:
        position = _index_in(text.take(pa.array(starts)), among)
        return np.repeat(position, np.diff(np.r_[starts, len(text)]))
    return _index_in(text, among)


def _index_in(text: pa.Array | pa.ChunkedArray, among: pd.Series | pd.Index) -> np.ndarray:
    position = pc.index_in(text, value_set=_arrow_text(among))
    return pc.fill_null(position, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def texts_equal(left: pd.Series, right: pd.Series) -> bool:
    """Whether two text columns hold the same values row for row (missing equals missing)."""
    a, b = (
        pa.chunked_array([t]) if isinstance(t, pa.Array) else t
        for t in map(_arrow_text, (left, right))
    )
    return a.equals(b)


def _same_as_previous(text: pa.Array) -> np.ndarray:
    """Per value, whether it equals the value before it (missing values: never)."""
    if len(text) < 2:
        return np.zeros(len(text), bool)
    same = pc.fill_null(pc.equal(text[1:], text[:-1]), False)
    return np.r_[False, same.to_numpy(zero_copy_only=False)]


def pick(
    names: Sequence[str | None], codes: np.ndarray, index: pd.Index | None = None
) -> pd.Series:
    """names[code] for each code as a str Series; code -1 gives a missing value."""
    table = pa.array([*names, None], type=pa.large_string())
    taken = table.take(pa.array(np.where(codes < 0, len(names), codes)))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


def _arrow_text(values: pd.Series | pd.Index) -> pa.Array:
    return pa.array(pd.Series(values, copy=False).astype("str").array).cast(pa.large_string())
