"""Japanese words and colours for the codes the warehouse stores (tiers, tier changes,
priority reasons), so sales managers read the report without a code book. A code missing
here is shown as the code itself rather than dropped."""

TIERS = {
    "active": ("稼働中", "#2e7d32"),
    "at_risk": ("休眠予備軍", "#f2a900"),
    "dormant": ("休眠", "#e65100"),
    "long_dormant": ("長期休眠", "#8e2a1a"),
    "prospect": ("見込み客", "#607d8b"),
}

CHANGES = {
    "newly_at_risk": ("新たに休眠予備軍", "#f2a900"),
    "newly_dormant": ("新たに休眠", "#e65100"),
    "newly_long_dormant": ("新たに長期休眠", "#8e2a1a"),
    "reactivated": ("復活（稼働中へ）", "#1e88e5"),
    "recovering": ("回復傾向", "#26a69a"),
    "first_purchase": ("初回購入", "#43a047"),
    "tier_changed": ("その他の区分変更", "#9e9e9e"),
}

REASONS = {
    "AT_RISK": "休眠予備軍",
    "DORMANT": "休眠",
    "LONG_DORMANT": "長期休眠",
    "HIGH_PAST_SPEND": "過去の取引額が大きい",
    "REGULAR_BUYER_LAPSED": "定期購入が途絶えた（セグメントB）",
    "VIEWED_PRICING_RECENTLY": "最近料金ページを複数回閲覧",
    "DOWNLOADED_WHITEPAPER": "ホワイトペーパーをダウンロード",
    "OPENED_NEW_FEATURE_EMAIL": "新機能メールを開封",
    "POSITIVE_LAST_DEAL": "前回商談が前向き（予算待ち・比較検討中）",
    "RECURRING_INDUSTRY": "継続需要のある業種",
    "SUPPORT_VISITS_CHECK_SATISFACTION": "サポートページを閲覧（不満の確認を）",
    "LOST_TO_COMPETITOR": "競合に流出（離反）",
    "LONG_SILENCE_NO_ENGAGEMENT": "長期間、反応なし",
}

OTHER_COLOUR = "#9e9e9e"


def label(vocabulary: dict[str, tuple[str, str]], code: str) -> str:
    return vocabulary.get(code, (code, OTHER_COLOUR))[0]


def colour(vocabulary: dict[str, tuple[str, str]], code: str) -> str:
    return vocabulary.get(code, (code, OTHER_COLOUR))[1]


def ordered(codes: list[str], known: dict[str, tuple[str, str]]) -> list[str]:
    """Codes in the vocabulary's order, unknown codes after them in sorted order."""
    return [c for c in known if c in codes] + sorted(set(codes) - set(known))
