"""Phone numbers, postal codes and addresses, folded to comparable forms.

Registers write the same address as 三丁目4番5号, 3丁目4-5 or 3-4-5 and phone numbers with or
without the trunk 0; matching needs one canonical spelling of each.
"""

from __future__ import annotations

import re
import unicodedata
from numbers import Real

import pandas as pd
import phonenumbers

from cleansing.text import (
    DASHES,
    KANJI,
    fold_variants,
    is_placeholder,
    map_unique,
    map_unique_frame,
    normalize_text,
)

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip

_PREFECTURE = re.compile(f"^({'|'.join(PREFECTURES)})\\s*")

# Addresses often start at the city when it is big enough to need no prefecture. Only names
# that are unique nationwide are listed: the 20 政令指定都市, other large cities, and the Tokyo
# wards whose name no designated city's ward shares (港区, 中央区, 北区 ... are ambiguous).
_CITY_PREFECTURES = {
    "北海道": "札幌市 旭川市 函館市",
    "青森県": "青森市 八戸市",
    "岩手県": "盛岡市",
    "宮城県": "仙台市",
    "秋田県": "秋田市",
    "山形県": "山形市",
    "福島県": "福島市 郡山市 いわき市",
    "茨城県": "水戸市 つくば市",
    "栃木県": "宇都宮市",
    "群馬県": "前橋市 高崎市",
    "埼玉県": "さいたま市 川越市 川口市 越谷市",
    "千葉県": "千葉市 船橋市 柏市",
    "東京都": "八王子市 町田市 千代田区 新宿区 文京区 台東区 墨田区 江東区 品川区 目黒区 大田区 "
    "世田谷区 渋谷区 中野区 杉並区 豊島区 荒川区 板橋区 練馬区 足立区 葛飾区 江戸川区",
    "神奈川県": "横浜市 川崎市 相模原市 横須賀市 藤沢市",
    "新潟県": "新潟市",
    "富山県": "富山市",
    "石川県": "金沢市",
    "福井県": "福井市",
    "山梨県": "甲府市",
    "長野県": "長野市 松本市",
    "岐阜県": "岐阜市",
    "静岡県": "静岡市 浜松市",
    "愛知県": "名古屋市 豊橋市 豊田市 岡崎市 一宮市",
    "三重県": "津市 四日市市",
    "滋賀県": "大津市",
    "京都府": "京都市",
    "大阪府": "大阪市 堺市 東大阪市 豊中市 吹田市 高槻市 枚方市",
    "兵庫県": "神戸市 姫路市 尼崎市 西宮市",
    "奈良県": "奈良市",
    "和歌山県": "和歌山市",
    "鳥取県": "鳥取市",
    "島根県": "松江市",
    "岡山県": "岡山市 倉敷市",
    "広島県": "広島市 福山市 呉市",
    "山口県": "下関市",
    "徳島県": "徳島市",
    "香川県": "高松市",
    "愛媛県": "松山市",
    "高知県": "高知市",
    "福岡県": "福岡市 北九州市 久留米市",
    "佐賀県": "佐賀市",
    "長崎県": "長崎市 佐世保市",
    "熊本県": "熊本市",
    "大分県": "大分市",
    "宮崎県": "宮崎市",
    "鹿児島県": "鹿児島市",
    "沖縄県": "那覇市",
}
CITY_PREFECTURE = {
    city: prefecture for prefecture, cities in _CITY_PREFECTURES.items() for city in cities.split()
}
_CITY = re.compile(f"^({'|'.join(sorted(CITY_PREFECTURE, key=len, reverse=True))})")
_POSTAL = re.compile(f"〒?(\\d{{3}})[{DASHES}]?(\\d{{4}})")
_LEADING_POSTAL = re.compile(f"^〒?\\s*\\d{{3}}[{DASHES}]?\\d{{4}}\\s*")
_EXTENSION = re.compile(r"内線|内(?=\s*\d)")
# A plain domestic number: trunk 0 and 9-10 digits; 00 and 010 start international calls.
_DOMESTIC = re.compile(r"0((?!0|10)\d{9,10})")
_PHONE_PUNCTUATION = re.compile(f"[\\s(){re.escape(DASHES)}]")

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = re.compile("[〇零一二三四五六七八九十百千]+(?=丁目|番|号)")
# Rewrites applied in order: 3丁目4番地の5号 / 3丁目4-5 / 3の4の5 → 3-4-5.
_BLOCK_STEPS = (
    (re.compile(rf"(?<=[{KANJI}])[ケヶがガ](?=[{KANJI}])"), "ヶ"),
    (re.compile(rf"(?<=[{KANJI}])ノ(?=[{KANJI}])"), "の"),
    (re.compile(r"(\d+)丁目"), r"\1-"),
    (re.compile(r"(\d+)番(?:地の?)?(?!町)"), r"\1-"),
    (re.compile(r"(\d+)号(?![室棟館])"), r"\1"),
    (re.compile(r"(?<=\d)の(?=\d)"), "-"),
    (re.compile(r"(?<=\d) +(?=\d)"), "-"),
    (re.compile(r"-+(?!\d)|\s+|,|、"), ""),
)


