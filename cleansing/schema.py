"""The canonical staged schema: one place that names every staged column.

Connectors hand over raw rows whose columns were already renamed to the *raw* names below by
the source mapping (config/sources.yaml); staging turns them into the *staged* columns.
Japanese source column names never appear outside that mapping.
"""

from __future__ import annotations

ENTITIES = ("companies", "transactions", "deals", "activities")

# Columns a source mapping may fill, per entity. `source_id` is required everywhere; the
# others are optional unless listed in REQUIRED_RAW.
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "companies": (
        "source_id",
        "name",
        "kana",
        "corporate_number",
        "phone",
        "postal_code",
        "prefecture",
        "address",
        "industry",
        "employees",
        "capital_yen",
        "updated_at",
    ),
    "transactions": ("source_id", "company_source_id", "transaction_date", "amount", "product"),
    "deals": ("source_id", "company_source_id", "deal_date", "stage", "amount", "loss_reason"),
    "activities": ("source_id", "company_source_id", "activity_date", "activity_type"),
}

REQUIRED_RAW: dict[str, tuple[str, ...]] = {
    "companies": ("source_id", "name"),
    "transactions": ("source_id", "company_source_id", "transaction_date", "amount"),
    "deals": ("source_id", "company_source_id", "deal_date", "stage"),
    "activities": ("source_id", "company_source_id", "activity_date", "activity_type"),
}

STAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "companies": (
        "source",
        "source_id",
        "name_raw",
        "name",
        "legal_form",
        "branch",
        "name_key",
        "kana_key",
        "corporate_number",
        "corporate_number_valid",
        "phone",
        "postal_code",
        "prefecture",
        "address",
        "address_key",
        "industry",
        "employees",
        "capital_yen",
        "updated_at",
    ),
    "transactions": (
        "source",
        "source_id",
        "company_source_id",
        "transaction_date",
        "amount",
        "is_return",
        "product",
    ),
    "deals": (
        "source",
        "source_id",
        "company_source_id",
        "deal_date",
        "stage",
        "amount",
        "loss_reason",
    ),
    "activities": ("source", "source_id", "company_source_id", "activity_date", "activity_type"),
}

QUARANTINE_COLUMNS = ("source", "entity", "source_id", "location", "reason", "detail", "raw")

DEAL_STAGES = ("won", "lost", "open")
ACTIVITY_TYPES = (
    "email_open",
    "new_feature_email_open",
    "pricing_page_view",
    "whitepaper_download",
    "support_page_visit",
    "visit",
    "call",
)
TIERS = ("active", "at_risk", "dormant", "long_dormant", "prospect")
