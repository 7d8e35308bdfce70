"""Prefectures, cities, postal prefixes and area codes, so addresses and phones agree."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    prefecture: str
    name: str
    postal_prefix: str  # first three digits of the 郵便番号
    area_code: str  # landline area code, leading 0 included


@dataclass(frozen=True, slots=True)
class Address:
    city: City
    town: str
    chome: int
    ban: int
    go: int
    building: str  # "" when none
    postal_code: str  # seven digits

    @property
    def prefecture(self) -> str:
        return self.city.prefecture


# prefecture: (weight, west, "city:postal:area ...")
_PREFECTURES: dict[str, tuple[int, bool, str]] = {
    "東京都": (
        30,
        False,
        "千代田区:100:03 中央区:104:03 港区:105:03 新宿区:160:03 渋谷区:150:03 品川区:140:03 "
        "大田区:144:03 江東区:135:03 八王子市:192:042 立川市:190:042",
    ),
    "神奈川県": (
        9,
        False,
        "横浜市中区:231:045 横浜市港北区:222:045 川崎市川崎区:210:044 相模原市中央区:252:042 "
        "藤沢市:251:0466",
    ),
    "埼玉県": (6, False, "さいたま市大宮区:330:048 川口市:332:048 川越市:350:049"),
    "千葉県": (5, False, "千葉市中央区:260:043 船橋市:273:047 柏市:277:04"),
    "茨城県": (2, False, "水戸市:310:029 つくば市:305:029"),
    "栃木県": (1, False, "宇都宮市:320:028"),
    "群馬県": (1, False, "高崎市:370:027"),
    "北海道": (3, False, "札幌市中央区:060:011 旭川市:070:0166"),
    "宮城県": (2, False, "仙台市青葉区:980:022"),
    "新潟県": (2, False, "新潟市中央区:950:025"),
    "長野県": (1, False, "長野市:380:026"),
    "静岡県": (3, False, "静岡市葵区:420:054 浜松市中央区:430:053"),
    "愛知県": (
        8,
        True,
        "名古屋市中区:460:052 名古屋市中村区:450:052 豊田市:471:0565 岡崎市:444:0564",
    ),
    "大阪府": (
        12,
        True,
        "大阪市北区:530:06 大阪市中央区:541:06 大阪市淀川区:532:06 堺市堺区:590:072 東大阪市:577:06",
    ),
    "京都府": (3, True, "京都市下京区:600:075 京都市中京区:604:075"),
    "兵庫県": (4, True, "神戸市中央区:650:078 姫路市:670:079"),
    "広島県": (2, True, "広島市中区:730:082"),
    "岡山県": (1, True, "岡山市北区:700:086"),
    "福岡県": (4, True, "福岡市博多区:812:092 福岡市中央区:810:092 北九州市小倉北区:802:093"),
    "熊本県": (1, True, "熊本市中央区:860:096"),
    "沖縄県": (1, True, "那覇市:900:098"),
}
PREFECTURES = tuple(_PREFECTURES)
_WEIGHTS = tuple(w for w, _, _ in _PREFECTURES.values())
WEST = frozenset(p for p, (_, west, _) in _PREFECTURES.items() if west)
CITIES: dict[str, tuple[City, ...]] = {
    pref: tuple(City(pref, *item.split(":")) for item in spec.split())
    for pref, (_, _, spec) in _PREFECTURES.items()
}
_TOWNS = [
    "本町",
    "中央",
    "栄町",
    "緑町",
    "旭町",
    "錦",
    "大手町",
    "丸の内",
    "駅前",
    "新町",
    "東町",
    "西町",
    "南町",
    "北町",
    "港町",
    "桜木町",
    "若葉",
    "松原",
    "昭和町",
    "宮前",
    "寿町",
    "元町",
    "幸町",
    "日吉町",
    "平和町",
    "住吉町",
    "柳町",
    "青葉町",
    "八幡町",
    "天神町",
]


def random_prefecture(rng: random.Random, *, exclude: str = "") -> str:
    while True:
        pref = rng.choices(PREFECTURES, _WEIGHTS)[0]
        if pref != exclude:
            return pref


def random_address(rng: random.Random, prefecture: str) -> Address:
    city = rng.choice(CITIES[prefecture])
    building = ""
    if rng.random() < 0.4:
        floor = rng.randint(1, 12)
        building = rng.choice((f"第{rng.randint(1, 3)}ビル {floor}F", f"センタービル{floor}階"))
    return Address(
        city=city,
        town=rng.choice(_TOWNS),
        chome=rng.randint(1, 5),
        ban=rng.randint(1, 30),
        go=rng.randint(1, 20),
        building=building,
        postal_code=f"{city.postal_prefix}{rng.randrange(10_000):04d}",
    )


def random_phone(rng: random.Random, city: City) -> str:
    """A 10-digit landline in the city's area, hyphenated the usual way (03-1234-5678)."""
    local_len = 10 - len(city.area_code)
    local = f"{rng.randint(2, 9)}{rng.randrange(10 ** (local_len - 1)):0{local_len - 1}d}"
    split = local_len - 4
    return f"{city.area_code}-{local[:split]}-{local[split:]}"
