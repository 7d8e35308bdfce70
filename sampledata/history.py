"""Purchase patterns and the orders they produce, all placed relative to `as_of`.

Gaps since the last purchase are drawn in *base* months and stretched by the same multiplier
the dormancy rules apply (consumables ×0.5, manufacturing ×2, large enterprises ×2), so each
pattern lands in its intended tier whatever the industry and size.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sampledata.catalog import CATALOG, LARGE_ITEMS, Product
from sampledata.entities import Entity, Line, Order

MONTH_DAYS = 30.4375
WINDOW_DAYS = 5 * 365  # no sale is older than five years before as_of

PATTERN_WEIGHTS: dict[str, int] = {
    "prospect": 19,
    "regular_active": 13,
    "declining": 8,
    "stopped_at_risk": 12,
    "stopped_dormant": 12,
    "stopped_long_dormant": 13,
    "one_time": 13,
    "churned": 10,
}
# Months since the last purchase (base months), clear of the 6/12/24-month boundaries.
BANDS: dict[str, tuple[float, float]] = {
    "active": (0.3, 5.0),
    "at_risk": (7.0, 11.0),
    "dormant": (13.0, 23.0),
    "long_dormant": (25.0, 48.0),
}
_PATTERN_BANDS: dict[str, tuple[str, ...]] = {
    "regular_active": ("active",),
    "declining": ("active",),
    "stopped_at_risk": ("at_risk",),
    "stopped_dormant": ("dormant",),
    "stopped_long_dormant": ("long_dormant",),
    "one_time": tuple(BANDS),
    "churned": ("at_risk", "dormant", "long_dormant"),
}
# Days between orders: consumables monthly, IT an annual renewal, manufacturing rare.
_INTERVALS: dict[str, tuple[float, float]] = {
    "consumables": (25, 40),
    "it": (365, 365),
    "manufacturing": (150, 400),
    "construction": (60, 150),
    "retail": (30, 75),
    "transport": (40, 100),
    "medical": (30, 80),
}
_DECLINE_MIN_ORDERS = 5
_RETURN_RATE = 0.035  # per order, one line each: about 2% of all lines


def threshold_multiplier(entity: Entity) -> float:
    factor = {"consumables": 0.5, "manufacturing": 2.0}.get(entity.kind, 1.0)
    return factor * 2 if entity.is_large else factor


def tier_by_recency(entity: Entity, last: date | None, as_of: date) -> str:
    """The tier from months since the last purchase alone (no early-warning signals)."""
    if last is None:
        return "prospect"
    months = (as_of - last).days / MONTH_DAYS / threshold_multiplier(entity)
    for tier, start in (("long_dormant", 24), ("dormant", 12), ("at_risk", 6)):
        if months >= start:
            return tier
    return "active"


def _jitter(kind: str) -> float:
    return 0.04 if kind == "it" else 0.2


def _growth(entity: Entity, pattern: str, steps_back: int) -> float:
    """A declining frequent buyer's recent gaps are twice as long as its old ones."""
    if pattern != "declining" or _INTERVALS[entity.kind][1] > 120:
        return 1.0
    return 2.2 - 1.2 * min(1.0, steps_back / 5)


def _min_orders(pattern: str) -> int:
    return {"one_time": 1, "declining": _DECLINE_MIN_ORDERS}.get(pattern, 3)


def _choose_pattern(
    entity: Entity, interval: float, rng: random.Random
) -> tuple[str, float, float]:
    """A pattern, the days since its last purchase and the history it needs before that."""
    m = threshold_multiplier(entity)
    top = 1 + _jitter(entity.kind)
    while True:
        pattern = rng.choices(tuple(PATTERN_WEIGHTS), tuple(PATTERN_WEIGHTS.values()))[0]
        if pattern == "prospect":
            return pattern, 0.0, 0.0
        steps = _min_orders(pattern) - 1
        need = sum(interval * top * _growth(entity, pattern, k) for k in range(steps))
        feasible = []
        for band in _PATTERN_BANDS[pattern]:
            lo, hi = (b * m * MONTH_DAYS for b in BANDS[band])
            hi = min(hi, WINDOW_DAYS - need)
            if hi > lo + 7:
                feasible.append((lo, hi))
        if feasible:
            lo, hi = rng.choice(feasible)
            return pattern, rng.uniform(lo, hi), need


