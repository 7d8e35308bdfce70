import math

import jaconv
import numpy as np
import pandas as pd
import pytest

from cleansing.text import (
    _VARIANTS,
    fold_lookalikes,
    fold_variants,
    fold_variants_series,
    is_marker,
    is_placeholder,
    kana_key,
    kana_keys,
    map_unique,
    map_unique_frame,
    normalize_text,
    normalize_texts,
    placeholder_mask,
    text_positions,
    texts_equal,
    to_katakana,
    to_katakana_series,
)


@pytest.mark.parametrize(
    "value",
    [None, math.nan, np.nan, np.float32("nan"), pd.NA, pd.NaT, "", "   ", "\u3000", "－", "ー",
     "ｰ", "-", "―", "—", "--", "＠", "@", "不明", " 不明 ", "なし", "未定", "N/A", "n/a", "#N/A",
     "＃Ｎ／Ａ"],
)  # fmt: skip
def test_placeholders(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["山田商事", "0", 0, 0.0, "A", "なしの木", "-5", False])
def test_not_placeholders(value):
    assert not is_placeholder(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("㈱山田商事", "(株)山田商事"),
        ("（株）山田", "(株)山田"),
        ("ｻﾝﾗｲｽﾞ", "サンライズ"),
        ("  山田　　商事  ", "山田 商事"),
        ("03−1234‐5678", "03-1234-5678"),
        ("3ー4―5", "3-4-5"),
        ("1 – 2", "1-2"),
        ("サンライズー", "サンライズー"),  # ー after kana is not a dash
        ("A—B", "A—B"),  # only between digits
        ("", ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("濵田 濱田", "浜田 浜田"),
        ("渡邊 渡邉", "渡辺 渡辺"),
        ("齋藤 齊藤", "斎藤 斉藤"),
        (
            "澤 德 國 會 廣 榮 藏 嶋 峯 冨 龍 櫻 眞 惠 曻",
            "沢 徳 国 会 広 栄 蔵 島 峰 富 竜 桜 真 恵 昇",
        ),
        ("葛\U000e0100飾", "葛飾"),  # ideographic variation selector
        ("高橋", "高橋"),
    ],
)
def test_fold_variants(raw, expected):
    assert fold_variants(raw) == expected


def test_variant_table_is_one_pass():
    assert not set(_VARIANTS) & set(_VARIANTS.values())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("さんらいず", "サンライズ"), ("ゔぁ", "ヴァ"), ("山田さん", "山田サン"), ("ABC", "ABC")],
)
def test_to_katakana(raw, expected):
    assert to_katakana(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ヤマダショウジ", "ヤマダシヨウジ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ", "ヤマダシヨウジ"),
        ("やまだ しょうじ", "ヤマダシヨウジ"),
        ("サンライズ・コーポレーション", "サンライズコポレシヨン"),
        ("キャッシュ", "キヤツシユ"),
        ("ガ", "ガ"),  # dakuten kept
        ("ヵヶㇰ", "カケク"),
        ("ABC（カ）", "abcカ"),
        ("", ""),
    ],
)
def test_kana_key(raw, expected):
    assert kana_key(raw) == expected


def test_map_unique_calls_once_per_distinct_value_and_keeps_index():
    calls = []

    def upper(value):
        calls.append(value)
        return value.upper()

    values = pd.Series(["a", "b", None, "a", "b", "a"], index=list("uvwxyz"))
    result = map_unique(values, upper, na_value="?")
    assert sorted(calls) == ["a", "b"]
    assert result.tolist() == ["A", "B", "?", "A", "B", "A"]
    assert list(result.index) == list("uvwxyz")


def test_map_unique_frame():
    values = pd.Series([1, None, 1, 2], index=[10, 11, 12, 13], dtype="Int64")
    frame = map_unique_frame(
        values, lambda v: (v * 2, f"n{v}"), {"double": float, "label": "str"}, (np.nan, None)
    )
    assert list(frame.index) == [10, 11, 12, 13]
    assert frame["double"].tolist()[::2] == [2.0, 2.0]
    assert math.isnan(frame["double"][11])
    assert frame["label"].isna().tolist() == [False, True, False, False]
    assert frame["label"][13] == "n2"


