"""One night of changes in the sources of a generated sample, applied in place.

    apply_changes(folder, fraction=0.01, seed=1, as_of=date(2026, 11, 24))
    python -m sampledata.changes DIR --as-of 2026-11-24 [--fraction 0.01] [--seed 1]

About `fraction` of the company records and of the sales lines change, as a quiet night in
real systems does:

- **new records** (fraction/3 of the records): new companies, in the CRM export (a prospect),
  in the 得意先マスタ (a new buyer) or in both; and about a third of them another record of a
  company the sources already know: a CRM account for a customer of the 販売管理 system, or
  the first 得意先 registration of a CRM prospect that now buys. Matching has to merge those
  into the existing customer. truth.csv and entities.csv get their rows.
- **edited names** (fraction/3 of the records): CRM accounts and 得意先 whose name someone
  retyped without it becoming another company: legal form added, dropped or abbreviated,
  full/half width, a space, a branch suffix. Edited CRM accounts get a fresh 最終更新日時.
- **new sales lines** (fraction of the lines): new 売上伝票 with higher 伝票番号 and their
  売上明細, dated within the last few days up to `as_of`, mostly for active customers, some
  for lapsed ones (a reactivation) and one at least for every new buyer; plus CRM activities
  and won deals for about the same share of those files.

The Excel visit logs stay untouched. entities.csv follows: new companies, the last purchase
of every company that bought, and every tier judged again on `as_of`. manifest.json gets the
new counts and a `changes` entry per night, from which later nights rebuild the companies
added before. Everything is drawn from streams seeded by (`seed`, `as_of`), so the same
arguments on the same folder always make the same changes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path

import jaconv

from sampledata import crm, sales_db
from sampledata.csvfile import append_csv, read_csv, write_csv
from sampledata.engagement import _ACTIVITY_WEIGHTS, ACTIVITY_KINDS, _won_title
from sampledata.entities import Entity, Order, build_entities, more_entities
from sampledata.generator import random_stream
from sampledata.history import _order, tier_by_recency
from sampledata.names import name_key
from sampledata.truth import ENTITY_COLUMNS, TruthRow
from sampledata.variants import ABBREVIATIONS, BRANCH_SUFFIXES, render_distinct_name

RECENT_DAYS = 3  # new slips, activities and edits fall within as_of - 3 ... as_of
_KNOWN_SHARE = 0.3  # of the new records: another record of a company already known
# Chance that a customer of this tier (on as_of) buys tonight, relative to an active one.
_BUY_WEIGHT = {"active": 1.0, "at_risk": 0.1, "dormant": 0.03, "long_dormant": 0.01}
_EDITS = ("legal", "width", "space", "branch")
_EDIT_WEIGHTS = (5, 2, 2, 1)
_SPACES = " \u3000"
_BRANCH = re.compile(
    r"[ \u3000]?(?:{})$".format(
        "|".join(re.escape(b) for b in (*BRANCH_SUFFIXES, *(o[0] for o in sales_db.BRANCH_OFFICES)))
    )
)


@dataclass
class _Sample:
    """What the folder holds, read once."""

    folder: Path
    manifest: dict[str, object]
    entities: list[Entity]  # every company so far, E000001 ... in order
    entity_rows: list[list[str]]  # entities.csv
    truth: dict[tuple[str, str], str]  # (source, source_id) -> entity_id
    crm_header: list[str]
    crm_rows: list[list[str]]
    master: dict[str, str]  # 得意先コード -> 得意先名
    next_code: int  # above every 得意先コード of the master and the slips (the orphan too)
    next_slip: int
    next_account: int
    by_source: dict[str, set[str]] = field(default_factory=dict)  # source -> entity ids

    def records_of(self, source: str) -> dict[str, list[str]]:
        """entity_id -> its source ids in `source`."""
        out: dict[str, list[str]] = defaultdict(list)
        for (src, source_id), entity_id in self.truth.items():
            if src == source:
                out[entity_id].append(source_id)
        return out


@dataclass
class _Night:
    """The changes drawn so far."""

    new_entities: list[Entity] = field(default_factory=list)
    crm_rows: list[list[object]] = field(default_factory=list)
    master_rows: list[list[object]] = field(default_factory=list)
    truth: list[TruthRow] = field(default_factory=list)
    buyers: list[tuple[str, Entity]] = field(default_factory=list)  # new 得意先: code, entity
    known: int = 0  # new records of companies the sources already had
    edited: dict[str, int] = field(default_factory=lambda: {"crm": 0, "sales_db": 0})
    edited_codes: set[str] = field(default_factory=set)  # 得意先 whose name was retyped


def apply_changes(
    folder: Path, *, fraction: float = 0.01, seed: int, as_of: date
) -> dict[str, int]:
    """Change about `fraction` of the records and lines of the sample in `folder` (written by
    `sampledata.generate`, perhaps changed before) as one night would; return the counts."""
    if not 0 < fraction <= 0.5:
        raise ValueError(f"fraction must be in (0, 0.5], got {fraction}")
    sample = _read(Path(folder), as_of)
    files = sample.manifest["files"]
    n_records = len(sample.truth)
    n_lines = files["sales.sqlite"]["tables"]["売上明細"]

    def rng(stream: str) -> random.Random:
        return _stream(seed, as_of.isoformat(), stream)

    taken = {name_key(e.core_text) for e in sample.entities}
    night = _Night()
    _new_records(sample, night, max(1, round(fraction / 3 * n_records)), taken, rng, as_of)
    _edit_names(sample, night, max(1, round(fraction / 3 * n_records)), rng("edits"), as_of)
    slips = _new_slips(sample, night, max(1, round(fraction * n_lines)), rng("sales"), as_of)
    deals, acts = _crm_events(sample, night, slips, fraction, rng("crm"), as_of)
    counts = _write(sample, night, slips, deals, acts, as_of)
    sample.manifest.setdefault("changes", []).append(
        {"seed": seed, "fraction": fraction, "as_of": as_of.isoformat()}
        | {"new_entities": len(night.new_entities)}
    )
    _write_manifest(sample)
    return counts


def _stream(seed: int, as_of: str, name: str) -> random.Random:
    """The random stream of one concern (plan, records, entities, edits, sales, crm) of the
    night `as_of`; the entities stream is drawn again by later nights."""
    return random.Random(f"{seed}:changes:{as_of}:{name}")


# --- reading ----------------------------------------------------------------------------------


def _read(folder: Path, as_of: date) -> _Sample:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    history = manifest.get("changes", [])
    latest = date.fromisoformat(history[-1]["as_of"] if history else manifest["as_of"])
    if as_of < latest:
        raise ValueError(f"as_of {as_of} is before the sample's last date {latest}")
    entities = build_entities(manifest["n_companies"], random_stream(manifest["seed"], "entities"))
    for night in history:  # the companies earlier nights added, drawn again
        stream = _stream(night["seed"], night["as_of"], "entities")
        entities += more_entities(night["new_entities"], stream, entities)
    _, entity_rows = read_csv(folder / "entities.csv")
    if len(entity_rows) != len(entities):
        raise ValueError(f"{folder}: entities.csv does not match manifest.json")
    _, truth_rows = read_csv(folder / "truth.csv")
    truth = {(source, source_id): entity_id for source, source_id, entity_id in truth_rows}
    crm_header, crm_rows = read_csv(folder / "crm" / "companies.csv", bom=True)
    with sqlite3.connect(folder / "sales.sqlite") as db:
        master = dict(db.execute("SELECT 得意先コード, 得意先名 FROM 得意先マスタ"))
        slip_codes = {code for (code,) in db.execute("SELECT DISTINCT 得意先コード FROM 売上伝票")}
        (max_slip,) = db.execute("SELECT COALESCE(MAX(伝票番号), 0) FROM 売上伝票").fetchone()
    db.close()
    codes = [int(c) for c in {*master, *slip_codes} if c and c.isdigit()]
    sample = _Sample(
        folder=folder,
        manifest=manifest,
        entities=entities,
        entity_rows=entity_rows,
        truth=truth,
        crm_header=crm_header,
        crm_rows=crm_rows,
        master=master,
        next_code=max(codes, default=0) + 1,
        next_slip=max_slip + 1,
        next_account=_max_id(crm_rows, "ACC-") + 1,
    )
    for source, _ in truth:
        sample.by_source.setdefault(source, set())
    for (source, _), entity_id in truth.items():
        sample.by_source[source].add(entity_id)
    return sample


def _recent_stamp(as_of: date, rng: random.Random) -> str:
    """A 最終更新日時 within the last few days, in office hours."""
    day = as_of - timedelta(days=rng.randint(0, RECENT_DAYS))
    clock = time(rng.randint(8, 20), rng.randrange(60), rng.randrange(60))
    return datetime.combine(day, clock).isoformat()


# --- new records ------------------------------------------------------------------------------


def _add_crm(
    sample: _Sample, night: _Night, entity: Entity, name: str, as_of: date, rng: random.Random
) -> str:
    account = f"ACC-{sample.next_account:06d}"
    sample.next_account += 1
    row = crm._company_row(account, entity, name, False, as_of, rng)
    row[-1] = _recent_stamp(as_of, rng)  # created tonight
    night.crm_rows.append(row)
    night.truth.append(TruthRow("crm", account, entity.entity_id))
    return account


def _add_customer(
    sample: _Sample,
    night: _Night,
    entity: Entity,
    avoid: str,
    taken: set[str],
    rng: random.Random,
) -> str:
    code = f"{sample.next_code:06d}"
    sample.next_code += 1
    customer = sales_db._Customer(entity, [], None, code)
    night.master_rows.append(
        sales_db._master_row(customer, rng, taken, {entity.entity_id: avoid} if avoid else {})
    )
    night.truth.append(TruthRow("sales_db", code, entity.entity_id))
    night.buyers.append((code, entity))
    return code


def _new_records(
    sample: _Sample,
    night: _Night,
    count: int,
    taken: set[str],
    rng: Callable[[str], random.Random],
    as_of: date,
) -> None:
    """`count` new company records: some for companies the sources know, the rest new ones."""
    plan, draw = rng("plan"), rng("records")
    by_id = {e.entity_id: e for e in sample.entities}
    crm_ids, sales_ids = sample.by_source.get("crm", set()), sample.by_source.get("sales_db", set())
    sales_names = {
        entity_id: sample.master[codes[0]]
        for entity_id, codes in sample.records_of("sales_db").items()
        if codes[0] in sample.master
    }
    account_names = {row[0]: row[1] for row in sample.crm_rows}
    crm_names = {e: account_names[ids[0]] for e, ids in sample.records_of("crm").items()}
    # Sorted so the draw does not depend on set order.
    customers_only = sorted(sales_ids - crm_ids)  # buyers the CRM has not got yet
    prospects = sorted(crm_ids - sales_ids)  # CRM companies that never bought
    known = max(1, round(_KNOWN_SHARE * count)) if count > 1 else 0
    for _ in range(known):
        to_crm = plan.random() < 0.5  # else: a prospect's first 得意先 registration
        if not (customers_only if to_crm else prospects):
            to_crm = not to_crm
        pool = customers_only if to_crm else prospects
        if not pool:
            break
        entity = by_id[pool.pop(plan.randrange(len(pool)))]
        if to_crm:
            name = render_distinct_name(
                entity, crm.STYLE, draw, taken, avoid=sales_names.get(entity.entity_id, "")
            )
            _add_crm(sample, night, entity, name, as_of, draw)
        else:
            _add_customer(sample, night, entity, crm_names.get(entity.entity_id, ""), taken, draw)
        night.known += 1

    kinds = []  # per new company: crm (a prospect), sales (a buyer) or both
    left = count - night.known
    while left > 0:
        kind = plan.choice(("crm", "sales", "both") if left > 1 else ("crm", "sales"))
        kinds.append(kind)
        left -= 2 if kind == "both" else 1
    night.new_entities = more_entities(len(kinds), rng("entities"), sample.entities)
    for entity, kind in zip(night.new_entities, kinds, strict=True):
        taken.add(name_key(entity.core_text))
        entity.pattern = "prospect" if kind == "crm" else "one_time"
        crm_name = ""
        if kind != "sales":
            crm_name = render_distinct_name(entity, crm.STYLE, draw, taken, avoid="")
            _add_crm(sample, night, entity, crm_name, as_of, draw)
        if kind != "crm":
            _add_customer(sample, night, entity, crm_name, taken, draw)


# --- edited names -----------------------------------------------------------------------------


def _split_branch(name: str) -> tuple[str, str]:
    match = _BRANCH.search(name)
    return (name[: match.start()], match.group()) if match else (name, "")


def _edit_legal(base: str, entity: Entity, rng: random.Random) -> str:
    full, abbreviations = entity.legal_form, ABBREVIATIONS[entity.legal_form]
    marks = [m for m in (full, *abbreviations) if m in base]
    if not marks:  # add the legal form, where the company writes it
        sep = rng.choice(("", "", " "))
        return f"{full}{sep}{base}" if entity.legal_front else f"{base}{sep}{full}"
    mark = max(marks, key=len)
    if rng.random() < 0.5:  # dropped
        return base.replace(mark, "", 1).strip(_SPACES)
    other = rng.choice(abbreviations) if mark == full else full  # written the other way
    return base.replace(mark, other, 1)


def _edit_width(base: str) -> str:
    wide = jaconv.h2z(base, kana=True, ascii=True, digit=True)
    return wide if wide != base else jaconv.z2h(base, kana=False, ascii=True, digit=True)


def _edit_space(base: str, entity: Entity, rng: random.Random) -> str:
    if any(c in base for c in _SPACES):
        return "".join(c for c in base if c not in _SPACES)
    marks = [entity.legal_form, *ABBREVIATIONS[entity.legal_form]]
    for mark in marks:
        if base.startswith(mark):
            return f"{mark}{rng.choice(_SPACES)}{base[len(mark) :]}"
        if base.endswith(mark):
            return f"{base[: -len(mark)]}{rng.choice(_SPACES)}{mark}"
    return base


def edit_name(name: str, entity: Entity, rng: random.Random) -> str:
    """`name` retyped as the same company: legal form added, dropped or written the other way,
    full/half width, a space added or removed, or a branch suffix added. Differs from `name`
    unless no edit applies (an empty name)."""
    base, branch = _split_branch(name)
    ops = list(_EDITS)
    weights = list(_EDIT_WEIGHTS)
    while ops:
        i = rng.choices(range(len(ops)), weights)[0]
        op = ops.pop(i)
        weights.pop(i)
        if op == "branch":
            if branch or not base:
                continue
            edited = base + rng.choice(("", *_SPACES)) + rng.choice(BRANCH_SUFFIXES)
            return edited
        if op == "legal":
            edited = _edit_legal(base, entity, rng)
        elif op == "width":
            edited = _edit_width(base)
        else:
            edited = _edit_space(base, entity, rng)
        if edited and edited != base:
            return edited + branch
    return name


def _edit_names(
    sample: _Sample,
    night: _Night,
    count: int,
    rng: random.Random,
    as_of: date,
) -> None:
    """Retype `count` existing CRM account and 得意先 names (in proportion to their numbers)."""
    by_id = {e.entity_id: e for e in sample.entities}
    records = [("crm", i) for i in range(len(sample.crm_rows))]
    records += [("sales_db", code) for code in sorted(sample.master)]
    for source, key in rng.sample(records, min(count, len(records))):
        if source == "crm":
            row = sample.crm_rows[key]
            entity = by_id[sample.truth["crm", row[0]]]
            row[1] = edit_name(row[1], entity, rng)
            row[-1] = _recent_stamp(as_of, rng)
        else:
            entity = by_id[sample.truth["sales_db", key]]
            sample.master[key] = edit_name(sample.master[key] or "", entity, rng)
            night.edited_codes.add(key)
        night.edited[source] += 1


# --- new sales lines --------------------------------------------------------------------------


@dataclass
class _NewSlip:
    code: str
    entity: Entity
    order: Order
    number: int = 0


def _new_slips(
    sample: _Sample, night: _Night, count: int, rng: random.Random, as_of: date
) -> list[_NewSlip]:
    """Slips with about `count` lines: one for each new buyer, the rest for existing customers
    by their tier on `as_of` (mostly active ones)."""
    by_id = {e.entity_id: e for e in (*sample.entities, *night.new_entities)}
    tiers = {row[0]: row[ENTITY_COLUMNS.index("tier_by_recency")] for row in sample.entity_rows}
    codes = sorted(
        (code, by_id[entity_id])
        for (source, code), entity_id in sample.truth.items()
        if source == "sales_db" and code in sample.master
    )
    weights = [_BUY_WEIGHT.get(tiers.get(e.entity_id, ""), 0.0) for _, e in codes]
    cumulative = list(accumulate(weights)) if any(weights) else None
    prices: dict[str, float] = {}
    slips: list[_NewSlip] = []
    lines = 0

    def slip(code: str, entity: Entity) -> None:
        nonlocal lines
        day = as_of - timedelta(days=rng.randint(0, RECENT_DAYS))
        if code not in prices:  # one price level per customer for the night
            prices[code] = rng.uniform(0.85, 1.0)
        order = _order(entity, day, 1.0, prices[code], rng, last=False)
        slips.append(_NewSlip(code, entity, order))
        lines += len(order.lines)

    for code, entity in night.buyers:
        slip(code, entity)
    while lines < count and codes:
        code, entity = (
            rng.choices(codes, cum_weights=cumulative)[0] if cumulative else rng.choice(codes)
        )
        slip(code, entity)
    slips.sort(key=lambda s: (s.order.day, s.code))
    for number, s in enumerate(slips, start=sample.next_slip):
        s.number = number
    return slips


# --- CRM deals and activities -----------------------------------------------------------------


def _max_id(rows: list[list[str]], prefix: str) -> int:
    return max((int(r[0].removeprefix(prefix)) for r in rows if r[0].startswith(prefix)), default=0)


def _crm_events(
    sample: _Sample,
    night: _Night,
    slips: list[_NewSlip],
    fraction: float,
    rng: random.Random,
    as_of: date,
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Won deals for some of the new slips of CRM companies, and activities: one for every new
    account, the rest on accounts at random; about `fraction` of each file."""
    folder = sample.folder / "crm"
    _, deal_rows = read_csv(folder / "deals.csv", bom=True)
    _, act_rows = read_csv(folder / "activities.csv", bom=True)
    accounts: dict[str, list[str]] = defaultdict(list)
    for (source, source_id), entity_id in sample.truth.items():
        if source == "crm":
            accounts[entity_id].append(source_id)
    for row in night.truth:
        if row.source == "crm":
            accounts[row.entity_id].append(row.source_id)

    n_deals = round(fraction * len(deal_rows))
    won = [s for s in slips if accounts.get(s.entity.entity_id)]
    deals = []
    for s in rng.sample(won, min(n_deals, len(won))):
        day = max(as_of - timedelta(days=60), s.order.day - timedelta(days=rng.randint(0, 14)))
        account = sorted(accounts[s.entity.entity_id])[0]
        deals.append((account, day, _won_title(s.entity, s.order), s.order.total))
    deals.sort(key=lambda d: (d[1], d[0]))
    first_deal = _max_id(deal_rows, "OPP-") + 1
    deal_out = [
        (f"OPP-{i:06d}", account, title, "受注", day.isoformat(), amount, "")
        for i, (account, day, title, amount) in enumerate(deals, start=first_deal)
    ]

    n_acts = max(1, round(fraction * len(act_rows)))
    new_accounts = [row[0] for row in night.crm_rows]
    every = sorted({a for ids in accounts.values() for a in ids})
    targets = new_accounts + [rng.choice(every) for _ in range(n_acts - len(new_accounts))]
    acts = sorted(
        (
            as_of - timedelta(days=rng.randint(0, RECENT_DAYS)),
            account,
            rng.choices(ACTIVITY_KINDS, _ACTIVITY_WEIGHTS)[0],
        )
        for account in targets
    )
    first_act = _max_id(act_rows, "ACT-") + 1
    act_out = [
        (f"ACT-{i:07d}", account, day.isoformat(), kind)
        for i, (day, account, kind) in enumerate(acts, start=first_act)
    ]
    return deal_out, act_out


