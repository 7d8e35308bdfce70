"""Steward overrides: record pairs a person has decided must, or must never, be one customer.

The matcher is right most of the time; a data steward settles the rest (a typo only a phone
call could confirm, two namesakes the data cannot tell apart). Their decisions live in a YAML
file that every run reads, keyed by source and source id because those survive re-runs while
positions and customer ids may not:

    must_link:
      - left: {source: crm, source_id: ACC-000077}
        right: {source: excel, source_id: "営業訪問記録_大阪支店.xlsx:2026年度:64"}
        note: 籐井 is a typo of 藤井 (confirmed by phone)
    cannot_link:
      - left: {source: crm, source_id: ACC-000385}
        right: {source: sales_db, source_id: "000702"}

A must-link is the strongest merge edge there is, but it never joins two different valid
法人番号 nor a steward's cannot-link (the chaining guard cuts it and the pair shows
`cut_by_guard`). A cannot-link keeps the two records in different customers whatever else
links them. Pairs naming a record that is not in the run are counted, not fatal: sources
drop records.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

OVERRIDES_ENV = "HORIOKOSHI_MATCH_OVERRIDES"
MUST_LINK, CANNOT_LINK = "steward:must_link", "steward:cannot_link"


class OverridesError(ValueError):
    """The overrides file cannot be used; the message names the file and the bad entry."""


class RecordRef(BaseModel):
    """One source record, as the source itself identifies it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    source_id: str = Field(min_length=1)

    @field_validator("source", "source_id", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        """YAML reads 000123 as the number 123; ids are text, so ask for quotes instead."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            return value
        if isinstance(value, int):
            raise ValueError(
                f"write the id in quotes: YAML read it as the number {value} (000123 as 83)"
            )
        return value.strip()

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_id}"


class Link(BaseModel):
    """A steward decision about two records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    left: RecordRef
    right: RecordRef
    note: str | None = None

    @model_validator(mode="after")
    def _two_records(self) -> Link:
        if self.left == self.right:
            raise ValueError(f"links record {self.left.key} with itself")
        return self

    @property
    def keys(self) -> tuple[str, str]:
        """The two record keys, smaller first, as the matcher orders pairs."""
        return tuple(sorted((self.left.key, self.right.key)))  # type: ignore[return-value]


class Overrides(BaseModel):
    """Every steward decision; a pair may be listed once, under one kind only."""

    model_config = ConfigDict(extra="forbid")

    must_link: list[Link] = Field(default_factory=list)
    cannot_link: list[Link] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Overrides:
        seen: dict[tuple[str, str], str] = {}
        for kind in ("must_link", "cannot_link"):
            for position, link in enumerate(getattr(self, kind)):
                earlier = seen.setdefault(link.keys, f"{kind}[{position}]")
                if earlier != f"{kind}[{position}]":
                    raise ValueError(
                        f"{kind}[{position}] repeats the pair {' ~ '.join(link.keys)} of {earlier}"
                    )
        return self

    def pairs(self, kind: Literal["must_link", "cannot_link"]) -> pd.DataFrame:
        """The pairs of one kind as record keys (key_l < key_r) with their notes."""
        links = getattr(self, kind)
        return pd.DataFrame(
            [(*link.keys, link.note) for link in links], columns=["key_l", "key_r", "note"]
        )


def load_overrides(path: str | os.PathLike[str]) -> Overrides:
    """Read and validate an overrides file; every problem names the file and the entry."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OverridesError(f"{path}: cannot read: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise OverridesError(f"{path}: not valid YAML: {error}") from error
    if data is None:
        return Overrides()
    if not isinstance(data, dict):
        raise OverridesError(f"{path}: expected a mapping with must_link / cannot_link")
    try:
        return Overrides.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors()
        )
        raise OverridesError(f"{path}: {problems}") from error


def resolve(overrides: Overrides, record_keys: pd.Series) -> dict[str, pd.DataFrame]:
    """Override pairs as record positions (left < right) for the records of this run.

    Returns, per kind, the pairs whose two records are both present (`left`, `right`, `note`),
    plus `unknown`: the pairs naming a record the run does not have.
    """
    index = pd.Index(record_keys)  # hashed on the first lookup: never without overrides
    out: dict[str, pd.DataFrame] = {}
    unknown = []
    for kind in ("must_link", "cannot_link"):
        pairs = overrides.pairs(kind)
        left, right = (
            index.get_indexer(pairs[key]) if len(pairs) else np.empty(0, dtype=np.int64)
            for key in ("key_l", "key_r")
        )
        present = (left >= 0) & (right >= 0)
        unknown.append(pairs[~present].assign(kind=kind))
        ends = np.sort(np.c_[left[present], right[present]].astype(np.int64), axis=1)
        out[kind] = pd.DataFrame(
            {"left": ends[:, 0], "right": ends[:, 1], "note": pairs["note"][present].to_numpy()}
        )
    out["unknown"] = pd.concat(unknown, ignore_index=True)
    return out


def apply_overrides(scored: pd.DataFrame, steward: dict[str, pd.DataFrame], n: int) -> pd.DataFrame:
    """Steward decisions replace the matcher's on their pairs (blocking always scores them).

    The features stay as computed, so a review shows what the steward overruled; the reason
    becomes 'steward:must_link' / 'steward:cannot_link', with the steward's note in brackets.
    Adds the boolean column `steward`.
    """
    scored = scored.assign(steward=False)
    pair = scored["left"].to_numpy() * n + scored["right"].to_numpy()
    for kind, decision, label in (
        ("must_link", "merge", MUST_LINK),
        ("cannot_link", "no_match", CANNOT_LINK),
    ):
        pairs = steward[kind]
        if pairs.empty:
            continue
        note = pd.Series(pairs["note"].to_numpy(), index=pairs["left"] * n + pairs["right"])
        hit = np.flatnonzero(np.isin(pair, note.index))
        reasons = [
            f"{label}({text})" if isinstance(text, str) and text else label
            for text in note.reindex(pair[hit])
        ]
        reason = scored["reason"].cat.add_categories(
            sorted(set(reasons) - set(scored["reason"].cat.categories))
        )
        reason.iloc[hit] = reasons
        scored["reason"] = reason.cat.remove_unused_categories()
        scored.iloc[hit, scored.columns.get_loc("decision")] = decision
        scored.iloc[hit, scored.columns.get_loc("cannot_link")] = kind == "cannot_link"
        scored.iloc[hit, scored.columns.get_loc("steward")] = True
    return scored
