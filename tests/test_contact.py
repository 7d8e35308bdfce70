import numpy as np
import pandas as pd
import pytest

from cleansing.contact import (
    CITY_PREFECTURE,
    PREFECTURES,
    address_key,
    address_keys,
    normalize_phone,
    normalize_phones,
    normalize_postal_code,
    normalize_postal_codes,
    split_address,
    split_addresses,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03-1234-5678", "+81312345678"),
        ("０３－１２３４－５６７８", "+81312345678"),
        ("(03)1234-5678", "+81312345678"),
        ("03（1234）5678", "+81312345678"),
        ("+81-3-1234-5678", "+81312345678"),
        ("0312345678", "+81312345678"),
        ("TEL:03-1234-5678", "+81312345678"),
        ("03-1234-5678 内線123", "+81312345678"),
        ("090-1234-5678", "+819012345678"),
        ("0120-123-456", "+81120123456"),
        (312345678, "+81312345678"),  # numeric cell lost its trunk 0
        (312345678.0, "+81312345678"),
        ("1234", None),
        ("電話なし", None),
        ("－", None),
        (None, None),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123-4567", "123-4567"),
        ("〒123-4567", "123-4567"),
        ("〒 123-4567", "123-4567"),
        ("1234567", "123-4567"),
        ("１２３－４５６７", "123-4567"),
        ("123ー4567", "123-4567"),
        (1234567, "123-4567"),
        (600001, "060-0001"),  # Excel dropped the leading 0
        (np.int64(600001), "060-0001"),
        (600001.0, "060-0001"),
        ("12-34567", None),
        ("123-456", None),
        ("12345678", None),
        ("東京都", None),
        ("不明", None),
        (None, None),
    ],
)
def test_normalize_postal_code(raw, expected):
    assert normalize_postal_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("東京都千代田区丸の内3-4-5", ("東京都", "千代田区丸の内3-4-5")),
        ("北海道札幌市中央区北1条西2丁目", ("北海道", "札幌市中央区北1条西2丁目")),
        ("京都府京都市中京区", ("京都府", "京都市中京区")),
        ("大阪府 大阪市北区", ("大阪府", "大阪市北区")),
        ("神奈川県横浜市", ("神奈川県", "横浜市")),
        ("鹿児島県鹿児島市", ("鹿児島県", "鹿児島市")),
        ("〒100-0005 東京都千代田区丸の内", ("東京都", "千代田区丸の内")),
        ("東京都　千代田区", ("東京都", "千代田区")),
        ("京都市中京区", ("京都府", "京都市中京区")),  # implied by a designated city
        ("福岡市博多区博多駅前2-1", ("福岡県", "福岡市博多区博多駅前2-1")),
        ("横浜市中区", ("神奈川県", "横浜市中区")),
        ("〒530-0001 大阪市北区梅田", ("大阪府", "大阪市北区梅田")),
        ("東大阪市本町", ("大阪府", "東大阪市本町")),  # not 大阪市
        ("北九州市小倉北区", ("福岡県", "北九州市小倉北区")),
        ("千代田区丸の内", ("東京都", "千代田区丸の内")),  # a Tokyo ward no other city has
        ("港区芝浦", (None, "港区芝浦")),  # 名古屋市港区 and 大阪市港区 exist too
        ("府中市宮町", (None, "府中市宮町")),  # in Tokyo and in Hiroshima
        ("静岡県浜松市", ("静岡県", "浜松市")),  # a written prefecture wins
        ("", (None, "")),
        (None, (None, "")),
    ],
)
def test_split_address(raw, expected):
    assert split_address(raw) == expected


def test_designated_cities_imply_their_prefecture():
    designated = "札幌 仙台 さいたま 千葉 横浜 川崎 相模原 新潟 静岡 浜松 名古屋 京都 大阪 堺 神戸 岡山 広島 北九州 福岡 熊本"
    for city in designated.split():
        prefecture, rest = split_address(f"{city}市中央1-1")
        assert prefecture in PREFECTURES and rest == f"{city}市中央1-1", city
    assert set(CITY_PREFECTURE.values()) <= set(PREFECTURES)


