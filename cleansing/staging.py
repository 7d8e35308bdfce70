"""Raw mapped rows -> canonical staged columns; rows that cannot be staged -> quarantine.

Every raw row ends in exactly one of the two outputs, so `rows in = staged + quarantined`
holds by construction and is checked downstream. A quarantined row keeps its raw values, the
place it came from and a reason code `<field>_<problem>` (e.g. `amount_not_a_number`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cleansing.amounts import parse_amounts
from cleansing.company_name import parse_company_names
from cleansing.contact import (
    address_keys,
    normalize_phones,
    normalize_postal_codes,
    split_addresses,
)
from cleansing.corporate_number import clean_corporate_numbers
from cleansing.dates import parse_dates
from cleansing.schema import ACTIVITY_TYPES, DEAL_STAGES, QUARANTINE_COLUMNS, STAGED_COLUMNS
from cleansing.text import kana_keys, placeholder_mask

ROW_REF = "row_ref"


# A reason or detail text: one for every row, or built from the rows being rejected (on a
# 10M-row column, formatting every value for the few rows rejected would cost seconds).
Text = str | Callable[[pd.Series], pd.Series]


class Rejections:
    """Collects the first reason each row is rejected for, in the order checks are applied.

    Reasons and details are kept for the rejected rows only: few rows are rejected, and text
    columns as long as a 10M-row source would cost seconds to build and write into."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self._rejected = np.zeros(len(index), dtype=bool)
        self._parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, reason: Text, detail: Text) -> None:
        fresh = mask.fillna(False).to_numpy(dtype=bool) & ~self._rejected
        if not fresh.any():
            return
        self._rejected |= fresh
        rows = pd.Series(fresh, index=self.index)
        texts = {
            name: text(rows) if callable(text) else pd.Series(text, index=self.index[fresh])
            for name, text in (("reason", reason), ("detail", detail))
        }
        self._parts.append(pd.DataFrame(texts, index=self.index[fresh]).astype("string"))

    @property
    def rejected(self) -> pd.Series:
        return pd.Series(self._rejected, index=self.index)

    def reasons(self) -> pd.DataFrame:
        """reason and detail of every rejected row, in row order."""
        if not self._parts:
            return pd.DataFrame({"reason": [], "detail": []}, dtype="string")
        return pd.concat(self._parts).sort_index()


def _text(series: pd.Series) -> pd.Series:
    """Cells as trimmed text with placeholders (－, 不明, blank ...) as missing."""
    values = series.astype("string").str.strip()
    return values.mask(_placeholders(values))


def _placeholders(values: pd.Series) -> pd.Series:
    """`placeholder_mask` of text values, asked only of those without a digit: no placeholder
    has one (NFKC keeps digits digits), and ids, codes and dates, often all distinct, do."""
    digit = pc.match_substring_regex(pa.array(values.array), r"\p{Nd}").fill_null(True)
    candidates = ~digit.to_numpy(zero_copy_only=False)
    mask = pd.Series(False, index=values.index)
    if candidates.any():
        mask[candidates] = placeholder_mask(values[candidates]).to_numpy(dtype=bool)
    return mask


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return raw[name]
    return pd.Series(pd.NA, index=raw.index, dtype=object)


