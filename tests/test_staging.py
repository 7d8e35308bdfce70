"""Staging: canonical columns out, every bad row quarantined with its reason, rows conserved."""

from __future__ import annotations

import json

import pandas as pd

from cleansing.staging import keep_rows, stage_entity


def raw(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame["row_ref"] = [f"file.csv:{i + 2}" for i in range(len(frame))]
    return frame


def test_transactions_each_bad_kind_is_quarantined_with_reason() -> None:
    rows = raw(
        [
            {
                "source_id": "1",
                "company_source_id": "000001",
                "transaction_date": "2024/04/01",
                "amount": "¥1,200",
            },
            {
                "source_id": "2",
                "company_source_id": "000001",
                "transaction_date": "令和6年4月1日",
                "amount": "▲300",
            },
            {
                "source_id": "3",
                "company_source_id": "000001",
                "transaction_date": "2024-04-01",
                "amount": "要確認",
            },
            {
                "source_id": "4",
                "company_source_id": "000001",
                "transaction_date": "2023-02-30",
                "amount": "100",
            },
            {
                "source_id": "5",
                "company_source_id": "000001",
                "transaction_date": "令和1年4月30日",
                "amount": "100",
            },
            {
                "source_id": "6",
                "company_source_id": "000001",
                "transaction_date": "2024-04-01",
                "amount": "",
            },
            {
                "source_id": "7",
                "company_source_id": "",
                "transaction_date": "2024-04-01",
                "amount": "100",
            },
            {
                "source_id": "1",
                "company_source_id": "000001",
                "transaction_date": "2024-04-01",
                "amount": "100",
            },
        ]
    )
    staged, quarantine = stage_entity("sales_db", "transactions", rows)
    assert len(staged) + len(quarantine) == len(rows)
    assert staged["source_id"].tolist() == ["1", "2"]
    assert staged["amount"].tolist() == [1200.0, -300.0]
    assert staged["is_return"].tolist() == [False, True]
    assert staged["transaction_date"].dt.date.astype(str).tolist() == ["2024-04-01", "2024-04-01"]
    reasons = dict(zip(quarantine["location"], quarantine["reason"], strict=True))
    assert reasons == {
        "file.csv:4": "amount_not_a_number",
        "file.csv:5": "transaction_date_invalid_date",
        "file.csv:6": "transaction_date_era_out_of_range",
        "file.csv:7": "amount_missing",
        "file.csv:8": "company_source_id_missing",
        "file.csv:9": "source_id_duplicate",
    }
    first = quarantine.iloc[0]
    assert first["source"] == "sales_db" and first["entity"] == "transactions"
    assert json.loads(first["raw"])["amount"] == "要確認"
    assert "要確認" in first["detail"]


def test_companies_are_normalised_and_nameless_rows_quarantined() -> None:
    rows = raw(
        [
            {
                "source_id": "A1",
                "name": "㈱山田商事 大阪支店",
                "corporate_number": "7123456789012",
                "phone": "03-1234-5678",
                "postal_code": "〒100-0005",
                "address": "東京都千代田区丸の内三丁目4番5号",
            },
            {
                "source_id": "A2",
                "name": "不明",
                "corporate_number": "",
                "phone": "",
                "postal_code": "",
                "address": "",
            },
            {
                "source_id": "A3",
                "name": "",
                "corporate_number": "",
                "phone": "",
                "postal_code": "",
                "address": "",
            },
            {
                "source_id": "A4",
                "name": "山田商事株式会社",
                "corporate_number": "1123456789012",
                "phone": "－",
                "postal_code": "1000005",
                "address": "",
            },
        ]
    )
    staged, quarantine = stage_entity("crm", "companies", rows)
    assert quarantine["reason"].tolist() == ["name_missing", "name_missing"]
    first, second = staged.iloc[0], staged.iloc[1]
    assert first["name_key"] == second["name_key"]
    assert first["legal_form"] == second["legal_form"] == "株式会社"
    assert first["branch"] == "大阪支店"
    assert bool(first["corporate_number_valid"]) and not bool(second["corporate_number_valid"])
    assert first["phone"] == "+81312345678" and pd.isna(second["phone"])
    assert first["postal_code"] == second["postal_code"] == "100-0005"
    assert first["prefecture"] == "東京都"


def test_deals_with_unknown_stage_are_quarantined() -> None:
    rows = raw(
        [
            {
                "source_id": "D1",
                "company_source_id": "A1",
                "deal_date": "2025-01-10",
                "stage": "lost",
                "loss_reason": "競合他社に決定",
            },
            {
                "source_id": "D2",
                "company_source_id": "A1",
                "deal_date": "2025-01-10",
                "stage": "保留",
            },
        ]
    )
    staged, quarantine = stage_entity("crm", "deals", rows)
    assert staged["stage"].tolist() == ["lost"]
    assert quarantine["reason"].tolist() == ["stage_unknown"]


def test_future_dated_rows_are_quarantined_but_open_deals_may_close_ahead() -> None:
    import datetime as dt

    today = dt.date(2026, 11, 23)
    sales = raw(
        [
            {
                "source_id": "1",
                "company_source_id": "A",
                "transaction_date": "2026-11-23",
                "amount": "1",
            },
            {
                "source_id": "2",
                "company_source_id": "A",
                "transaction_date": "2027-01-05",
                "amount": "1",
            },
        ]
    )
    staged, quarantine = stage_entity("sales_db", "transactions", sales, today)
    assert staged["source_id"].tolist() == ["1"]
    assert quarantine["reason"].tolist() == ["transaction_date_in_future"]
    deals = raw(
        [
            {
                "source_id": "D1",
                "company_source_id": "A",
                "deal_date": "2027-03-31",
                "stage": "open",
            },
            {
                "source_id": "D2",
                "company_source_id": "A",
                "deal_date": "2027-03-31",
                "stage": "won",
            },
        ]
    )
    staged, quarantine = stage_entity("crm", "deals", deals, today)
    assert staged["source_id"].tolist() == ["D1"]
    assert quarantine["reason"].tolist() == ["deal_date_in_future"]


def test_keep_rows_equals_boolean_indexing_dtypes_included() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c", "d"], dtype="string"),
            "str": pd.Series(["x", "y", None, "z"], dtype="str"),
            "day": pd.to_datetime(["2026-01-01", None, "2026-01-03", "2026-01-04"]),
            "amount": [1.0, None, 3.0, 4.0],
            "flag": [True, False, True, False],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
        },
        index=[10, 11, 12, 13],
    )
    keep = pd.Series([True, False, True, True], index=frame.index)
    expected = frame.loc[keep].reset_index(drop=True)
    pd.testing.assert_frame_equal(keep_rows(frame, keep), expected)


def test_rejection_reasons_and_details_follow_row_order() -> None:
    rows = raw(
        [
            {"source_id": "1", "company_source_id": "A", "transaction_date": "2024/13/01",
             "amount": "100"},
            {"source_id": "2", "company_source_id": None, "transaction_date": "2024/04/01",
             "amount": "100"},
            {"source_id": "3", "company_source_id": "A", "transaction_date": "2024/04/01",
             "amount": "abc"},
        ]
    )  # fmt: skip
    good, bad = stage_entity("sales_db", "transactions", rows)
    assert good.empty
    assert bad["source_id"].tolist() == ["1", "2", "3"]
    assert bad[["reason", "detail"]].values.tolist() == [
        ["transaction_date_invalid_date", "transaction_date=2024/13/01"],
        ["company_source_id_missing", "company_source_id is empty"],
        ["amount_not_a_number", "amount=abc"],
    ]