def _order_dates(
    entity: Entity, pattern: str, gap: float, need: float, interval: float, rng: random.Random
) -> list[float]:
    """Days before as_of of each purchase, oldest first."""
    first = rng.uniform(gap + need, WINDOW_DAYS) if need else gap
    days_ago = [gap]
    jitter = _jitter(entity.kind)
    while True:
        step = interval * rng.uniform(1 - jitter, 1 + jitter)
        nxt = days_ago[-1] + step * _growth(entity, pattern, len(days_ago) - 1)
        if nxt > WINDOW_DAYS or (nxt > first and len(days_ago) >= _min_orders(pattern)):
            return days_ago[::-1]
        days_ago.append(nxt)


def _line(product: Product, scale: float, price_factor: float, rng: random.Random) -> Line:
    qty = max(1, round(rng.randint(*product.qty) * scale))
    return Line(product.code, product.name, qty, round(product.price * price_factor / 10) * 10)


def _order(
    entity: Entity, day: date, scale: float, price_factor: float, rng: random.Random, *, last: bool
) -> Order:
    catalog = CATALOG[entity.kind]
    products = rng.sample(catalog, min(len(catalog), rng.choices((1, 2, 3), (5, 3, 2))[0]))
    if entity.kind == "it" and catalog[0] not in products:
        products[0] = catalog[0]  # every IT order is a licence renewal
    wants_large = entity.kind == "manufacturing" and (last or rng.random() < 0.6)
    if wants_large and not any(p in LARGE_ITEMS for p in products):
        products[0] = rng.choice(LARGE_ITEMS)  # the last order is always a 大口取引
    size = 1.0 if entity.kind == "manufacturing" or not entity.is_large else rng.uniform(2, 4)
    lines = [_line(p, scale * size, price_factor, rng) for p in products]
    return Order(day, lines, qty_scale=scale * size, price_factor=price_factor)


def _returns(orders: list[Order], rng: random.Random) -> list[Order]:
    """Returns of part of an earlier order, always dated before the last purchase."""
    last_day = orders[-1].day
    returns = []
    for order in orders[:-1]:
        if rng.random() >= _RETURN_RATE:
            continue
        day = order.day + timedelta(days=rng.randint(3, 25))
        line = rng.choice(order.lines)
        if day < last_day:
            back = Line(line.code, line.name, -rng.randint(1, line.qty), line.unit)
            returns.append(Order(day, [back], is_return=True))
    return returns


def plan_orders(entity: Entity, as_of: date, rng: random.Random) -> None:
    """Choose the entity's purchase pattern and fill its orders (returns included)."""
    interval = rng.uniform(*_INTERVALS[entity.kind])
    if entity.is_large and entity.kind not in ("it", "consumables"):
        interval *= 1.5
    pattern, gap, need = _choose_pattern(entity, interval, rng)
    entity.pattern = pattern
    if pattern == "prospect":
        return
    days_ago = _order_dates(entity, pattern, gap, need, interval, rng)
    price_factor = rng.uniform(0.85, 1.0)
    orders = []
    for i, ago in enumerate(days_ago):
        scale = 1 - 0.65 * i / (len(days_ago) - 1) if pattern == "declining" else 1.0
        day = as_of - timedelta(days=round(ago))
        orders.append(_order(entity, day, scale, price_factor, rng, last=i == len(days_ago) - 1))
    entity.orders = sorted(orders + _returns(orders, rng), key=lambda o: o.day)


def last_purchase(entity: Entity) -> date | None:
    purchases = entity.purchases
    return purchases[-1].day if purchases else None


def add_lines(entities: list[Entity], lines_scale: float, rng: random.Random) -> int:
    """Multiply the sales lines by about `lines_scale` (>= 1) with extra lines on purchases.

    Orders keep their day, so every purchase pattern, last purchase and tier stays as planned;
    an extra line is another product of the catalog at the order's own quantity scale and the
    customer's prices (never a 大口 machine), so a declining buyer still declines. Returns
    (one line each) get none, so purchases take their share. Returns the lines added.
    """
    if lines_scale < 1:
        raise ValueError(f"lines_scale must be at least 1, got {lines_scale}")
    n_purchase = sum(len(o.lines) for e in entities for o in e.purchases)
    n_all = sum(len(o.lines) for e in entities for o in e.orders)
    if lines_scale == 1 or not n_purchase:
        return 0
    per_line = (lines_scale - 1) * n_all / n_purchase
    added = 0
    for entity in entities:
        catalog = [p for p in CATALOG[entity.kind] if p not in LARGE_ITEMS]
        for order in entity.purchases:
            wanted = per_line * len(order.lines)
            extra = int(wanted) + (rng.random() < wanted - int(wanted))
            for _ in range(extra):
                codes = {line.code for line in order.lines}
                fresh = [p for p in catalog if p.code not in codes] or catalog
                line = _line(rng.choice(fresh), order.qty_scale, order.price_factor, rng)
                order.lines.append(line)
            added += extra
    return added
