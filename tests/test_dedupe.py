"""The command-line 名寄せ on CSV files the test writes: encodings, errors, kana-only rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cleansing.dedupe import OUTPUT_COLUMNS, main

HEADER = ["コード", "会社名", "カナ", "住所", "電話", "郵便番号", "法人番号"]
ROWS = [
    ["1", "株式会社サカタのタネ", "サカタノタネ", "横浜市都筑区仲町台2-7-1", "045-945-8800", "224-0041", ""],
    ["2", "", "ｶ)ｻｶﾀﾉﾀﾈ", "", "", "", ""],  # a bank transfer name, nothing else
    ["3", "(株)山田商事", "ﾔﾏﾀﾞｼｮｳｼﾞ", "東京都千代田区丸の内1-1-1", "03-1234-5678", "100-0005", ""],
    ["4", "山田商事 東京支店", "", "", "03-1234-5678", "", ""],
    ["5", "", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "", "", "", ""],
    ["6", "山田商事", "", "大阪府大阪市北区梅田1-1", "06-1111-2222", "", "7123456789012"],
    ["7", "髙橋製作所", "", "", "", "", ""],
    ["8", "", "", "", "", "", ""],  # nothing to match on
]  # fmt: skip
OPTIONS = ["--id", "コード", "--name", "会社名", "--kana", "カナ", "--address", "住所",
           "--phone", "電話", "--postal-code", "郵便番号", "--corporate-number", "法人番号"]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], encoding: str, header=HEADER, sep=",") -> Path:
    text = "\n".join(sep.join(row) for row in [header, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def run(tmp_path: Path, source: Path, *extra: str) -> tuple[int, pd.DataFrame | None]:
    out = tmp_path / "out.csv"
    code = main([str(source), "--out", str(out), *extra])
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig") if code == 0 else None
    return code, frame


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_one_row_per_input_row_in_any_encoding(tmp_path: Path, encoding: str):
    code, out = run(tmp_path, write_csv(tmp_path / "in.csv", ROWS, encoding), *OPTIONS)
    assert code == 0
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    assert out["record_id"].tolist() == [row[0] for row in ROWS]
    assert (out["source"] == "input").all()
    customer = out.set_index("record_id")["customer_id"]
    assert customer["1"] == customer["2"]  # ｶ)ｻｶﾀﾉﾀﾈ found its master through the reading
    assert customer["3"] == customer["4"] == customer["5"]
    assert customer["6"] != customer["3"]  # same name, Osaka, another phone: a namesake
    assert customer[["1", "3", "6", "7"]].nunique() == 4
    reason = out.set_index("record_id")["match_reason"]
    assert reason["5"] == "kana_exact+reading_name"  # ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ: only a reading
    assert reason["2"] == "name_exact"  # サカタのタネ reads as it is written
    assert reason["8"] == "unusable:name_missing" and pd.isna(customer["8"])
    named = out.set_index("record_id")
    assert named.loc["7", ["name", "name_key"]].tolist() == ["髙橋製作所", "高橋製作所"]
    assert named.loc["2", ["name", "legal_form", "customer_name"]].tolist() == [
        "サカタノタネ",
        "株式会社",
        "サカタのタネ",
    ]


def test_tab_separated_input(tmp_path: Path):
    source = write_csv(tmp_path / "in.tsv", ROWS[:3], "cp932", sep="\t")
    code, out = run(tmp_path, source, *OPTIONS)
    assert code == 0 and out["customer_id"].nunique() == 2


def test_a_missing_column_is_named(tmp_path: Path, capsys):
    source = write_csv(tmp_path / "in.csv", ROWS, "utf-8")
    code, _ = run(tmp_path, source, "--id", "コード", "--name", "社名", "--phone", "TEL")
    assert code == 2
    error = capsys.readouterr().err
    assert "no column '社名' (given as --name), 'TEL' (given as --phone)" in error
    assert "its columns are: コード, 会社名, カナ" in error
    assert not (tmp_path / "out.csv").exists()


def test_required_options_are_enforced(tmp_path: Path):
    source = write_csv(tmp_path / "in.csv", ROWS, "utf-8")
    with pytest.raises(SystemExit) as exit_:
        main([str(source), "--out", str(tmp_path / "out.csv"), "--id", "コード"])
    assert exit_.value.code == 2


def test_a_missing_input_file_is_a_clear_error(tmp_path: Path, capsys):
    code, _ = run(tmp_path, tmp_path / "absent.csv", "--id", "a", "--name", "b")
    assert code == 2 and "absent.csv" in capsys.readouterr().err


def test_sources_duplicate_ids_and_review(tmp_path: Path):
    header = ["src", "id", "name", "tel", "pref"]
    rows = [
        ["crm", "1", "大和運輸", "03-1111-1111", "東京都千代田区1-1"],
        ["sales", "1", "大和運輸株式会社", "03-1111-1111", ""],  # same id, other source
        ["sales", "1", "別会社", "", ""],  # the same id again in one source
        ["", "9", "大和運輸", "", "大阪府大阪市北区1-1"],  # no source: the default one
    ]
    source = write_csv(tmp_path / "in.csv", rows, "utf-8", header=header)
    review = tmp_path / "review.csv"
    options = [
        "--id",
        "id",
        "--name",
        "name",
        "--phone",
        "tel",
        "--address",
        "pref",
        "--source",
        "src",
    ]
    code, out = run(tmp_path, source, *options, "--review", str(review))
    assert code == 0
    assert out["source"].tolist() == ["crm", "sales", "sales", "input"]
    assert out.loc[0, "customer_id"] == out.loc[1, "customer_id"]
    assert out.loc[2, "match_reason"] == "unusable:source_id_duplicate"
    pairs = pd.read_csv(review, encoding="utf-8-sig")
    assert {"name_l", "name_r", "reason", "customer_id_l", "customer_id_r"} <= set(pairs.columns)
    assert "input:9" in set(pairs["record_key_l"]) | set(pairs["record_key_r"])


def test_overrides_and_previous_ids(tmp_path: Path):
    source = write_csv(tmp_path / "in.csv", ROWS, "utf-8")
    code, first = run(tmp_path, source, *OPTIONS)
    previous = tmp_path / "previous.csv"
    (tmp_path / "out.csv").rename(previous)

    steward = tmp_path / "steward.yaml"
    steward.write_text(
        "must_link:\n"
        "  - left: {source: input, source_id: '7'}\n"
        "    right: {source: input, source_id: '6'}\n"
        "    note: 高橋 took over 山田 Osaka\n",
        encoding="utf-8",
    )
    grown = write_csv(
        tmp_path / "in2.csv",
        [["0", "山田商事(株)", "", "", "03-1234-5678", "", ""], *ROWS],
        "utf-8",
    )
    code, second = run(
        tmp_path, grown, *OPTIONS, "--overrides", str(steward), "--previous", str(previous)
    )
    assert code == 0
    before = first.set_index("record_id")["customer_id"]
    after = second.set_index("record_id")["customer_id"]
    assert after["0"] == before["3"]  # a new variant joins the existing customer and its id
    assert after["7"] == after["6"]
    assert second.set_index("record_id").loc["7", "match_reason"].startswith("steward:must_link")
    unchanged = [k for k in before.dropna().index if k not in ("6", "7")]
    assert (after[unchanged] == before[unchanged]).all()


def test_a_bad_overrides_file_is_reported(tmp_path: Path, capsys):
    source = write_csv(tmp_path / "in.csv", ROWS, "utf-8")
    steward = tmp_path / "steward.yaml"
    steward.write_text("must_link: [{left: {source: input}}]\n", encoding="utf-8")
    code, _ = run(tmp_path, source, *OPTIONS, "--overrides", str(steward))
    assert code == 2
    assert "must_link.0.left.source_id: Field required" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path: Path):
    source = write_csv(tmp_path / "in.csv", ROWS[:4], "cp932")
    out = tmp_path / "out.csv"
    completed = subprocess.run(
        [sys.executable, "-m", "cleansing.dedupe", str(source), "--out", str(out), *OPTIONS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "4 rows -> 2 customers" in completed.stderr
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 4