def test_vectorised_companions_match_scalars():
    raw = ["ｻﾝﾗｲｽﾞ", "さんらいず", "髙橋　商事", "03−1234", None, "ｻﾝﾗｲｽﾞ"]
    values = pd.Series(raw, dtype=object)
    present = [v for v in raw if v is not None]
    for vectorised, scalar in [
        (normalize_texts, normalize_text),
        (fold_variants_series, fold_variants),
        (to_katakana_series, to_katakana),
        (kana_keys, kana_key),
    ]:
        result = vectorised(values)
        assert result.dropna().tolist() == [scalar(v) for v in present]
        assert result.isna().tolist() == [v is None for v in raw]
    assert placeholder_mask(pd.Series(["不明", "A", None, "－"])).tolist() == [
        True,
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ユニバ一サル建工", "ユニバーサル建工"),  # kanji 一 inside a katakana word
        ("名古屋道路エ業", "名古屋道路工業"),  # katakana エ between kanji
        ("ハーモ二ー", "ハーモニー"),
        ("力トウ商事", "カトウ商事"),
        ("アメリ力物産", "アメリカ物産"),
        ("卜ヨ夕", "トヨタ"),
        ("マイク口電子", "マイクロ電子"),  # ends the katakana word
        ("協カ商事", "協力商事"),
        ("サンライズエ業", "サンライズ工業"),  # 工 starts the kanji word
        ("第ービル", "第一ビル"),  # a numeral ends the kanji word
        ("日本工ース", "日本エース"),
        ("イ口八精工", "イロハ精工"),
        ("東京制作所", "東京製作所"),
        ("サンライズー物産", "サンライズー物産"),  # a long vowel mark before kanji stays
        ("山田商事", "山田商事"),
    ],
)
def test_fold_lookalikes(typed, expected):
    assert fold_lookalikes(typed) == expected
    assert fold_lookalikes(expected) == expected


PAIRS = dict(
    zip("エロカニタトハー工口力二夕卜八一", "工口力二夕卜八一エロカニタトハー", strict=True)
)


@pytest.mark.parametrize(
    "name",
    ["ユニバーサル建工", "ハーモニー工業", "トヨタカローラ販売", "イロハ精工", "第一ニット",
     "エースコーポレーション", "カタログ八王子", "ロータリー口腔", "二十一世紀ハウス"],
)  # fmt: skip
def test_fold_lookalikes_is_blind_to_which_of_a_pair_was_typed(name):
    folded = fold_lookalikes(name)
    for position, char in enumerate(name):
        if char in PAIRS:
            typo = name[:position] + PAIRS[char] + name[position + 1 :]
            assert fold_lookalikes(typo) == folded, typo


def test_to_katakana_covers_the_hiragana_block_like_jaconv():
    hiragana = "".join(chr(c) for c in range(0x3041, 0x30A0))
    assert to_katakana(hiragana) == jaconv.hira2kata(hiragana)


def test_placeholder_mask_agrees_with_is_placeholder():
    values = [None, math.nan, pd.NA, "", "\u3000", "－", "ｰｰ", "＃Ｎ／Ａ", " 不明 ", "n/a", "山田",
              "-5", "なしの木", 0, 1.5, "0"]  # fmt: skip
    mask = placeholder_mask(pd.Series(values, dtype=object))
    assert mask.tolist() == [is_placeholder(v) for v in values]
    assert mask.dtype == bool and mask.sum() == 10


def test_is_marker_expects_normalised_text():
    assert is_marker("N/A") and is_marker("--") and not is_marker("山田")


@pytest.mark.parametrize("repeat", [1, 3])
def test_text_positions_agree_with_pandas_with_and_without_runs(repeat: int) -> None:
    """Arrow lookups (runs of equal values looked up once) give pandas' positions, a missing
    value included."""
    rng = np.random.default_rng(repeat)
    among = pd.Series([f"id{i}" for i in range(1000)] + [None], dtype="str")
    values = pd.Series(np.repeat([f"id{i}" for i in rng.integers(0, 1200, 5000)], repeat))
    values = values.astype("str").mask(np.arange(len(values)) % 7 == 0)
    expected = pd.Index(among).get_indexer(values)
    assert (text_positions(values, among) == expected).all()
    assert (expected == -1).any() and (expected >= 0).any()


def test_texts_equal_row_for_row() -> None:
    a = pd.Series(["a", None, "東京"], dtype="str")
    assert texts_equal(a, pd.Series(["a", None, "東京"], dtype="string"))
    assert not texts_equal(a, pd.Series(["a", "b", "東京"], dtype="str"))
    assert not texts_equal(a, a.iloc[:2])
