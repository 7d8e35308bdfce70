"""The true companies: name, legal form, 法人番号, address, industry and size."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sampledata.corpnum import new_corporate_number
from sampledata.names import Part, full_name, name_key, random_core
from sampledata.places import Address, random_address, random_phone, random_prefecture

# 業種 label, kind of business (drives names, products and purchase rhythm), weight.
INDUSTRIES: tuple[tuple[str, str, int], ...] = (
    ("消耗品販売", "consumables", 12),
    ("事務用品卸", "consumables", 10),
    ("情報通信業", "it", 9),
    ("ソフトウェア", "it", 9),
    ("製造業", "manufacturing", 12),
    ("機械器具製造", "manufacturing", 10),
    ("建設業", "construction", 10),
    ("小売業", "retail", 10),
    ("運輸業", "transport", 10),
    ("医療・福祉", "medical", 8),
)
LARGE_MIN_EMPLOYEES = 300
LARGE_MIN_CAPITAL = 300_000_000
_SMB_CAPITALS = (3_000_000, 5_000_000, 10_000_000, 20_000_000, 30_000_000, 50_000_000, 99_000_000)
_NO_CAPITAL = frozenset({"一般社団法人", "医療法人"})


@dataclass(slots=True)
class Line:
    code: str
    name: str
    qty: int  # negative on a return
    unit: int

    @property
    def amount(self) -> int:
        return self.qty * self.unit


@dataclass(slots=True)
class Order:
    day: date
    lines: list[Line]
    is_return: bool = False
    qty_scale: float = 1.0  # quantity multiplier its lines were drawn with (decline, size)
    price_factor: float = 1.0  # the customer's discount on list prices

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(slots=True)
class Entity:
    """One real company; `pattern` and `orders` are filled in by sampledata.history."""

    entity_id: str
    core: tuple[Part, ...]
    legal_form: str
    legal_front: bool
    corporate_number: str
    address: Address
    phone: str
    industry: str
    kind: str
    employees: int
    capital_yen: int | None
    pattern: str = ""
    orders: list[Order] = field(default_factory=list)

    @property
    def core_text(self) -> str:
        return "".join(p.text for p in self.core)

    @property
    def name(self) -> str:
        return full_name(self.core_text, self.legal_form, self.legal_front)

    @property
    def reading(self) -> str:
        return "".join(p.reading for p in self.core)

    @property
    def is_large(self) -> bool:
        return self.employees >= LARGE_MIN_EMPLOYEES or (self.capital_yen or 0) >= LARGE_MIN_CAPITAL

    @property
    def purchases(self) -> list[Order]:
        return [o for o in self.orders if not o.is_return]


def _legal_form(rng: random.Random, kind: str, large: bool) -> tuple[str, bool]:
    """Legal form and whether it stands in front (前株) of the name."""
    if kind == "medical":
        form = rng.choices(("医療法人", "株式会社", "一般社団法人"), (5, 4, 1))[0]
    elif large:
        form = rng.choices(("株式会社", "一般社団法人"), (49, 1))[0]
    else:
        form = rng.choices(("株式会社", "有限会社", "合同会社", "一般社団法人"), (78, 13, 7, 2))[0]
    front = {"株式会社": 0.4, "有限会社": 0.3, "合同会社": 0.5}.get(form, 1.0)
    return form, rng.random() < front


def _size(rng: random.Random, large: bool, legal_form: str) -> tuple[int, int | None]:
    """Employees and capital consistent with the large-enterprise rule (≥300 or ≥3億円)."""
    if large:
        by_capital_only = legal_form not in _NO_CAPITAL and rng.random() < 0.2
        employees = (
            rng.randint(80, 299) if by_capital_only else int(300 * 10 ** rng.uniform(0, 1.7))
        )
        capital = rng.choice((3, 5, 10, 30, 100, 500)) * 100_000_000
    else:
        employees = int(10 ** rng.uniform(0.5, 2.47))
        capital = rng.choice(_SMB_CAPITALS[:3] if legal_form != "株式会社" else _SMB_CAPITALS)
    return employees, None if legal_form in _NO_CAPITAL else capital


def _unique_core(
    rng: random.Random, kind: str, legal_form: str, keys: set[str]
) -> tuple[Part, ...]:
    crowded = 0
    while True:
        core = random_core(rng, kind, legal_form, crowded=crowded)
        key = name_key("".join(p.text for p in core))
        if key not in keys:
            keys.add(key)
            return core
        crowded += 1


def _entity(
    rng: random.Random,
    *,
    core: tuple[Part, ...] | None,
    legal: tuple[str, bool] | None,
    industry: tuple[str, str] | None,
    prefecture: str,
    keys: set[str],
    numbers: set[str],
    phones: set[str],
) -> Entity:
    label, kind = (
        industry or rng.choices([i[:2] for i in INDUSTRIES], [i[2] for i in INDUSTRIES])[0]
    )
    large = rng.random() < 0.22
    legal_form, front = legal or _legal_form(rng, kind, large)
    employees, capital = _size(rng, large and legal_form != "有限会社", legal_form)
    address = random_address(rng, prefecture)
    phone = random_phone(rng, address.city)
    while phone in phones:
        phone = random_phone(rng, address.city)
    phones.add(phone)
    return Entity(
        entity_id="",
        core=core or _unique_core(rng, kind, legal_form, keys),
        legal_form=legal_form,
        legal_front=front,
        corporate_number=new_corporate_number(rng, numbers),
        address=address,
        phone=phone,
        industry=label,
        kind=kind,
        employees=employees,
        capital_yen=capital,
    )


def _fresh_entity(
    rng: random.Random, keys: set[str], numbers: set[str], phones: set[str]
) -> Entity:
    """A company unlike any in `keys` (name keys), `numbers` (法人番号) and `phones`."""
    return _entity(
        rng,
        core=None,
        legal=None,
        industry=None,
        prefecture=random_prefecture(rng),
        keys=keys,
        numbers=numbers,
        phones=phones,
    )


def same_name_pairs(n_companies: int) -> int:
    """About five planted namesakes per 2,000 companies, at least two."""
    return min(n_companies // 4, max(2, round(n_companies / 400)))


def build_entities(n_companies: int, rng: random.Random) -> list[Entity]:
    """`n_companies` distinct companies; a few namesakes share a name but not a prefecture."""
    keys: set[str] = set()
    numbers: set[str] = set()
    phones: set[str] = set()
    n_twins = same_name_pairs(n_companies)
    entities = [_fresh_entity(rng, keys, numbers, phones) for _ in range(n_companies - n_twins)]
    for original in rng.sample(entities, n_twins):
        twin = _entity(
            rng,
            core=original.core,
            legal=(original.legal_form, original.legal_front),
            industry=(original.industry, original.kind),
            prefecture=random_prefecture(rng, exclude=original.address.prefecture),
            keys=keys,
            numbers=numbers,
            phones=phones,
        )
        entities.insert(rng.randrange(len(entities) + 1), twin)
    for i, entity in enumerate(entities, start=1):
        entity.entity_id = f"E{i:06d}"
    return entities


def more_entities(count: int, rng: random.Random, existing: list[Entity]) -> list[Entity]:
    """`count` further companies, distinct in name, 法人番号 and phone from `existing`; their
    ids continue after the existing ones (E000001 ... in order)."""
    keys = {name_key(e.core_text) for e in existing}
    numbers = {e.corporate_number for e in existing}
    phones = {e.phone for e in existing}
    added = []
    for i in range(len(existing) + 1, len(existing) + count + 1):
        entity = _fresh_entity(rng, keys, numbers, phones)
        entity.entity_id = f"E{i:06d}"
        added.append(entity)
    return added