# --- writing ----------------------------------------------------------------------------------


def _write(
    sample: _Sample,
    night: _Night,
    slips: list[_NewSlip],
    deals: list[tuple[object, ...]],
    acts: list[tuple[object, ...]],
    as_of: date,
) -> dict[str, int]:
    folder = sample.folder
    files = sample.manifest["files"]
    crm_dir = folder / "crm"
    rows = sample.crm_rows + night.crm_rows
    files["crm/companies.csv"]["rows"] = write_csv(
        crm_dir / "companies.csv", sample.crm_header, rows, bom=True
    )
    files["crm/deals.csv"]["rows"] += append_csv(crm_dir / "deals.csv", deals, bom=True)
    files["crm/activities.csv"]["rows"] += append_csv(crm_dir / "activities.csv", acts, bom=True)

    details = [
        (s.number, i, line.code, line.name, line.qty, line.unit, line.amount)
        for s in slips
        for i, line in enumerate(s.order.lines, start=1)
    ]
    with sqlite3.connect(folder / "sales.sqlite") as db:
        edited = [(sample.master[code], code) for code in sorted(night.edited_codes)]
        db.executemany("UPDATE 得意先マスタ SET 得意先名 = ? WHERE 得意先コード = ?", edited)
        db.executemany("INSERT INTO 得意先マスタ VALUES (?,?,?,?,?,?,?,?,?)", night.master_rows)
        db.executemany(
            "INSERT INTO 売上伝票 VALUES (?,?,?)",
            ((s.number, s.code, s.order.day.isoformat()) for s in slips),
        )
        db.executemany("INSERT INTO 売上明細 VALUES (?,?,?,?,?,?,?)", details)
        tables = {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("得意先マスタ", "売上伝票", "売上明細")
        }
    db.close()
    files["sales.sqlite"]["tables"] = tables

    files["truth.csv"]["rows"] += append_csv(folder / "truth.csv", night.truth)
    files["entities.csv"]["rows"] = _write_entities(sample, night, slips, as_of)
    return {
        "new_records": len(night.truth),
        "new_records_of_known_companies": night.known,
        "new_companies": len(night.new_entities),
        "new_crm_accounts": len(night.crm_rows),
        "new_sales_customers": len(night.master_rows),
        "edited_names": sum(night.edited.values()),
        "edited_crm_names": night.edited["crm"],
        "edited_sales_names": night.edited["sales_db"],
        "new_slips": len(slips),
        "new_lines": len(details),
        "new_deals": len(deals),
        "new_activities": len(acts),
        "max_slip_number": max((s.number for s in slips), default=sample.next_slip - 1),
    }


