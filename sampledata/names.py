"""Company-name parts with readings, canonical names and the key that keeps entities apart.

Every part carries its katakana reading so the sales DB can show a 得意先名カナ that was typed
independently of the (possibly misspelt) name, as real 販売管理 masters do.
"""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass

import jaconv


@dataclass(frozen=True, slots=True)
class Part:
    """One word of a company name; `script` decides which spelling variants apply to it."""

    text: str
    reading: str  # full-width katakana

    @property
    def script(self) -> str:
        if all("\u30a0" <= c <= "\u30ff" for c in self.text):
            return "kata"
        if all("\u3040" <= c <= "\u309f" for c in self.text):
            return "hira"
        return "other"


def _parse(spec: str) -> tuple[Part, ...]:
    """`"山田:ヤマダ サンライズ"` → parts; a word without a reading is its own (kana) reading."""
    parts = []
    for item in spec.split():
        text, _, reading = item.partition(":")
        parts.append(Part(text, reading or jaconv.hira2kata(text)))
    return tuple(parts)


# Surnames, including the 旧字体 spellings companies keep in their registered names.
SURNAMES = _parse(
    "山田:ヤマダ 田中:タナカ 佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 髙橋:タカハシ 伊藤:イトウ "
    "渡辺:ワタナベ 渡邊:ワタナベ 中村:ナカムラ 小林:コバヤシ 加藤:カトウ 吉田:ヨシダ "
    "山本:ヤマモト 松本:マツモト 井上:イノウエ 木村:キムラ 林:ハヤシ 斎藤:サイトウ 齋藤:サイトウ "
    "清水:シミズ 山崎:ヤマザキ 山﨑:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト 阿部:アベ "
    "石川:イシカワ 山下:ヤマシタ 中島:ナカジマ 前田:マエダ 藤田:フジタ 小川:オガワ 後藤:ゴトウ "
    "岡田:オカダ 長谷川:ハセガワ 村上:ムラカミ 近藤:コンドウ 石井:イシイ 坂本:サカモト "
    "遠藤:エンドウ 青木:アオキ 藤井:フジイ 西村:ニシムラ 福田:フクダ 太田:オオタ 三浦:ミウラ "
    "藤原:フジワラ 岡本:オカモト 松田:マツダ 中川:ナカガワ 中野:ナカノ 原田:ハラダ 小野:オノ "
    "田村:タムラ 竹内:タケウチ 金子:カネコ 和田:ワダ 中山:ナカヤマ 石田:イシダ 上田:ウエダ "
    "森田:モリタ 原:ハラ 柴田:シバタ 酒井:サカイ 工藤:クドウ 横山:ヨコヤマ 宮崎:ミヤザキ "
    "宮本:ミヤモト 内田:ウチダ 高木:タカギ 安藤:アンドウ 島田:シマダ 谷口:タニグチ 大野:オオノ "
    "丸山:マルヤマ 今井:イマイ 河野:コウノ 藤本:フジモト 村田:ムラタ 武田:タケダ 上野:ウエノ "
    "杉山:スギヤマ 増田:マスダ 平野:ヒラノ 大塚:オオツカ 千葉:チバ 久保:クボ 松井:マツイ "
    "小島:コジマ 岩崎:イワサキ 桜井:サクライ 野口:ノグチ 松尾:マツオ 野村:ノムラ 木下:キノシタ "
    "菊地:キクチ 佐々木:ササキ 浜田:ハマダ 濵田:ハマダ 沢田:サワダ 澤田:サワダ 徳永:トクナガ "
    "德永:トクナガ 国分:コクブ 國分:コクブ 北村:キタムラ 堀:ホリ 荒木:アラキ 大西:オオニシ "
    "岡崎:オカザキ 川口:カワグチ 辻:ツジ 永井:ナガイ 松岡:マツオカ 吉川:ヨシカワ 小山:コヤマ "
    "新井:アライ 服部:ハットリ 水野:ミズノ 菅原:スガワラ 市川:イチカワ 西田:ニシダ 関:セキ "
    "高田:タカダ 大澤:オオサワ 宮澤:ミヤザワ 田邊:タナベ 黒田:クロダ 三宅:ミヤケ 川村:カワムラ"
)
PLACES = _parse(
    "東洋:トウヨウ 日本:ニホン 大和:ヤマト 東京:トウキョウ 大阪:オオサカ 関東:カントウ "
    "関西:カンサイ 北海道:ホッカイドウ 東北:トウホク 中部:チュウブ 九州:キュウシュウ 四国:シコク "
    "北陸:ホクリク 湘南:ショウナン 横浜:ヨコハマ 名古屋:ナゴヤ 京都:キョウト 神戸:コウベ "
    "札幌:サッポロ 仙台:センダイ 広島:ヒロシマ 福岡:フクオカ 富士:フジ 三河:ミカワ "
    "瀬戸内:セトウチ 東邦:トウホウ 日東:ニットウ 大東:ダイトウ 中央:チュウオウ 昭和:ショウワ "
    "太平洋:タイヘイヨウ 國際:コクサイ 全日本:ゼンニホン 新日本:シンニホン 東海:トウカイ "
    "山陽:サンヨウ 千代田:チヨダ 武蔵野:ムサシノ 丸の内:マルノウチ 信越:シンエツ"
)
KATAKANA_BRANDS = _parse(
    "サンライズ グローバル ユニバーサル ネクスト アドバンス フロンティア ブライト クリエイト "
    "ライフ エコ スマート トラスト ハーモニー パシフィック オリエント ダイヤ ミライ アルファ "
    "ベスト ファースト プライム ロイヤル スター サンシャイン グリーン ブルー レインボー エース "
    "ワールド アクア ノース セントラル コスモ ニュー ジャパン アジア トップ ハッピー リバー "
    "オーシャン フューチャー リンク スカイ ドリーム シルバー ゴールド ミント"
)
HIRAGANA_BRANDS = _parse(
    "さくら ひまわり みらい あおば つばさ ひかり やまと みどり こだま あさひ はやぶさ ふじ "
    "いろは のぞみ すみれ かえで わかば ことぶき たちばな まごころ あけぼの ひばり"
)
LETTER_READINGS = dict(
    zip(
        string.ascii_uppercase,
        [
            "エー",
            "ビー",
            "シー",
            "ディー",
            "イー",
            "エフ",
            "ジー",
            "エイチ",
            "アイ",
            "ジェー",
            "ケー",
            "エル",
            "エム",
            "エヌ",
            "オー",
            "ピー",
            "キュー",
            "アール",
            "エス",
            "ティー",
            "ユー",
            "ブイ",
            "ダブリュー",
            "エックス",
            "ワイ",
            "ゼット",
        ],
        strict=True,
    )
)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Business words of one kind of company: `finals` end a name, `mids` need a final after."""

    finals: tuple[Part, ...]
    mids: tuple[Part, ...]
    mid_finals: tuple[Part, ...]


VOCABULARY: dict[str, Vocabulary] = {
    "consumables": Vocabulary(
        _parse(
            "商事:ショウジ 物産:ブッサン 商会:ショウカイ 産業:サンギョウ 事務機:ジムキ 紙業:シギョウ "
            "文具:ブング 通商:ツウショウ オフィスサプライ"
        ),
        _parse("事務機:ジムキ 文具:ブング オフィス 紙工:シコウ 包装:ホウソウ 資材:シザイ"),
        _parse("商事:ショウジ 販売:ハンバイ 産業:サンギョウ"),
    ),
    "it": Vocabulary(
        _parse(
            "システムズ ソフト テクノロジーズ ソリューションズ 情報システム:ジョウホウシステム "
            "ネットワークス データ デジタル テック ソフトウェア コンピュータ"
        ),
        _parse("テクノ データ ネット デジタル 情報:ジョウホウ ソフト クラウド"),
        _parse("ソリューションズ システムズ サービス ラボ"),
    ),
    "manufacturing": Vocabulary(
        _parse(
            "精機:セイキ 製作所:セイサクショ 工業:コウギョウ 電機:デンキ 化学:カガク 精工:セイコウ "
            "工機:コウキ 鉄工所:テッコウショ 電子:デンシ 金属:キンゾク"
        ),
        _parse(
            "精機:セイキ 電機:デンキ 金属:キンゾク 化学:カガク 機械:キカイ 精密:セイミツ "
            "電子:デンシ 樹脂:ジュシ 鋼材:コウザイ 産機:サンキ"
        ),
        _parse("工業:コウギョウ 製作所:セイサクショ 産業:サンギョウ"),
    ),
    "construction": Vocabulary(
        _parse(
            "建設:ケンセツ 工務店:コウムテン 組:グミ 建工:ケンコウ 土木:ドボク 住建:ジュウケン ハウス"
        ),
        _parse("総合:ソウゴウ 住宅:ジュウタク 設備:セツビ 電設:デンセツ 道路:ドウロ"),
        _parse("建設:ケンセツ 工業:コウギョウ サービス"),
    ),
    "retail": Vocabulary(
        _parse("商店:ショウテン ストア マート 百貨店:ヒャッカテン 薬局:ヤッキョク"),
        _parse("食品:ショクヒン 酒販:シュハン 家具:カグ 電器:デンキ 生活:セイカツ"),
        _parse("販売:ハンバイ 商店:ショウテン センター"),
    ),
    "transport": Vocabulary(
        _parse(
            "運輸:ウンユ 物流:ブツリュウ 運送:ウンソウ 倉庫:ソウコ 通運:ツウウン ロジスティクス "
            "エクスプレス 急便:キュウビン"
        ),
        _parse("陸運:リクウン 海運:カイウン 冷蔵:レイゾウ 配送:ハイソウ 輸送:ユソウ"),
        _parse("サービス 運輸:ウンユ センター"),
    ),
    "medical": Vocabulary(
        _parse("メディカル ケアサービス 介護サービス:カイゴサービス 薬品:ヤクヒン ヘルスケア"),
        _parse("医療:イリョウ 福祉:フクシ 調剤:チョウザイ 介護:カイゴ"),
        _parse("サービス センター"),
    ),
}
HOLDINGS = Part("ホールディングス", "ホールディングス")
MEDICAL_CORP_FINALS = _parse("会:カイ 会:カイ 会:カイ クリニック 病院:ビョウイン")
ASSOCIATION_FINALS = _parse("協会:キョウカイ 振興会:シンコウカイ 協議会:キョウギカイ")

_TEMPLATES = ("surname", "place", "place_mid", "katakana", "hiragana", "latin", "surname_mid")
_TEMPLATE_WEIGHTS = (34, 12, 14, 12, 7, 9, 12)


def _latin(rng: random.Random) -> Part:
    letters = "".join(rng.choices(string.ascii_uppercase, k=rng.choice((2, 3, 3))))
    return Part(letters, "".join(LETTER_READINGS[c] for c in letters))


def _head(rng: random.Random) -> Part:
    """The distinctive first word of a name that has no business word of its own."""
    pool = rng.choices((SURNAMES, PLACES, HIRAGANA_BRANDS, KATAKANA_BRANDS), (5, 3, 2, 1))[0]
    return rng.choice(pool)


def random_core(
    rng: random.Random, kind: str, legal_form: str, *, crowded: int = 0
) -> tuple[Part, ...]:
    """A name without legal form, shaped by the kind of business (山田商事, 東洋精機工業 ...).

    `crowded` counts the draws already taken: past a few, a place and then Latin initials
    are put in front, so that 100k+ companies still find free names in every small template.
    """
    core = _draw_core(rng, kind, legal_form)
    if crowded > 10:
        core = (rng.choice(PLACES), *core)
    if crowded > 30:
        core = (_latin(rng), *core)
    return core


def _draw_core(rng: random.Random, kind: str, legal_form: str) -> tuple[Part, ...]:
    vocab = VOCABULARY[kind]
    if legal_form == "医療法人":
        return (_head(rng), rng.choice(MEDICAL_CORP_FINALS))
    if legal_form == "一般社団法人":
        return (rng.choice(PLACES), rng.choice(vocab.mids), rng.choice(ASSOCIATION_FINALS))
    template = rng.choices(_TEMPLATES, _TEMPLATE_WEIGHTS)[0]
    final = HOLDINGS if rng.random() < 0.015 else rng.choice(vocab.finals)
    if template == "surname":
        return (rng.choice(SURNAMES), final)
    if template == "place":
        return (rng.choice(PLACES), final)
    if template == "katakana":
        return (rng.choice(KATAKANA_BRANDS), final)
    if template == "hiragana":
        return (rng.choice(HIRAGANA_BRANDS), final)
    mid_name = (rng.choice(vocab.mids), rng.choice(vocab.mid_finals))
    if template == "place_mid":
        return (rng.choice(PLACES), *mid_name)
    if template == "surname_mid":
        return (rng.choice(SURNAMES), *mid_name)
    return (_latin(rng), final) if rng.random() < 0.5 else (_latin(rng), *mid_name)


KYU_TO_SHIN = str.maketrans("髙﨑濵邊齋澤德國", "高崎浜辺斎沢徳国")


def name_key(text: str) -> str:
    """Spelling-blind identity of a core name: two entities must never share one by accident."""
    folded = unicodedata.normalize("NFKC", text).translate(KYU_TO_SHIN)
    return "".join(jaconv.hira2kata(folded).split()).upper()


def full_name(core: str, legal_form: str, front: bool) -> str:
    return f"{legal_form}{core}" if front else f"{core}{legal_form}"
