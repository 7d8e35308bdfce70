import pandas as pd
import pytest

from cleansing.company_name import NameParts, parse_company_name, parse_company_names

SAME_COMPANY = [
    ["株式会社山田商事", "山田商事株式会社", "(株)山田商事", "山田商事(株)", "㈱山田商事",
     "山田商事", "山田 商事", "山田　商事", "株式会社 山田商事 東京支店", "山田商事(株)大阪営業所",
     "（株）山田商事", "山田商事 (株)", "山田商事Co.,Ltd.", "山田商事 本社", "山田商事東京支店",
     "山田商事(東京支店)", "山田商事株式会社(旧:山田商店)"],
    ["ＡＢＣ商事", "ABC商事", "abc商事", "ABC商事株式会社", "A.B.C商事", "A・B・C商事"],
    ["ｻﾝﾗｲｽﾞ物産", "サンライズ物産", "さんらいず物産", "サンライズ 物産"],
    ["髙橋製作所", "高橋製作所", "髙橋製作所 第二工場", "高橋製作所第二工場"],
    ["山﨑電機", "山崎電機"],
    ["渡邊建設", "渡辺建設", "渡邉建設"],
    ["サンライズ－物産", "サンライズー物産", "サンライズ―物産", "ｻﾝﾗｲｽﾞｰ物産"],
    ["ABC Co., Ltd.", "ABC, Inc.", "ABC Corporation", "ABC Corp.", "ABC K.K.", "ABC KK",
     "abc株式会社"],
    ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ",
     "カブシキガイシャヤマダシヨウジ", "ヤマダシヨウジカブシキカイシャ"],
    ["横山ホールディングス", "横山HD", "横山ＨＤ株式会社", "横山 HD", "横山Holdings", "横山ホールディング"],
    ["LSFホールディングス", "ＬＳＦＨＤ（株）", "LSF HD"],
    ["渡辺商店", "株式会社 渡邊商店本社", "渡辺商店 本社", "渡辺商店(本社)"],
    ["シルバー薬局", "(株)シルバー薬局東京支店", "シルバー 薬局 福岡営業所", "シルバー薬局 大阪本社"],
    ["CNAテクノラボ", "CNA テクノラボ本社"],
    ["ユニバーサル建工", "ユニバ一サル建工", "ユニバーサル建エ"],
    ["名古屋道路工業", "名古屋道路エ業", "名古屋道路 エ業"],
    ["イロハ精工", "いろは精工", "いろは 精工", "イ口八精工"],
    ["東京製作所", "東京制作所"],
]  # fmt: skip


@pytest.mark.parametrize("variants", SAME_COMPANY, ids=lambda v: v[0])
def test_variants_share_a_key(variants):
    keys = {parse_company_name(v).key for v in variants}
    assert len(keys) == 1, keys
    assert keys != {""}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("山田商事", "山田商会"),
        ("東京製作所", "東京製作"),
        ("山田工業", "山田"),
        ("ABC商事", "ABD商事"),
        ("サンライズ物産", "サンライス物産"),
        ("ABC商事(旧:XYZ商事)", "XYZ商事"),
        ("HD商事", "ホールディングス商事"),  # initials, not an abbreviation
        ("日本社", "日本"),  # the word 日本社, not 日 + 本社
        ("山田本店", "山田"),  # 本店 ends many shop names
    ],
)
def test_different_companies_keep_different_keys(first, second):
    assert parse_company_name(first).key != parse_company_name(second).key


@pytest.mark.parametrize(
    ("raw", "name", "legal_form", "position", "branch", "key"),
    [
        ("株式会社山田商事", "山田商事", "株式会社", "front", None, "山田商事"),
        ("山田商事株式会社", "山田商事", "株式会社", "back", None, "山田商事"),
        ("山田商事 (株)", "山田商事", "株式会社", "back", None, "山田商事"),
        ("株式会社 山田商事 東京支店", "山田商事", "株式会社", "front", "東京支店", "山田商事"),
        ("山田商事(株)大阪営業所", "山田商事", "株式会社", "middle", "大阪営業所", "山田商事"),
        ("山田商事株式会社名古屋支社", "山田商事", "株式会社", "middle", "名古屋支社", "山田商事"),
        ("山田 商事", "山田 商事", None, None, None, "山田商事"),
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ヤマダシヨウジ", "株式会社", "front", None, "ヤマダシヨウジ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ヤマダシヨウジ", "株式会社", "back", None, "ヤマダシヨウジ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ", "ヤマダシヨウジ", "株式会社", "middle", "トウキヨウシテン",
         "ヤマダシヨウジ"),
        ("ABC商事(旧:XYZ商事)", "ABC商事(旧:XYZ商事)", None, None, None, "abc商事"),
        ("ABC商事(旧:XYZ商事株式会社)", "ABC商事(旧:XYZ商事株式会社)", None, None, None,
         "abc商事"),
        ("山田商事株式会社(旧:山田商店)", "山田商事(旧:山田商店)", "株式会社", "back", None,
         "山田商事"),
        ("東京製作所", "東京製作所", None, None, None, "東京製作所"),
        ("株式会社山田鉄工場", "山田鉄工場", "株式会社", "front", None, "山田鉄工場"),
        ("株式会社山田本店", "山田本店", "株式会社", "front", None, "山田本店"),
        ("有限会社 山田本店 大阪支店", "山田本店", "有限会社", "front", "大阪支店", "山田本店"),
        ("ABC東京支店", "ABC", None, None, "東京支店", "abc"),
        ("山田商事名古屋営業所", "山田商事", None, None, "名古屋営業所", "山田商事"),
        ("山田商事 事業所", "山田商事", None, None, "事業所", "山田商事"),
        ("山田商事 横浜出張所", "山田商事", None, None, "横浜出張所", "山田商事"),
        ("東京支店", "東京支店", None, None, None, "東京支店"),  # nothing would be left
        ("渡辺商店本社", "渡辺商店", None, None, "本社", "渡辺商店"),  # 本社 glued to the name
        ("（有）あおば 商店福岡営業所", "あおば 商店", "有限会社", "front", "福岡営業所",
         "アオバ商店"),  # a known place + office, not the whole last word
        ("九州電機 工業本社", "九州電機 工業", None, None, "本社", "九州電機工業"),
        ("日東HD", "日東HD", None, None, None, "日東ホールディングス"),
        ("Sony Corporation", "Sony", "株式会社", "back", None, "sony"),
        ("ABC LLC", "ABC", "合同会社", "back", None, "abc"),
        ("医療法人社団 山田会", "山田会", "医療法人社団", "front", None, "山田会"),
        ("かぶしきがいしゃ やまだ", "やまだ", "株式会社", "front", None, "ヤマダ"),
        ("株式会社", "", "株式会社", "front", None, ""),
        ("ロック&ロール", "ロック&ロール", None, None, None, "ロックロール"),
        ("O'Neil Japan", "O'Neil Japan", None, None, None, "oneiljapan"),
    ],
)  # fmt: skip
def test_parse_company_name(raw, name, legal_form, position, branch, key):
    assert parse_company_name(raw) == NameParts(name, legal_form, position, branch, key)