def _shown(field: str, values: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """Detail `field=<value>` (first 80 characters) of the rejected rows."""
    return lambda rows: field + "=" + values[rows].astype("string").fillna("").str.slice(0, 80)


def _coded(field: str, codes: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """Reason `<field>_<code>` of the rejected rows, from a parser's problem codes."""
    return lambda rows: field + "_" + codes[rows].astype("string")


def _require_text(raw: pd.DataFrame, field: str, rej: Rejections) -> pd.Series:
    values = _text(_column(raw, field))
    rej.add(values.isna(), f"{field}_missing", f"{field} is empty")
    return values


def _require_date(
    raw: pd.DataFrame,
    field: str,
    rej: Rejections,
    today: dt.date | None,
    future_ok: pd.Series | None = None,
) -> pd.Series:
    """Parsed dates; unparseable ones, and (when `today` is given) ones after today that are
    not `future_ok`, are rejected: a sale dated next year is a typo, not a sale."""
    values, reasons = parse_dates(_column(raw, field))
    shown = _shown(field, _column(raw, field))
    rej.add(reasons.notna(), _coded(field, reasons), shown)
    if today is not None:
        future = values >= pd.Timestamp(today + dt.timedelta(days=1))
        if future_ok is not None:
            future &= ~future_ok.fillna(False).astype(bool)
        rej.add(future, f"{field}_in_future", shown)
    return values


def _amount(raw: pd.DataFrame, field: str, rej: Rejections, *, required: bool) -> pd.Series:
    values, reasons = parse_amounts(_column(raw, field))
    rej.add(reasons.notna(), _coded(field, reasons), _shown(field, _column(raw, field)))
    if required:
        rej.add(values.isna(), f"{field}_missing", f"{field} is empty")
    return values


def _one_of(values: pd.Series, allowed: tuple[str, ...], field: str, rej: Rejections) -> None:
    rej.add(values.notna() & ~values.isin(allowed), f"{field}_unknown", _shown(field, values))


def _duplicate_ids(ids: pd.Series, rej: Rejections) -> None:
    """A source id seen twice keeps its first row; later copies are quarantined, not merged."""
    if ids.is_unique:  # the usual case, and a quarter of what duplicated() costs
        return
    dup = ids.notna() & ids.duplicated(keep="first")
    rej.add(dup, "source_id_duplicate", _shown("source_id", ids))


def _stage_companies(raw: pd.DataFrame, rej: Rejections, today: dt.date | None) -> pd.DataFrame:
    names_raw = _require_text(raw, "name", rej)
    parts = parse_company_names(names_raw.fillna(""))
    rej.add(
        parts["name_key"].eq("") & names_raw.notna(), "name_unusable", _shown("name", names_raw)
    )
    numbers = clean_corporate_numbers(_column(raw, "corporate_number"))
    addresses = split_addresses(_text(_column(raw, "address")).fillna(""))
    # A prefecture column (CRM exports) wins over one found at the head of the address.
    prefecture = _text(_column(raw, "prefecture")).fillna(addresses["prefecture"])
    # A reading may carry its legal form (カブシキガイシャ..., ...(カ): strip it like a name's.
    kana = _text(_column(raw, "kana"))
    kana_names = parse_company_names(kana.fillna(""))["name"]
    employees, _ = parse_amounts(_column(raw, "employees"))
    capital, _ = parse_amounts(_column(raw, "capital_yen"))
    updated, _ = parse_dates(_column(raw, "updated_at"))
    address_text = addresses["address"].where(addresses["address"].ne(""))
    return pd.DataFrame(
        {
            "name_raw": names_raw,
            "name": parts["name"],
            "legal_form": parts["legal_form"],
            "branch": parts["branch"],
            "name_key": parts["name_key"],
            "kana_key": kana_keys(kana_names).where(kana.notna()),
            "corporate_number": numbers["corporate_number"],
            "corporate_number_valid": numbers["corporate_number_valid"].astype(bool),
            "phone": normalize_phones(_column(raw, "phone")),
            "postal_code": normalize_postal_codes(_column(raw, "postal_code")),
            "prefecture": prefecture,
            "address": address_text,
            "address_key": address_keys(address_text.fillna("")).replace("", pd.NA),
            "industry": _text(_column(raw, "industry")),
            "employees": employees,
            "capital_yen": capital,
            "updated_at": updated,
        },
        index=raw.index,
    )


def _stage_transactions(raw: pd.DataFrame, rej: Rejections, today: dt.date | None) -> pd.DataFrame:
    company = _require_text(raw, "company_source_id", rej)
    dates = _require_date(raw, "transaction_date", rej, today)
    amount = _amount(raw, "amount", rej, required=True)
    return pd.DataFrame(
        {
            "company_source_id": company,
            "transaction_date": dates,
            "amount": amount,
            "is_return": amount < 0,
            "product": _text(_column(raw, "product")),
        },
        index=raw.index,
    )


def _stage_deals(raw: pd.DataFrame, rej: Rejections, today: dt.date | None) -> pd.DataFrame:
    company = _require_text(raw, "company_source_id", rej)
    stage = _require_text(raw, "stage", rej)
    # An open deal's date is its expected close, which may well lie ahead.
    dates = _require_date(raw, "deal_date", rej, today, future_ok=stage == "open")
    _one_of(stage, DEAL_STAGES, "stage", rej)
    return pd.DataFrame(
        {
            "company_source_id": company,
            "deal_date": dates,
            "stage": stage,
            "amount": _amount(raw, "amount", rej, required=False),
            "loss_reason": _text(_column(raw, "loss_reason")),
        },
        index=raw.index,
    )


def _stage_activities(raw: pd.DataFrame, rej: Rejections, today: dt.date | None) -> pd.DataFrame:
    company = _require_text(raw, "company_source_id", rej)
    dates = _require_date(raw, "activity_date", rej, today)
    kind = _require_text(raw, "activity_type", rej)
    _one_of(kind, ACTIVITY_TYPES, "activity_type", rej)
    return pd.DataFrame(
        {"company_source_id": company, "activity_date": dates, "activity_type": kind},
        index=raw.index,
    )


STAGERS = {
    "companies": _stage_companies,
    "transactions": _stage_transactions,
    "deals": _stage_deals,
    "activities": _stage_activities,
}


def raw_json(raw: pd.DataFrame) -> pd.Series:
    """The raw values of rows as JSON text (only ever called on the few rejected rows)."""
    fields = [c for c in raw.columns if c != ROW_REF]
    records = raw[fields].astype(object).where(raw[fields].notna(), None).to_dict("records")
    return pd.Series(
        [json.dumps(r, ensure_ascii=False, default=str) for r in records],
        index=raw.index,
        dtype="string",
    )


def stage_entity(
    source: str, entity: str, raw: pd.DataFrame, today: dt.date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage one entity of one source: (staged rows, quarantine rows). With `today`, fact rows
    dated after it are quarantined."""
    good, quarantine, _ = stage_entity_rows(source, entity, raw, today)
    return good, quarantine


def stage_entity_rows(
    source: str, entity: str, raw: pd.DataFrame, today: dt.date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """`stage_entity`, plus the mask of the raw rows that were quarantined (staged rows are
    the others, in raw order)."""
    raw = raw.reset_index(drop=True)
    rej = Rejections(raw.index)
    ids = _require_text(raw, "source_id", rej)
    _duplicate_ids(ids, rej)
    staged = STAGERS[entity](raw, rej, today)
    staged.insert(0, "source_id", ids)
    staged.insert(0, "source", source)
    bad = rej.rejected
    reasons = rej.reasons()
    quarantine = pd.DataFrame(
        {
            "source": source,
            "entity": entity,
            "source_id": ids[bad],
            "location": _column(raw, ROW_REF)[bad].astype("string"),
            "reason": reasons["reason"],
            "detail": reasons["detail"],
            "raw": raw_json(raw.loc[bad]),
        },
        columns=list(QUARANTINE_COLUMNS),
    )
    good = staged[list(STAGED_COLUMNS[entity])]
    if bad.any():  # copying 10M rows to drop none costs seconds
        good = keep_rows(good, ~bad)
    return good, quarantine.reset_index(drop=True), bad.to_numpy(dtype=bool)


def keep_rows(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """The rows where `keep` is True, renumbered from 0. Arrow-backed text is filtered by
    Arrow: pandas' take on it costs ten times more, seconds on a 10M-row frame."""
    mask = keep.to_numpy(dtype=bool)
    columns = {}
    for name, column in frame.items():
        if isinstance(column.array, pd.arrays.ArrowStringArray):
            taken = pd.array(pa.array(column.array).filter(pa.array(mask)), dtype=column.dtype)
        else:
            taken = column.array[mask]
        columns[name] = pd.Series(taken, name=name)
    return pd.DataFrame(columns, columns=frame.columns)


def empty_staged(entity: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in STAGED_COLUMNS[entity]})
