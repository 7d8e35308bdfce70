"""Every published table and view, defined once, with comments (English / 日本語).

DuckDB (embedded default) and PostgreSQL get the same tables, keys, indexes and comments from
this metadata; the views are plain SQL that both dialects accept. The data dictionary
(`python -m warehouse.dictionary`) and the BI role's grants (`python -m warehouse.roles`) are
generated from it too, so a change here reaches every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Explicit key and index names: a table loaded under a staging name can have its keys renamed
# to exactly what a fresh CREATE TABLE would have produced.
NAMING_CONVENTION = {"pk": "pk_%(table_name)s", "ix": "ix_%(column_0_label)s"}
metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def col(name: str, type_: sa.types.TypeEngine, comment: str, **kw) -> sa.Column:
    return sa.Column(name, type_, comment=comment, **kw)


TEXT, DATE, FLOAT, INT, BOOL = sa.Text(), sa.Date(), sa.Double(), sa.BigInteger(), sa.Boolean()
# Identifiers and codes: byte order ("C") on PostgreSQL, so their keys and indexes build and
# compare several times faster than under a linguistic collation, and LIKE 'prefix%' uses them.
ID = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")


def grows_nightly(table: sa.Table) -> bool:
    """Tables every night appends to (the fact tables and the history)."""
    return bool(table.info.get("grows_nightly"))


def keyed_on_duckdb(table: sa.Table) -> bool:
    """Whether DuckDB builds an index for the table's primary key: not for tables every night
    changes row by row, by appending (`grows_nightly`) or refreshing in place
    (`daily_columns`), where keeping the index costs more than it serves (warehouse/publish.py
    `_stage`). PostgreSQL keys every table."""
    return not (grows_nightly(table) or daily_columns(table))


def partition_column(table: sa.Table) -> str | None:
    """Tables that keep history (one partition per run date) name their partition column."""
    return table.info.get("partition_column")


def daily_columns(table: sa.Table) -> tuple[str, ...]:
    """Columns most rows of the table change every night: an incremental night updates them
    in place on DuckDB (warehouse/publish.py `_refresh_in_place`)."""
    return tuple(table.info.get("daily_columns", ()))


def source_key() -> sa.PrimaryKeyConstraint:
    """A source row's key, selective column first: a few 'source' values lead no sort, so
    (source_id, source) builds ~3x faster than (source, source_id) and serves id lookups."""
    return sa.PrimaryKeyConstraint("source_id", "source")


customers = sa.Table(
    "customers",
    metadata,
    col("customer_id", ID, "Stable unified customer id / 統合顧客ID", primary_key=True),
    col("name", TEXT, "Golden company name, legal form apart / 代表社名（法人格は legal_form）"),
    col("legal_form", TEXT, "Legal form, e.g. 株式会社 / 法人格"),
    col("name_key", TEXT, "Normalised match key of the name / 名寄せキー"),
    col("corporate_number", TEXT, "Valid 13-digit corporate number / 法人番号", index=True),
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
    col(
        "tier", TEXT, "active / at_risk / dormant / long_dormant / prospect / 休眠区分", index=True
    ),
    col("tier_reason", TEXT, "Why this tier / 区分の理由"),
    col("declining", BOOL, "Spend or frequency fell sharply / 取引減少"),
    col("churned_to_competitor", BOOL, "Lost to a competitor (離反), not dormant / 離反"),
    col("prospect_stalled", BOOL, "Never bought and no engagement / 停滞見込み客"),
    col("segment", TEXT, "A one-time buyer / B lapsed regular / セグメント"),
    col("priority", INT, "Reactivation priority 0-100 / 掘り起こし優先度"),
    col("priority_rank", INT, "Rank among at-risk and dormant customers / 優先順位"),
    col("priority_reasons", TEXT, "Reason codes behind the priority / 優先度の理由"),
    col("recommended_action", TEXT, "Recommended next action / 推奨アクション"),
    col("previous_tier", TEXT, "Tier at the previous run date / 前回の休眠区分"),
    col("tier_change", TEXT, "newly_at_risk / newly_dormant / reactivated / ... / 区分の変化"),
    col("as_of_date", DATE, "Run date the dormancy was computed for / 判定基準日"),
    comment="One row per unified company (golden record) with its dormancy tier and "
    "reactivation priority "
    "/ 統合顧客（名寄せ後の代表レコード）と休眠区分・掘り起こし優先度",
    # Columns most rows change every night: time moves the months, the run date and the ranks.
    info={"daily_columns": ("months_since_last_purchase", "priority_rank", "as_of_date")},
)

customer_source_map = sa.Table(
    "customer_source_map",
    metadata,
    col("source", ID, "Source system / ソース"),
    col("source_id", ID, "Record id in the source / ソース側ID"),
    col("customer_id", ID, "Unified customer id / 統合顧客ID", index=True),
    col("name_raw", TEXT, "Company name as written in the source / 元の社名"),
    col("name_key", TEXT, "Normalised match key / 名寄せキー"),
    col("corporate_number", TEXT, "Corporate number as given (valid or not) / 法人番号"),
    col("corporate_number_valid", BOOL, "Check digit holds / 法人番号チェック結果"),
    col("match_reason", TEXT, "Rule that tied the record to its customer / 統合理由"),
    col("match_score", FLOAT, "Score of that rule / 統合スコア"),
    source_key(),
    comment="One row per source record: the customer it was merged into and why "
    "/ ソースレコードと統合先顧客の対応（統合理由付き）",
)

transactions = sa.Table(
    "transactions",
    metadata,
    col("source", ID, "Source system / ソース"),
    col("source_id", ID, "Line id in the source / 明細ID"),
    col("customer_id", ID, "Unified customer id / 統合顧客ID", index=True),
    col("company_source_id", ID, "Customer code in the source / 得意先コード"),
    col("transaction_date", DATE, "Sales date / 売上日", index=True),
    col("amount", FLOAT, "Amount in yen, negative for returns / 金額"),
    col("is_return", BOOL, "Return or credit line / 返品"),
    col("product", TEXT, "Product / 商品名"),
    source_key(),
    comment="Sales lines from every source, tied to their customer / 全ソースの売上明細（統合顧客ID付き）",
    info={"grows_nightly": True},
)

deals = sa.Table(
    "deals",
    metadata,
    col("source", ID, "Source system / ソース"),
    col("source_id", ID, "Deal id in the source / 商談ID"),
    col("customer_id", ID, "Unified customer id / 統合顧客ID", index=True),
    col("company_source_id", ID, "Company id in the source / 取引先ID"),
    col("deal_date", DATE, "Close date / 完了日", index=True),
    col("stage", TEXT, "won / lost / open / フェーズ"),
    col("amount", FLOAT, "Deal amount in yen / 金額"),
    col("loss_reason", TEXT, "Loss reason / 失注理由"),
    source_key(),
    comment="Deals from the CRM/SFA, tied to their customer / 商談（統合顧客ID付き）",
    info={"grows_nightly": True},
)

activities = sa.Table(
    "activities",
    metadata,
    col("source", ID, "Source system / ソース"),
    col("source_id", ID, "Activity id in the source / 活動ID"),
    col("customer_id", ID, "Unified customer id / 統合顧客ID", index=True),
    col("company_source_id", ID, "Company id in the source / 取引先ID"),
    col("activity_date", DATE, "Date / 日付", index=True),
    col("activity_type", TEXT, "email_open, pricing_page_view, visit, ... / 種別"),
    source_key(),
    comment="Engagement and contact events (email opens, visits, ...) / 活動履歴（メール開封・訪問など）",
    info={"grows_nightly": True},
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    col("source", ID, "Source system / ソース"),
    col("entity", TEXT, "companies / transactions / deals / activities / データ種別"),
    col("source_id", ID, "Record id in the source, if any / ソース側ID"),
    col("location", TEXT, "File:row or table:key of the row / 所在"),
    col("reason", TEXT, "Reason code, e.g. amount_not_a_number / 隔離理由"),
    col("detail", TEXT, "The offending value / 詳細"),
    col("raw", TEXT, "Raw values as JSON / 元データ"),
    comment="Rows that could not be loaded, with location, reason and raw values; "
    "hidden from the BI role "
    "/ 取り込めなかった行（所在・理由・元データ）。BIロールは参照不可",
    info={"bi_readable": False},
)

match_review = sa.Table(
    "match_review",
    metadata,
    col("record_key_l", ID, "First record (source:source_id) / レコード1"),
    col("record_key_r", ID, "Second record (source:source_id) / レコード2"),
    col("name_l", TEXT, "Name of the first record / 社名1"),
    col("name_r", TEXT, "Name of the second record / 社名2"),
    col("score", FLOAT, "Match score / スコア"),
    col("reason", TEXT, "Why the pair is borderline / 理由"),
    comment="Borderline record pairs for a data steward to confirm or reject / 名寄せの要確認ペア",
)


dormancy_history = sa.Table(
    "dormancy_history",
    metadata,
    col("as_of_date", DATE, "Run date of the snapshot / 判定基準日"),
    col("customer_id", ID, "Unified customer id / 統合顧客ID"),
    col("tier", TEXT, "Tier on that run date / 休眠区分"),
    col("previous_tier", TEXT, "Tier at the run date before / 前回の休眠区分"),
    col("tier_change", TEXT, "newly_at_risk / newly_dormant / reactivated / ... / 区分の変化"),
    col("priority", INT, "Reactivation priority 0-100 / 掘り起こし優先度"),
    col("months_since_last_purchase", FLOAT, "Months since the reference purchase / 経過月数"),
    col("amount_12m", FLOAT, "Net amount, last 12 months / 直近12か月の取引額"),
    sa.PrimaryKeyConstraint("customer_id", "as_of_date"),
    sa.Index(None, "as_of_date"),
    comment="One row per customer per run date: the tier history and its changes; a re-run "
    "of the same date replaces that date's rows / 顧客×判定基準日の休眠区分履歴",
    info={"partition_column": "as_of_date", "grows_nightly": True},
)


@dataclass(frozen=True)
class View:
    """A published view: plain SQL both dialects accept, and its comment (English / 日本語)."""

    name: str
    comment: str
    sql: str


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View(
            "v_reactivation_targets",
            "At-risk and dormant customers, best reactivation targets first "
            "/ 掘り起こし対象（休眠予備軍・休眠・長期休眠）を優先順に",
            """
        SELECT customer_id, name, prefecture, industry, tier, tier_change, segment, priority,
               priority_rank, priority_reasons, recommended_action, last_purchase_date,
               months_since_last_purchase, lifetime_amount, churned_to_competitor
        FROM customers
        WHERE tier IN ('at_risk', 'dormant', 'long_dormant')
        ORDER BY priority_rank
    """,
        ),
        View(
            "v_tier_summary",
            "Customers and amounts per dormancy tier / 休眠区分別の顧客数と取引額",
            """
        SELECT tier, COUNT(*) AS customers, SUM(lifetime_amount) AS lifetime_amount,
               SUM(amount_12m) AS amount_12m
        FROM customers
        GROUP BY tier
    """,
        ),
        View(
            "v_tier_changes",
            "Customers whose tier moved since the previous run date, per run date "
            "/ 前回から休眠区分が変わった顧客（判定基準日別）",
            """
        SELECT h.as_of_date, h.customer_id, c.name, c.prefecture, c.industry,
               h.previous_tier, h.tier, h.tier_change, h.priority
        FROM dormancy_history h JOIN customers c ON c.customer_id = h.customer_id
        WHERE h.tier_change NOT IN ('unchanged', 'new')
    """,
        ),
        View(
            "v_dormancy_summary",
            "Customers and past spend by tier, industry profile and company size "
            "/ 休眠区分×業種×企業規模別の顧客数と取引額",
            """
        SELECT tier, industry_profile, size_class, COUNT(*) AS customers,
               SUM(lifetime_amount) AS lifetime_amount, SUM(amount_12m) AS amount_12m,
               SUM(CASE WHEN churned_to_competitor THEN 1 ELSE 0 END) AS churned_to_competitor
        FROM customers
        GROUP BY tier, industry_profile, size_class
    """,
        ),
        View(
            "v_quarantine_summary",
            "Quarantined rows per source, entity and reason: counts only, no raw values "
            "/ 隔離件数（ソース・種別・理由別。元データは含まない）",
            """
        SELECT source, entity, reason, COUNT(*) AS rows_quarantined
        FROM quarantine
        GROUP BY source, entity, reason
    """,
        ),
    )
}

TABLES: dict[str, sa.Table] = dict(metadata.tables)


def bi_readable(table: sa.Table) -> bool:
    """Whether the read-only BI role may SELECT the table (quarantine holds raw values: no)."""
    return table.info.get("bi_readable", True)


def schema_signature() -> str:
    """Every table's name and columns: state kept beside the warehouse is void when it changes."""
    return ";".join(f"{t.name}:{','.join(c.name for c in t.columns)}" for t in TABLES.values())
