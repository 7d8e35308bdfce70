"""How one source record spells an entity: name, phone, postal code, address, 法人番号.

Each source draws its own variant independently, as different people typed them into
different systems; only the ground truth remembers which entity a record belongs to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import jaconv

from sampledata.corpnum import corrupt
from sampledata.entities import Entity
from sampledata.names import HOLDINGS, name_key
from sampledata.places import Address

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "株式会社": ("(株)", "（株）", "㈱"),
    "有限会社": ("(有)", "（有）", "㈲"),
    "合同会社": ("(同)", "（同）"),
    "一般社団法人": ("(一社)", "（一社）"),
    "医療法人": ("(医)", "（医）"),
}
BRANCH_SUFFIXES = ("東京支店", "大阪営業所", "本社", "名古屋支店")
_OLD_FORMS = "髙﨑濵邊齋澤德國"
_NEW_FORMS = "高崎浜辺斎沢徳国"
_TO_NEW = str.maketrans(_OLD_FORMS, _NEW_FORMS)
_TO_OLD = str.maketrans(_NEW_FORMS, _OLD_FORMS)
# Look-alike characters a hurried typist or an OCR pass confuses.
_PAIRS = "シツソンー一工エカ力ロ口タ夕ニ二ハ八製制精清大太本木田由藤籐"
_CONFUSABLE = {c: _PAIRS[i ^ 1] for i, c in enumerate(_PAIRS)}  # each to its pair partner
_SPACES = (" ", "\u3000")


@dataclass(frozen=True, slots=True)
class NameStyle:
    """How carefully a source writes names; weights for the legal form, rates for the rest."""

    legal_full: float
    legal_abbreviated: float
    legal_missing: float
    flip: float = 0.1  # legal form on the other side of the name
    space: float = 0.15
    old_new: float = 0.5  # 旧字体 written in 新字体 (the reverse at a quarter of this rate)
    kana_swap: float = 0.25
    full_width: float = 0.3
    half_kana: float = 0.05
    branch: float = 0.03
    typo: float = 0.02


def _swap_kanji_forms(core: str, style: NameStyle, rng: random.Random) -> str:
    if any(c in _OLD_FORMS for c in core):
        return core.translate(_TO_NEW) if rng.random() < style.old_new else core
    return core.translate(_TO_OLD) if rng.random() < style.old_new / 4 else core


def _typo(core: str, rng: random.Random, taken: set[str]) -> str:
    """One wrong or missing character that does not turn the name into another company's."""
    spots = [i for i, c in enumerate(core) if c in _CONFUSABLE]
    for _ in range(5):
        if spots and rng.random() < 0.7:
            i = rng.choice(spots)
            candidate = core[:i] + _CONFUSABLE[core[i]] + core[i + 1 :]
        else:
            i = rng.randrange(1, len(core))
            candidate = core[:i] + core[i + 1 :]
        if name_key(candidate) not in taken:
            return candidate
    return core


def _core_variant(entity: Entity, style: NameStyle, rng: random.Random, taken: set[str]) -> str:
    texts = []
    for part in entity.core:
        text = part.text
        if part == HOLDINGS and rng.random() < 0.3:
            text = "HD"
        elif part.script == "hira" and rng.random() < style.kana_swap:
            text = jaconv.hira2kata(text)
        elif part.script == "kata" and rng.random() < style.kana_swap / 4:
            text = jaconv.kata2hira(text)
        texts.append(text)
    if len(texts) > 1 and rng.random() < style.space:
        i = rng.randrange(1, len(texts))
        texts[i] = rng.choice(_SPACES) + texts[i]
    core = _swap_kanji_forms("".join(texts), style, rng)
    if rng.random() < style.full_width:
        core = jaconv.h2z(core, kana=False, ascii=True, digit=True)
    if rng.random() < style.half_kana:
        core = jaconv.z2h(core, kana=True, ascii=False, digit=False)
    if len("".join(core.split())) >= 5 and rng.random() < style.typo:
        core = _typo(core, rng, taken)
    return core


def render_name(
    entity: Entity, style: NameStyle, rng: random.Random, taken: set[str], *, branch: str = ""
) -> str:
    """The entity's name as one record writes it; `taken` holds every entity's name key."""
    core = _core_variant(entity, style, rng, taken)
    how = rng.choices(
        ("full", "abbreviated", "missing"),
        (style.legal_full, style.legal_abbreviated, style.legal_missing),
    )[0]
    name = core
    if how != "missing":
        if how == "full":
            form, sep = entity.legal_form, rng.choice(("", "", "", " ", "\u3000"))
        else:
            form, sep = rng.choice(ABBREVIATIONS[entity.legal_form]), ""
        front = entity.legal_front != (rng.random() < style.flip)
        name = f"{form}{sep}{core}" if front else f"{core}{sep}{form}"
    if not branch and rng.random() < style.branch:
        branch = rng.choice(BRANCH_SUFFIXES)
    return f"{name}{rng.choice(('', *_SPACES))}{branch}" if branch else name


def render_distinct_name(
    entity: Entity,
    style: NameStyle,
    rng: random.Random,
    taken: set[str],
    *,
    avoid: str,
    branch: str = "",
) -> str:
    """A variant that differs from `avoid` (another system's spelling) when a few tries allow."""
    name = render_name(entity, style, rng, taken, branch=branch)
    for _ in range(3):
        if name != avoid:
            break
        name = render_name(entity, style, rng, taken, branch=branch)
    return name


def render_phone(phone: str, rng: random.Random) -> str:
    form = rng.choices(("hyphen", "plain", "paren", "full_width"), (70, 15, 8, 7))[0]
    if form == "plain":
        return phone.replace("-", "")
    if form == "paren":
        area, mid, last = phone.split("-")
        return f"{area}({mid}){last}"
    if form == "full_width":
        return jaconv.h2z(phone, ascii=True, digit=True)
    return phone


_KANJI_DIGITS = "〇一二三四五六七八九"


def render_street(address: Address, rng: random.Random) -> str:
    """City, town and block, in one of the 三丁目4番5号 / 3丁目4-5 / 3-4-5 / ３－４－５ forms."""
    a = address
    form = rng.choices(("kanji", "chome", "hyphen", "full_width"), (3, 3, 4, 1))[0]
    if form == "kanji":
        block = f"{_KANJI_DIGITS[a.chome]}丁目{a.ban}番{a.go}号"
    elif form == "chome":
        block = f"{a.chome}丁目{a.ban}-{a.go}"
    else:
        block = f"{a.chome}-{a.ban}-{a.go}"
        if form == "full_width":
            block = jaconv.h2z(block, ascii=True, digit=True)
    building = f" {a.building}" if a.building and rng.random() < 0.8 else ""
    return f"{a.city.name}{a.town}{block}{building}"


def render_corporate_number(number: str, rng: random.Random, *, present: float) -> str:
    return number if rng.random() < present else ""


def plant_invalid_numbers(
    rows: list[list[object]], column: int, numbers: list[str], rng: random.Random
) -> None:
    """Give 1% of the rows (at least one) a 法人番号 with one digit off, as typos do."""
    for i in rng.sample(range(len(rows)), max(1, round(0.01 * len(rows)))):
        rows[i][column] = corrupt(numbers[i], rng)
