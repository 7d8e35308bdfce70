"""CRM deals and activities of one entity, consistent with its purchases and pattern."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sampledata.catalog import CATALOG
from sampledata.entities import Entity, Order
from sampledata.history import WINDOW_DAYS, last_purchase

LOST_TO_COMPETITOR = ("競合他社に決定", "他社製品に切替")
LOST_OTHER = ("予算不足", "価格が合わない", "時期尚早")
POSITIVE = ("来期予算承認後に再検討", "比較検討中")
ACTIVITY_KINDS = (
    "メール開封",
    "新機能メール開封",
    "料金ページ閲覧",
    "資料ダウンロード",
    "サポートページ閲覧",
    "訪問",
    "電話",
)
_ACTIVITY_WEIGHTS = (35, 6, 6, 12, 6, 15, 20)
_PROPOSALS = (
    "新規取引のご提案",
    "追加導入のご提案",
    "年間契約のご提案",
    "価格改定のご案内",
    "再取引のご提案",
)
_LAPSED = frozenset({"stopped_at_risk", "stopped_dormant", "stopped_long_dormant", "one_time"})
MAX_DEALS = 4


@dataclass(frozen=True, slots=True)
class Deal:
    day: date
    stage: str  # 受注 / 失注 / 商談中
    title: str
    amount: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Activity:
    day: date
    kind: str


def _won_title(entity: Entity, order: Order) -> str:
    if entity.kind == "it":
        fiscal_year = order.day.year if order.day.month >= 4 else order.day.year - 1
        return f"年間ライセンス更新 {fiscal_year}年度"
    if entity.kind == "manufacturing":
        return f"設備導入 {order.lines[0].name}"
    return f"{order.lines[0].name} ほか 定期発注"


def _estimate(entity: Entity, rng: random.Random) -> int | None:
    """What an open or lost deal was worth: a typical order, rounded like a sales person."""
    if rng.random() < 0.05:
        return None
    totals = sorted(o.total for o in entity.purchases)
    if totals:
        typical = totals[len(totals) // 2]
    else:
        product = rng.choice(CATALOG[entity.kind])
        typical = product.price * product.qty[1]
    return max(10_000, int(round(typical * rng.uniform(0.8, 1.5), -4)))


def _day_between(start: date, end: date, rng: random.Random) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _after_last_purchase(entity: Entity, last: date, as_of: date, rng: random.Random) -> list[Deal]:
    title = rng.choice(_PROPOSALS)
    if entity.pattern == "churned":
        day = min(as_of, last + timedelta(days=rng.randint(14, 120)))
        reason = rng.choice(LOST_TO_COMPETITOR)
        return [Deal(day, "失注", title, _estimate(entity, rng), reason)]
    if entity.pattern in _LAPSED or entity.pattern == "declining":
        if rng.random() < 0.4:
            day = _day_between(last + timedelta(days=1), as_of, rng)
            if rng.random() < 0.5:
                return [Deal(day, "失注", title, _estimate(entity, rng), rng.choice(LOST_OTHER))]
            reason = rng.choice(POSITIVE) if rng.random() < 0.7 else ""
            return [Deal(day, "商談中", title, _estimate(entity, rng), reason)]
    elif rng.random() < 0.3:
        day = _day_between(max(last, as_of - timedelta(days=60)), as_of, rng)
        return [Deal(day, "商談中", title, _estimate(entity, rng), "")]
    return []


def _prospect_deals(entity: Entity, as_of: date, rng: random.Random) -> list[Deal]:
    deals = []
    for _ in range(rng.choices((0, 1, 2, 3), (1, 5, 3, 1))[0]):
        day = as_of - timedelta(days=rng.randint(0, 900))
        if rng.random() < 0.4:
            reason = rng.choice(POSITIVE) if rng.random() < 0.4 else ""
            stage = "商談中"
        else:
            stage = "失注"
            pool = LOST_TO_COMPETITOR if rng.random() < 0.1 else LOST_OTHER
            reason = rng.choice(pool)
        deals.append(Deal(day, stage, rng.choice(_PROPOSALS), _estimate(entity, rng), reason))
    return deals


def plan_deals(entity: Entity, as_of: date, rng: random.Random) -> list[Deal]:
    """Won deals at some real orders, then what happened after the last purchase (≤ 4)."""
    last = last_purchase(entity)
    if last is None:
        deals = _prospect_deals(entity, as_of, rng)
    else:
        purchases = entity.purchases
        n_won = min(len(purchases), rng.choices((0, 1, 2, 3), (1, 4, 3, 2))[0])
        earliest = as_of - timedelta(days=WINDOW_DAYS)
        deals = [
            Deal(
                max(earliest, o.day - timedelta(days=rng.randint(0, 14))),
                "受注",
                _won_title(entity, o),
                o.total,
                "",
            )
            for o in rng.sample(purchases, n_won)
        ]
        deals += _after_last_purchase(entity, last, as_of, rng)
    return sorted(deals, key=lambda d: d.day)[-MAX_DEALS:]


def plan_activities(
    entity: Entity, deals: list[Deal], as_of: date, rng: random.Random
) -> list[Activity]:
    """A few touches; lapsed buyers sometimes show fresh interest (pricing-page bursts)."""
    churn_days = [d.day for d in deals if d.reason in LOST_TO_COMPETITOR]
    latest = churn_days[-1] if entity.pattern == "churned" and churn_days else as_of
    acts = [
        Activity(
            latest - timedelta(days=rng.randint(0, 720)),
            rng.choices(ACTIVITY_KINDS, _ACTIVITY_WEIGHTS)[0],
        )
        for _ in range(rng.randint(0, 4))
    ]

    def recent(kind: str, days: int) -> Activity:
        return Activity(as_of - timedelta(days=rng.randint(0, days)), kind)

    if entity.pattern in _LAPSED or entity.pattern == "declining":
        if rng.random() < 0.35:
            acts += [recent("料金ページ閲覧", 60) for _ in range(rng.randint(3, 5))]
        if rng.random() < 0.25:
            acts.append(recent("新機能メール開封", 60))
        if rng.random() < 0.2:
            acts.append(recent("資料ダウンロード", 60))
    if entity.purchases and entity.pattern != "churned" and rng.random() < 0.12:
        acts.append(recent("サポートページ閲覧", 90))
    if entity.pattern == "regular_active" and rng.random() < 0.5:
        acts.append(recent(rng.choice(("訪問", "電話")), 60))
    return sorted(acts, key=lambda a: (a.day, a.kind))