def normalize_phone(raw: object) -> str | None:
    """E.164 ('+81312345678'); None for placeholders and strings that cannot be a number."""
    if is_placeholder(raw):
        return None
    text = _EXTENSION.sub(" ext. ", unicodedata.normalize("NFKC", _as_text(raw)))
    domestic = _DOMESTIC.fullmatch(_PHONE_PUNCTUATION.sub("", text))
    if domestic:  # what phonenumbers returns for these, 20x faster (checked in the tests)
        return f"+81{domestic[1]}"
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_postal_code(raw: object) -> str | None:
    """'123-4567'; numeric cells are zero-padded (Excel drops the 0 of 060-0001)."""
    if is_placeholder(raw):
        return None
    if isinstance(raw, Real) and not isinstance(raw, bool):
        raw = f"{int(raw):07d}" if float(raw).is_integer() and 0 <= raw < 10**7 else str(raw)
    text = unicodedata.normalize("NFKC", str(raw)).replace(" ", "")
    match = _POSTAL.fullmatch(text)
    return f"{match[1]}-{match[2]}" if match else None


def split_address(raw: object) -> tuple[str | None, str]:
    """(prefecture, rest) from a normalised address; a leading postal code is dropped.

    Without a written prefecture, one implied by a leading city (福岡市…) is returned and the
    rest starts at that city.
    """
    if is_placeholder(raw):
        return None, ""
    text = _LEADING_POSTAL.sub("", normalize_text(str(raw)))
    match = _PREFECTURE.match(text)
    if match:
        return match[1], text[match.end() :]
    city = _CITY.match(text)
    return (CITY_PREFECTURE[city[1]] if city else None), text


def address_key(raw: object) -> str:
    """Comparable address without prefecture (often omitted): 丸の内三丁目4番5号 → 丸の内3-4-5."""
    _, text = split_address(raw)
    text = _KANJI_NUMBER.sub(lambda m: str(_kanji_to_int(m[0])), fold_variants(text).lower())
    for pattern, replacement in _BLOCK_STEPS:
        text = pattern.sub(replacement, text)
    return text


def _kanji_to_int(numeral: str) -> int:
    """Both 二十三 and positional 二〇一 forms."""
    total = pending = 0
    for char in numeral:
        if char in _KANJI_UNITS:
            total += (pending or 1) * _KANJI_UNITS[char]
            pending = 0
        else:
            pending = pending * 10 + _KANJI_DIGITS[char]
    return total + pending


def _as_text(raw: object) -> str:
    """Numeric cells lose no information as int text (1.0 → '1')."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


# --- vectorised companions -------------------------------------------------------------


def normalize_phones(values: pd.Series) -> pd.Series:
    """Vectorised `normalize_phone`."""
    return map_unique(values, normalize_phone)


def normalize_postal_codes(values: pd.Series) -> pd.Series:
    """Vectorised `normalize_postal_code`."""
    return map_unique(values, normalize_postal_code)


def split_addresses(values: pd.Series) -> pd.DataFrame:
    """Vectorised `split_address`: columns prefecture, address."""
    return map_unique_frame(
        values, split_address, {"prefecture": "str", "address": "str"}, (None, "")
    )


def address_keys(values: pd.Series) -> pd.Series:
    """Vectorised `address_key`; missing gives ''."""
    return map_unique(values, address_key, na_value="")
