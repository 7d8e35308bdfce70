"""Every published table and view, defined once, with column comments (English / 日本語).

DuckDB (embedded default) and PostgreSQL get the same tables from this metadata; the views are
plain SQL that both dialects accept.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def col(name: str, type_: sa.types.TypeEngine, comment: str, **kw) -> sa.Column:
    return sa.Column(name, type_, comment=comment, **kw)


TEXT, DATE, FLOAT, INT, BOOL = sa.String(), sa.Date(), sa.Float(), sa.BigInteger(), sa.Boolean()

customers = sa.Table(
    "customers",
    metadata,
    col("customer_id", TEXT, "Stable unified customer id / 統合顧客ID", primary_key=True),
    col("name", TEXT, "Golden company name with legal form / 代表社名"),
    col("legal_form", TEXT, "Legal form, e.g. 株式会社 / 法人格"),
    col("name_key", TEXT, "Normalised match key of the name / 名寄せキー"),
    col("corporate_number", TEXT, "Valid 13-digit corporate number / 法人番号"),
    col("phone", TEXT, "Phone in E.164 / 電話番号"),
    col("postal_code", TEXT, "Postal code NNN-NNNN / 郵便番号"),
    col("prefecture", TEXT, "Prefecture / 都道府県"),
    col("address", TEXT, "Address / 住所"),
    col("industry", TEXT, "Industry as the sources name it / 業種"),
    col("industry_profile", TEXT, "Dormancy industry profile / 休眠判定の業種区分"),
    col("size_class", TEXT, "large / smb / unknown / 企業規模"),
    col("employees", FLOAT, "Employees / 従業員数"),
    col("capital_yen", FLOAT, "Capital in yen / 資本金"),
    col("source_count", INT, "Number of source systems holding the company / ソース数"),
    col("record_count", INT, "Number of source records merged / 統合レコード数"),
    col("sources", TEXT, "Source systems, comma separated / ソース一覧"),
    col("first_purchase_date", DATE, "First purchase / 初回購入日"),
    col("last_purchase_date", DATE, "Last purchase / 最終購入日"),
    col("purchase_count", INT, "Distinct purchase days / 購入回数"),
    col("lifetime_amount", FLOAT, "Net amount over all time (yen) / 累計取引額"),
    col("amount_12m", FLOAT, "Net amount, last 12 months / 直近12か月の取引額"),
    col("amount_prev_12m", FLOAT, "Net amount, the 12 months before / 前年同期間の取引額"),
    col("orders_12m", INT, "Purchase days, last 12 months / 直近12か月の購入回数"),
    col("orders_prev_12m", INT, "Purchase days, the 12 months before / 前年同期間の購入回数"),
    col("last_deal_date", DATE, "Last deal / 最終商談日"),
    col("last_deal_stage", TEXT, "won / lost / open / 最終商談結果"),
    col("last_loss_reason", TEXT, "Loss reason of the last lost deal / 失注理由"),
    col("last_activity_date", DATE, "Last engagement or contact / 最終接触日"),
    col("months_since_last_purchase", FLOAT, "Months since the reference purchase / 経過月数"),
    col("tier", TEXT, "active / at_risk / dormant / long_dormant / prospect / 休眠区分"),
    col("tier_reason", TEXT, "Why this tier / 区分の理由"),
    col("declining", BOOL, "Spend or frequency fell sharply / 取引減少"),
    col("churned_to_competitor", BOOL, "Lost to a competitor (離反), not dormant / 離反"),
    col("prospect_stalled", BOOL, "Never bought and no engagement / 停滞見込み客"),
    col("segment", TEXT, "A one-time buyer / B lapsed regular / セグメント"),
    col("priority", INT, "Reactivation priority 0-100 / 掘り起こし優先度"),
    col("priority_rank", INT, "Rank among at-risk and dormant customers / 優先順位"),
    col("priority_reasons", TEXT, "Reason codes behind the priority / 優先度の理由"),
    col("recommended_action", TEXT, "Recommended next action / 推奨アクション"),
    col("as_of_date", DATE, "Run date the dormancy was computed for / 判定基準日"),
)

customer_source_map = sa.Table(
    "customer_source_map",
    metadata,
    col("source", TEXT, "Source system / ソース", primary_key=True),
    col("source_id", TEXT, "Record id in the source / ソース側ID", primary_key=True),
    col("customer_id", TEXT, "Unified customer id / 統合顧客ID", index=True),
    col("name_raw", TEXT, "Company name as written in the source / 元の社名"),
    col("name_key", TEXT, "Normalised match key / 名寄せキー"),
    col("corporate_number", TEXT, "Corporate number as given (valid or not) / 法人番号"),
    col("corporate_number_valid", BOOL, "Check digit holds / 法人番号チェック結果"),
    col("match_reason", TEXT, "Rule that tied the record to its customer / 統合理由"),
    col("match_score", FLOAT, "Score of that rule / 統合スコア"),
)

transactions = sa.Table(
    "transactions",
    metadata,
    col("source", TEXT, "Source system / ソース", primary_key=True),
    col("source_id", TEXT, "Line id in the source / 明細ID", primary_key=True),
    col("customer_id", TEXT, "Unified customer id / 統合顧客ID", index=True),
    col("company_source_id", TEXT, "Customer code in the source / 得意先コード"),
    col("transaction_date", DATE, "Sales date / 売上日", index=True),
    col("amount", FLOAT, "Amount in yen, negative for returns / 金額"),
    col("is_return", BOOL, "Return or credit line / 返品"),
    col("product", TEXT, "Product / 商品名"),
)

deals = sa.Table(
    "deals",
    metadata,
    col("source", TEXT, "Source system / ソース", primary_key=True),
    col("source_id", TEXT, "Deal id in the source / 商談ID", primary_key=True),
    col("customer_id", TEXT, "Unified customer id / 統合顧客ID", index=True),
    col("deal_date", DATE, "Close date / 完了日"),
    col("stage", TEXT, "won / lost / open / フェーズ"),
    col("amount", FLOAT, "Deal amount in yen / 金額"),
    col("loss_reason", TEXT, "Loss reason / 失注理由"),
)

activities = sa.Table(
    "activities",
    metadata,
    col("source", TEXT, "Source system / ソース", primary_key=True),
    col("source_id", TEXT, "Activity id in the source / 活動ID", primary_key=True),
    col("customer_id", TEXT, "Unified customer id / 統合顧客ID", index=True),
    col("activity_date", DATE, "Date / 日付"),
    col("activity_type", TEXT, "email_open, pricing_page_view, visit, ... / 種別"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    col("source", TEXT, "Source system / ソース"),
    col("entity", TEXT, "companies / transactions / deals / activities / データ種別"),
    col("source_id", TEXT, "Record id in the source, if any / ソース側ID"),
    col("location", TEXT, "File:row or table:key of the row / 所在"),
    col("reason", TEXT, "Reason code, e.g. amount_not_a_number / 隔離理由"),
    col("detail", TEXT, "The offending value / 詳細"),
    col("raw", TEXT, "Raw values as JSON / 元データ"),
)

match_review = sa.Table(
    "match_review",
    metadata,
    col("record_key_l", TEXT, "First record (source:source_id) / レコード1"),
    col("record_key_r", TEXT, "Second record (source:source_id) / レコード2"),
    col("name_l", TEXT, "Name of the first record / 社名1"),
    col("name_r", TEXT, "Name of the second record / 社名2"),
    col("score", FLOAT, "Match score / スコア"),
    col("reason", TEXT, "Why the pair is borderline / 理由"),
)

VIEWS: dict[str, str] = {
    "v_reactivation_targets": """
        SELECT customer_id, name, prefecture, industry, tier, segment, priority, priority_rank,
               priority_reasons, recommended_action, last_purchase_date,
               months_since_last_purchase, lifetime_amount, churned_to_competitor
        FROM customers
        WHERE tier IN ('at_risk', 'dormant', 'long_dormant')
        ORDER BY priority_rank
    """,
    "v_tier_summary": """
        SELECT tier, COUNT(*) AS customers, SUM(lifetime_amount) AS lifetime_amount,
               SUM(amount_12m) AS amount_12m
        FROM customers
        GROUP BY tier
    """,
    "v_quarantine_summary": """
        SELECT source, entity, reason, COUNT(*) AS rows_quarantined
        FROM quarantine
        GROUP BY source, entity, reason
    """,
}

TABLES: dict[str, sa.Table] = dict(metadata.tables)