def test_all_47_prefectures_split():
    assert len(set(PREFECTURES)) == 47
    for prefecture in PREFECTURES:
        assert split_address(f"{prefecture}中央1-1") == (prefecture, "中央1-1")


SAME_ADDRESS = [
    ["東京都千代田区丸の内三丁目4番5号", "東京都千代田区丸の内3-4-5", "東京都千代田区丸の内３－４－５",
     "東京都千代田区丸の内3丁目4-5", "東京都千代田区丸の内3丁目4番5号", "千代田区丸の内3-4-5",
     "〒100-0005 東京都千代田区丸の内3ー4ー5", "東京都 千代田区 丸の内 3-4-5",
     "東京都千代田区丸ノ内3丁目4番地の5"],
    ["大阪府大阪市北区梅田二丁目十二番三号", "大阪府大阪市北区梅田2-12-3"],
    ["東京都千代田区霞が関1-2-3", "東京都千代田区霞ヶ関1-2-3", "東京都千代田区霞ケ関1丁目2番3号"],
    ["東京都渋谷区神宮前1-2-3 ABCビル201号室", "東京都渋谷区神宮前1丁目2番3号 abcビル 201号室"],
    ["東京都港区芝浦1-2-3 201", "東京都港区芝浦1-2-3-201"],
    ["髙田馬場1-1", "高田馬場1丁目1番"],
]  # fmt: skip


@pytest.mark.parametrize("variants", SAME_ADDRESS, ids=lambda v: v[0])
def test_same_address_same_key(variants):
    keys = {address_key(v) for v in variants}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("東京都千代田区丸の内三丁目4番5号", "千代田区丸の内3-4-5"),
        ("千代田区四番町5番", "千代田区4番町5"),  # 番町 is part of the place name
        ("梅田二十三番", "梅田23"),
        ("丸の内二〇一号", "丸の内201"),
        ("本町百五番地", "本町105"),
        ("", ""),
        (None, ""),
    ],
)
def test_address_key(raw, expected):
    assert address_key(raw) == expected


def test_different_addresses_differ():
    assert address_key("千代田区丸の内3-4-5") != address_key("千代田区丸の内3-4-6")
    assert address_key("千代田区丸の内3-4-5") != address_key("千代田区丸の内34-5")


def test_vectorised_companions():
    index = [3, 1, 2, 0]
    phones = pd.Series(["03-1234-5678", None, "0312345678", "x"], index=index)
    assert normalize_phones(phones).tolist()[0] == "+81312345678"
    assert normalize_phones(phones).isna().tolist() == [False, True, False, True]
    assert list(normalize_phones(phones).index) == index

    postal = pd.Series(["〒123-4567", None, 600001, "x"], index=index, dtype=object)
    result = normalize_postal_codes(postal)
    assert result.tolist()[0] == "123-4567" and result[2] == "060-0001"
    assert result.isna().tolist() == [False, True, False, True]

    addresses = pd.Series(["東京都千代田区丸の内三丁目4番5号", None, "千代田区丸の内3-4-5", "不明"])
    split = split_addresses(addresses)
    assert list(split.columns) == ["prefecture", "address"]
    assert split["prefecture"].isna().tolist() == [False, True, False, True]
    assert split["address"].tolist() == [
        "千代田区丸の内三丁目4番5号",
        "",
        "千代田区丸の内3-4-5",
        "",
    ]
    assert address_keys(addresses).tolist() == [
        "千代田区丸の内3-4-5",
        "",
        "千代田区丸の内3-4-5",
        "",
    ]


def test_domestic_fast_path_agrees_with_phonenumbers():
    """normalize_phone skips phonenumbers for plain domestic numbers; it must not change a result."""
    import random

    import phonenumbers

    def reference(text: str) -> str | None:
        try:
            number = phonenumbers.parse(text, "JP")
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    rng = random.Random(81)
    for _ in range(5000):
        digits = "0" + "".join(rng.choices("0123456789", k=rng.choice([8, 9, 10, 11])))
        written = rng.choice(
            [digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"({digits[:2]}){digits[2:]}"]
        )
        assert normalize_phone(written) == reference(written), written