def _write_entities(sample: _Sample, night: _Night, slips: list[_NewSlip], as_of: date) -> int:
    """entities.csv with the new companies, new last purchases and every tier on `as_of`."""
    col = {name: i for i, name in enumerate(ENTITY_COLUMNS)}
    last: dict[str, date] = {}
    for s in slips:
        entity_id = s.entity.entity_id
        last[entity_id] = max(last.get(entity_id, s.order.day), s.order.day)
    rows = sample.entity_rows
    for entity in night.new_entities:
        rows.append(
            [
                entity.entity_id,
                entity.name,
                entity.legal_form,
                entity.corporate_number,
                entity.address.prefecture,
                entity.industry,
                str(entity.employees),
                "" if entity.capital_yen is None else str(entity.capital_yen),
                entity.pattern,
                "",
                "",
            ]
        )
    by_id = {e.entity_id: e for e in (*sample.entities, *night.new_entities)}
    for row in rows:
        entity_id = row[col["entity_id"]]
        old = row[col["last_purchase_date"]]
        day = max(
            filter(None, (last.get(entity_id), old and date.fromisoformat(old))), default=None
        )
        if day and row[col["pattern"]] == "prospect":
            row[col["pattern"]] = "one_time"  # a prospect that bought tonight
        row[col["last_purchase_date"]] = day.isoformat() if day else ""
        row[col["tier_by_recency"]] = tier_by_recency(by_id[entity_id], day, as_of)
    return write_csv(sample.folder / "entities.csv", ENTITY_COLUMNS, rows)


def _write_manifest(sample: _Sample) -> None:
    text = json.dumps(sample.manifest, ensure_ascii=False, indent=2)
    (sample.folder / "manifest.json").write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sampledata.changes", description=__doc__)
    parser.add_argument("folder", type=Path, help="a sample written by python -m sampledata")
    parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="the night")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    counts = apply_changes(args.folder, fraction=args.fraction, seed=args.seed, as_of=args.as_of)
    print(json.dumps(counts, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
