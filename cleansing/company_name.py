"""Company names split into display name, 法人格, branch and a matching key.

The same company appears as 株式会社山田商事, 山田商事(株), ㈱山田商事 東京支店 or, in bank
transfer data, ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ. The legal form and the branch say nothing about *which*
company it is, so both are kept out of the key; the canonical legal form is kept apart
because it still helps to tell two same-named companies apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from cleansing.contact import PREFECTURES
from cleansing.text import (
    DASHES,
    KANJI,
    fold_lookalikes,
    fold_variants,
    is_marker,
    is_placeholder,
    map_unique_frame,
    normalize_text,
    to_katakana,
)


@dataclass(frozen=True)
class NameParts:
    name: str
    legal_form: str | None
    legal_form_position: str | None  # 'front' | 'back' | 'middle' (more than a note follows)
    branch: str | None
    key: str


_EMPTY = NameParts("", None, None, None, "")

_SMALL_TO_LARGE = dict(zip("ャュョッァィゥェォ", "ヤユヨツアイウエオ", strict=True))


def _reading(kana: str) -> str:
    """Regex for a katakana reading that also accepts 全銀 spelling (no small kana, カイシャ)."""
    pattern = "".join(f"[{c}{_SMALL_TO_LARGE[c]}]" if c in _SMALL_TO_LARGE else c for c in kana)
    return pattern.replace("ガイシ", "[ガカ]イシ")


def _latin(pattern: str) -> str:
    return rf"(?<![A-Za-z0-9])(?i:{pattern})(?![A-Za-z0-9])"


# Rows: canonical form, written forms (anywhere), katakana readings, abbreviations (kanji and
# 全銀 kana, matched as "(x)" anywhere, "x)" at the start or "(x" at the end), Latin
# patterns (whole words). Where a form is a prefix of another (医療法人 / 医療法人社団) the
# longer one comes first.
_Spellings = tuple[str, ...]
_LEGAL_FORMS: tuple[tuple[str, _Spellings, _Spellings, _Spellings, _Spellings], ...] = (
    ("株式会社", ("株式会社",), ("カブシキガイシャ",), ("株", "カ"),
     (r"co(?:mpany)?\.?\s*,?\s*(?:ltd\.?|limited)", r"ltd\.?", r"k\.?\s?k\.?",
      r"inc(?:orporated|\.)?", r"corporation", r"corp\.?")),
    ("有限会社", ("有限会社",), ("ユウゲンガイシャ",), ("有", "ユ"), ()),
    ("合同会社", ("合同会社",), ("ゴウドウガイシャ",), ("同", "ド"),
     (r"g\.\s?k\.?", r"l\.?l\.?c\.?")),
    ("合資会社", ("合資会社",), ("ゴウシガイシャ",), ("資", "シ"), ()),
    ("合名会社", ("合名会社",), ("ゴウメイガイシャ",), ("名", "メ"), ()),
    ("相互会社", ("相互会社",), ("ソウゴガイシャ",), ("ソ",), ()),
    ("有限責任事業組合", ("有限責任事業組合",), (), (), (r"l\.?l\.?p\.?",)),
    ("一般社団法人", ("一般社団法人",), ("イッパンシャダンホウジン",), ("一社",), ()),
    ("一般財団法人", ("一般財団法人",), ("イッパンザイダンホウジン",), ("一財",), ()),
    ("公益社団法人", ("公益社団法人",), ("コウエキシャダンホウジン",), ("公社",), ()),
    ("公益財団法人", ("公益財団法人",), ("コウエキザイダンホウジン",), ("公財",), ()),
    ("社団法人", ("社団法人",), ("シャダンホウジン",), ("社", "シヤ"), ()),
    ("財団法人", ("財団法人",), ("ザイダンホウジン",), ("財", "ザイ"), ()),
    ("特定非営利活動法人", ("特定非営利活動法人", "NPO法人"), ("トクテイヒエイリカツドウホウジン",),
     ("特非", "トクヒ"), ()),
    ("社会医療法人", ("社会医療法人",), (), (), ()),
    ("医療法人社団", ("医療法人社団",), (), (), ()),
    ("医療法人財団", ("医療法人財団",), (), (), ()),
    ("医療法人", ("医療法人",), ("イリョウホウジン",), ("医", "イ"), ()),
    ("学校法人", ("学校法人",), ("ガッコウホウジン",), ("学", "ガク"), ()),
    ("社会福祉法人", ("社会福祉法人",), ("シャカイフクシホウジン",), ("福", "フク"), ()),
    ("地方独立行政法人", ("地方独立行政法人",), (), (), ()),
    ("独立行政法人", ("独立行政法人",), (), ("独", "ドク"), ()),
    ("国立大学法人", ("国立大学法人",), (), (), ()),
    ("公立大学法人", ("公立大学法人",), (), (), ()),
    ("宗教法人", ("宗教法人",), ("シュウキョウホウジン",), ("宗", "シユウ"), ()),
    ("弁護士法人", ("弁護士法人",), (), ("弁", "ベン"), ()),
    ("税理士法人", ("税理士法人",), (), ("税", "ゼイ"), ()),
    ("有限責任監査法人", ("有限責任監査法人",), (), (), ()),
    ("監査法人", ("監査法人",), (), (), ()),
    ("司法書士法人", ("司法書士法人",), (), (), ()),
    ("行政書士法人", ("行政書士法人",), (), (), ()),
    ("社会保険労務士法人", ("社会保険労務士法人",), (), (), ()),
    ("特許業務法人", ("特許業務法人",), (), (), ()),
    ("土地家屋調査士法人", ("土地家屋調査士法人",), (), (), ()),
)  # fmt: skip


def _legal_form_regex() -> re.Pattern[str]:
    """One alternation, one named group per form, behind a first-character lookahead.

    The lookahead lets the scan skip most positions at once (4x faster on real names).
    """
    groups, first_chars = [], set()
    for index, (_, written, readings, abbreviations, latin) in enumerate(_LEGAL_FORMS):
        alternatives = [
            *map(re.escape, written),
            *map(_reading, readings),
            *(rf"\(\s*{a}\s*\)|^{a}\)|\({a}$" for a in abbreviations),
            *map(_latin, latin),
        ]
        groups.append(f"(?P<f{index}>{'|'.join(alternatives)})")
        first_chars.update(w[0] for w in (*written, *readings, *abbreviations))
        first_chars.update(c for p in latin for c in (p[0].lower(), p[0].upper()))
    first_chars.add("(")
    return re.compile(f"(?=[{re.escape(''.join(sorted(first_chars)))}])(?:{'|'.join(groups)})")


_LEGAL_FORM = _legal_form_regex()

_OFFICE_WORDS = "支店|支社|営業所|出張所|工場|事業所"
_HEAD_OFFICE_WORDS = "本社|本店"
_KANA_BRANCH_WORDS = "|".join(
    map(_reading, ["シテン", "シシャ", "エイギョウショ", "シュッチョウショ", "コウジョウ",
                   "ホンシャ", "ホンテン", "ジギョウショ"])
)  # fmt: skip
_BRANCH_WORDS = f"{_OFFICE_WORDS}|{_HEAD_OFFICE_WORDS}|{_KANA_BRANCH_WORDS}"
_SEP = "\x00"  # stands where a legal form was cut out: a branch may follow it directly
# A branch written after a space, a ')' or the legal form: a head office alone, an office
# with up to four kanji in front (品川支店, 第二工場) or a branch in kana (トウキヨウシテン); a
# longer word before it is part of the name (CNA テクノラボ本社). Or the last (...) group.
_SEPARATED_BRANCH = re.compile(
    rf"[\s){_SEP}]({_HEAD_OFFICE_WORDS}|[{KANJI}]{{0,4}}(?:{_OFFICE_WORDS})"
    rf"|[ァ-ヺ]*(?:{_KANA_BRANCH_WORDS}))$"
)
_BRANCH_TAIL = re.compile(rf"(?:{_BRANCH_WORDS})\)?$")
_BRACKETED_BRANCH = re.compile(rf"\(([^()]*(?:{_BRANCH_WORDS}))\)$")

_PLACES = sorted(
    {
        *PREFECTURES,
        *(p[:-1] for p in PREFECTURES if p != "北海道"),
        "札幌", "仙台", "横浜", "川崎", "相模原", "浜松", "名古屋", "堺", "神戸", "北九州",
        "盛岡", "水戸", "宇都宮", "前橋", "高崎", "大宮", "浦和", "甲府", "金沢", "大津",
        "松江", "高松", "松山", "那覇", "函館", "旭川", "郡山", "長岡", "松本", "豊田", "岡崎",
        "豊橋", "四日市", "姫路", "尼崎", "倉敷", "福山", "下関", "久留米", "八王子", "立川",
        "町田", "新宿", "渋谷", "池袋", "品川", "上野", "銀座", "日本橋", "横須賀", "厚木",
        "柏", "船橋", "川越", "首都圏", "関東", "関西", "東北", "北陸", "中部", "近畿", "中国",
        "四国", "九州", "東海", "甲信越", "北関東", "南関東", "東日本", "西日本",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_MODIFIER = r"中央|東|西|南|北|第[\d一二三四五六七八九十]+"
_OFFICE = "支店|支社|営業所|出張所"
# A known place and an office, wherever it is glued: シルバー薬局東京支店 after a separator
# must not take 薬局 along. 本店 is left out: 大阪本店 names shops as often as branches.
_PLACE_BRANCH = re.compile(
    rf"(?:{'|'.join(_PLACES)})(?:{_MODIFIER})?(?:{_OFFICE}|工場|本社|事業所)$"
)
# Without a separator: 山田商事東京支店, ABC名古屋営業所, 高橋製作所第二工場, 渡辺商店本社. 工場
# ends many company names (山田鉄工場), so it needs a known place or an ordinal in front;
# 本社 after 日 is the word 日本社.
_UNSEPARATED_BRANCH = re.compile(
    rf"(?:(?<![{KANJI}])[{KANJI}]{{1,4}}(?:{_OFFICE})"
    rf"|(?:(?:{'|'.join(_PLACES)})(?:{_MODIFIER})?|{_MODIFIER})(?:{_OFFICE}|工場)"
    rf"|(?<!日)本社)$"
)
# Abbreviations and English words written for a Japanese word of a name; keys spell it out.
# HD ends the name (石田HD, LSFHD after initials); elsewhere it is initials of its own (HD商事).
_HOLDINGS = re.compile(
    r"(?:(?<![a-z])|(?<=[a-z]{2}))(?:hd|hds|hldgs)$|(?<![a-z])holdings?(?![a-z])"
    r"|ホールディング(?!ス)"
)

_TRAILING_NOTES = re.compile(r"(?:\s*\([^()]*\))+$")
_DASH = f"[{re.escape(DASHES)}]"
_KATAKANA = "ァ-ヺ"
_DASH_AFTER_KATAKANA = re.compile(rf"(?<=[{_KATAKANA}]){_DASH}+")
_KEY_PUNCTUATION = re.compile(
    rf"[\s・.,'’‘`\"“”&()\[\]「」『』{re.escape(DASHES.replace('ー', ''))}]"
)
_STRAY_LONG_VOWEL = re.compile(rf"(?<![{_KATAKANA}])ー")
_STRIP = " ,、・" + _SEP
_SPACES = re.compile(r"\s+")


def parse_company_name(raw: object) -> NameParts:
    """Split a raw company name; see the module docstring for why."""
    if not isinstance(raw, str) and is_placeholder(raw):
        return _EMPTY
    text = normalize_text(str(raw))
    if is_marker(text):
        return _EMPTY
    legal_form, position, region = _cut_legal_form(text)
    region, branch = _cut_branch(region)
    name = _SPACES.sub(" ", region.replace(_SEP, " ")).strip(_STRIP)
    return NameParts(name, legal_form, position, branch, _name_key(name))


def _name_key(name: str) -> str:
    """Matching key of a normalised name already stripped of legal form and branch."""
    text = (_TRAILING_NOTES.sub("", name) or name) if name.endswith(")") else name
    text = to_katakana(fold_variants(text)).lower()
    if "h" in text or "ホールディング" in text:
        text = _HOLDINGS.sub("ホールディングス", text)
    text = _DASH_AFTER_KATAKANA.sub("ー", text)
    text = fold_lookalikes(_KEY_PUNCTUATION.sub("", text))
    return _STRAY_LONG_VOWEL.sub("", text)


def _cut_legal_form(text: str) -> tuple[str | None, str | None, str]:
    """First legal form outside parentheses → (canonical, position, text with a separator)."""
    # Readings may be written in hiragana; to_katakana keeps offsets, so match on a copy.
    for match in _LEGAL_FORM.finditer(to_katakana(text)):
        start, end = match.span()
        if text.count("(", 0, start) > text.count(")", 0, start):
            continue  # inside a note such as (旧:XYZ商事株式会社)
        before, after = text[:start].strip(_STRIP), text[end:].strip(_STRIP)
        canonical = _LEGAL_FORMS[int(match.lastgroup[1:])][0]
        if not before:
            return canonical, "front", after
        position = "middle" if _TRAILING_NOTES.sub("", after) else "back"
        separator = "" if after.startswith("(") else _SEP
        return canonical, position, f"{before}{separator}{after}"
    return None, None, text


def _cut_branch(region: str) -> tuple[str, str | None]:
    """Remove a trailing branch or office, unless nothing of the name would be left."""
    if not _BRANCH_TAIL.search(region):
        return region, None  # most names: one cheap test instead of four patterns
    for pattern in (_PLACE_BRANCH, _SEPARATED_BRANCH, _BRACKETED_BRANCH, _UNSEPARATED_BRANCH):
        match = pattern.search(region)
        if match:
            rest = region[: match.start()]
            if any(char.isalnum() for char in rest):
                return rest, match[match.lastindex or 0]
    return region, None


def parse_company_names(names: pd.Series) -> pd.DataFrame:
    """Vectorised `parse_company_name`: columns name, legal_form, branch, name_key."""

    def row(raw: object) -> tuple[str, str | None, str | None, str]:
        parts = parse_company_name(raw)
        return parts.name, parts.legal_form, parts.branch, parts.key

    columns = {"name": "str", "legal_form": "str", "branch": "str", "name_key": "str"}
    return map_unique_frame(names, row, columns, ("", None, None, ""))