@pytest.mark.parametrize(
    ("raw", "legal_form"),
    [
        ("㈲山田", "有限会社"), ("(有)山田", "有限会社"), ("山田ユウゲンガイシャ", "有限会社"),
        ("ﾕ)ﾔﾏﾀﾞ", "有限会社"), ("(同)山田", "合同会社"), ("山田 G.K.", "合同会社"),
        ("ﾄﾞ)ﾔﾏﾀﾞ", "合同会社"), ("(資)山田", "合資会社"), ("ｼ)ﾔﾏﾀﾞ", "合資会社"),
        ("(名)山田", "合名会社"), ("ﾒ)ﾔﾏﾀﾞ", "合名会社"), ("(一社)山田", "一般社団法人"),
        ("(一財)山田", "一般財団法人"), ("(公社)山田", "公益社団法人"),
        ("(公財)山田", "公益財団法人"), ("ｻﾞｲ)ﾔﾏﾀﾞ", "財団法人"), ("ｼﾔ)ﾔﾏﾀﾞ", "社団法人"),
        ("特定非営利活動法人山田", "特定非営利活動法人"), ("NPO法人山田", "特定非営利活動法人"),
        ("ﾄｸﾋ)ﾔﾏﾀﾞ", "特定非営利活動法人"), ("医療法人山田会", "医療法人"),
        ("(医)山田会", "医療法人"), ("ｲ)ﾔﾏﾀﾞｶｲ", "医療法人"), ("医療法人財団山田会", "医療法人財団"),
        ("学校法人山田学園", "学校法人"), ("(学)山田学園", "学校法人"),
        ("ｶﾞｸ)ﾔﾏﾀﾞｶﾞｸｴﾝ", "学校法人"), ("社会福祉法人山田会", "社会福祉法人"),
        ("(福)山田会", "社会福祉法人"), ("ﾌｸ)ﾔﾏﾀﾞｶｲ", "社会福祉法人"),
        ("独立行政法人山田機構", "独立行政法人"), ("(独)山田機構", "独立行政法人"),
        ("ヤマダシヨウジ(カ)", "株式会社"), ("ABC Co.,Ltd.", "株式会社"),
        ("ABC CO., LTD", "株式会社"), ("ABC Inc", "株式会社"),
    ],
)  # fmt: skip
def test_legal_forms_are_canonical(raw, legal_form):
    parts = parse_company_name(raw)
    assert parts.legal_form == legal_form
    assert legal_form not in parts.name
    assert parts.key


@pytest.mark.parametrize("raw", ["Incubate Lab", "KKR商事", "ABC Corpus", "株主会"])
def test_no_legal_form_inside_words(raw):
    assert parse_company_name(raw).legal_form is None


@pytest.mark.parametrize("raw", [None, float("nan"), "", "  ", "－", "不明", "N/A"])
def test_placeholders_give_empty_parts(raw):
    assert parse_company_name(raw) == NameParts("", None, None, None, "")


def test_parse_company_names_matches_scalar_and_keeps_index():
    raw = ["株式会社山田商事", None, "山田商事(株)大阪営業所", "株式会社山田商事", "不明"]
    names = pd.Series(raw, index=[5, 6, 7, 8, 9], dtype="str")
    frame = parse_company_names(names)
    assert list(frame.columns) == ["name", "legal_form", "branch", "name_key"]
    assert list(frame.index) == [5, 6, 7, 8, 9]
    assert frame["name_key"].tolist() == ["山田商事", "", "山田商事", "山田商事", ""]
    assert frame["name"].tolist() == ["山田商事", "", "山田商事", "山田商事", ""]
    assert frame.loc[[5, 7, 8], "legal_form"].tolist() == ["株式会社"] * 3
    assert frame.loc[7, "branch"] == "大阪営業所"
    assert frame["legal_form"].isna().tolist() == [False, True, False, False, True]
