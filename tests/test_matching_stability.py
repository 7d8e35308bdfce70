"""Customer ids on the generated sample: unchanged by a re-run, inherited by new variants.

The sample is read and staged as the pipeline does (connectors, then staging), so the ids are
tested on realistic records rather than hand-made rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest

from cleansing.matching import MatchConfig, match_companies
from cleansing.matching.config import BlockingConfig
from cleansing.staging import stage_entity
from connectors import read_source
from pipelines.resources import DEFAULT_SOURCES, SourcesResource
from sampledata import crm, generate
from sampledata.entities import build_entities
from sampledata.names import name_key
from sampledata.variants import render_name, render_phone

AS_OF = dt.date(2026, 11, 23)
N_COMPANIES, SEED = 300, 11


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame, Path]:
    root = tmp_path_factory.mktemp("sample")
    generate(root, n_companies=N_COMPANIES, seed=SEED, as_of=AS_OF)
    config = SourcesResource(config_path=str(DEFAULT_SOURCES), data_dir=str(root)).load()
    staged = []
    for source, source_config in config.items():
        raw = read_source(source_config, root, source=source)["companies"].rows
        staged.append(stage_entity(source, "companies", raw)[0])
    truth = pd.read_csv(root / "truth.csv", dtype=str)
    truth["record_key"] = truth["source"] + ":" + truth["source_id"]
    return pd.concat(staged, ignore_index=True), truth, root


def test_rerun_on_unchanged_sources_keeps_every_customer_id(sample):
    staged, _, _ = sample
    first = match_companies(staged)
    reordered = staged.sample(frac=1, random_state=5).reset_index(drop=True)
    for again in (
        match_companies(staged, previous_map=first.crosswalk),
        match_companies(reordered, previous_map=first.crosswalk),
        match_companies(reordered),  # without history, ids derive from the records
    ):
        pd.testing.assert_frame_equal(again.crosswalk, first.crosswalk)
        assert again.merged_ids.empty


def new_variants(root: Path, truth: pd.DataFrame) -> pd.DataFrame:
    """Raw CRM rows for 40 companies already in the sample: a fresh spelling and the phone."""
    entities = build_entities(N_COMPANIES, random.Random(f"{SEED}:entities"))
    taken = {name_key(e.core_text) for e in entities}
    present = set(truth["entity_id"])
    rng = random.Random(3)
    chosen = rng.sample([e for e in entities if e.entity_id in present], 40)
    return pd.DataFrame(
        {
            "source_id": [f"NEW-{i:03d}" for i in range(len(chosen))],
            "name": [render_name(e, crm.STYLE, rng, taken) for e in chosen],
            "phone": [render_phone(e.phone, rng) for e in chosen],
            "entity_id": [e.entity_id for e in chosen],
        }
    )


def test_new_variants_join_their_company_under_its_existing_id(sample):
    staged, truth, root = sample
    first = match_companies(staged)
    raw = new_variants(root, truth)
    added, rejected = stage_entity("crm", "companies", raw.drop(columns="entity_id"))
    assert rejected.empty
    second = match_companies(
        pd.concat([staged, added], ignore_index=True), previous_map=first.crosswalk
    )

    # Each company's id in the first run: the one most of its records got.
    known = first.crosswalk.merge(truth[["record_key", "entity_id"]], on="record_key")
    company_id = known.groupby("entity_id")["customer_id"].agg(lambda ids: ids.mode().iloc[0])
    got = second.crosswalk.set_index("record_key")["customer_id"]
    expected = raw["entity_id"].map(company_id).set_axis("crm:" + raw["source_id"])
    joined = got.reindex(expected.index) == expected
    assert joined.mean() >= 0.95, raw.assign(joined=joined.to_numpy())[~joined.to_numpy()]

    before = first.crosswalk.set_index("record_key")["customer_id"]
    changed = before[got.reindex(before.index) != before]
    retired = set(second.merged_ids["retired_id"])
    assert set(changed) <= retired  # an old id moves only when its customer merged into another
    assert len(changed) <= 2


def test_reusing_the_previous_match_gives_what_a_full_rematch_gives(sample):
    """Scores of unchanged pairs and unchanged customers are carried; nothing else differs."""
    staged, _, _ = sample
    first = match_companies(staged)
    changed = staged.copy()
    changed.loc[3, "name"] = changed.loc[3, "name"] + " 東京支店"  # an edited record
    changed = pd.concat([changed, staged.iloc[[7]].assign(source_id="NEW-1")], ignore_index=True)
    changed = changed.drop(index=11).reset_index(drop=True)  # a record gone
    full = match_companies(changed, previous_map=first.crosswalk)
    reused = match_companies(changed, previous_map=first.crosswalk, previous=first.kept)
    assert reused.stats["pairs_reused"] > 0.9 * reused.stats["pairs_compared"]
    assert reused.stats["customers_carried"] > 0.9 * len(reused.customers)
    # the guard split components; the unchanged ones are split as in the first run
    assert reused.stats["guard_replayed_components"] < first.stats["guard_split_components"]
    pd.testing.assert_frame_equal(reused.customers, full.customers)
    pd.testing.assert_frame_equal(reused.crosswalk, full.crosswalk)
    # the same values; a reason's category list is in order of first appearance
    pd.testing.assert_frame_equal(reused.pairs, full.pairs, check_categorical=False)
    pd.testing.assert_frame_equal(reused.merged_ids, full.merged_ids)


def test_carried_customers_are_placed_in_id_order_whatever_order_they_were_kept_in(sample):
    """Tonight's golden records go among the carried ones by id; kept customers out of id
    order (no run stores them so) are sorted the plain way, to the same frame."""
    staged, _, _ = sample
    first = match_companies(staged)
    changed = pd.concat(
        [staged, staged.iloc[[5, 9]].assign(source_id=["NEW-1", "NEW-2"])], ignore_index=True
    )
    full = match_companies(changed, previous_map=first.crosswalk)
    shuffled = first.kept.customers.sample(frac=1, random_state=3).reset_index(drop=True)
    for kept in (first.kept, dataclasses.replace(first.kept, customers=shuffled)):
        reused = match_companies(changed, previous_map=first.crosswalk, previous=kept)
        assert 0 < reused.stats["customers_carried"] < len(reused.customers)
        pd.testing.assert_frame_equal(reused.customers, full.customers)


def test_a_night_after_one_without_records_equals_a_full_match(sample):
    """Last night kept no records (nothing staged): every record is new, nothing carried."""
    staged, _, _ = sample
    empty = match_companies(staged.iloc[:0])
    reused = match_companies(staged, previous=empty.kept)
    assert reused.stats["customers_carried"] == 0
    pd.testing.assert_frame_equal(reused.customers, match_companies(staged).customers)


def test_a_night_where_every_record_changed_reuses_nothing_and_equals_a_full_rematch(sample):
    staged, _, _ = sample
    first = match_companies(staged)
    changed = staged.assign(name=staged["name"] + " 本店")
    full = match_companies(changed, previous_map=first.crosswalk)
    reused = match_companies(changed, previous_map=first.crosswalk, previous=first.kept)
    assert reused.stats["pairs_reused"] == 0
    pd.testing.assert_frame_equal(reused.pairs, full.pairs, check_categorical=False)
    pd.testing.assert_frame_equal(reused.crosswalk, full.crosswalk)


def test_moved_records_are_those_whose_customer_changed():
    from cleansing.matching.ids import moved_records, previous_ids

    before = pd.DataFrame(
        {"source": ["crm", "crm", "db"], "source_id": ["1", "2", "9"], "customer_id": "C1"}
    )
    now = pd.DataFrame(
        {
            "source": ["crm", "crm", "db", "db"],
            "source_id": ["1", "2", "9", "NEW"],
            "record_key": ["crm:1", "crm:2", "db:9", "db:NEW"],
            "customer_id": ["C1", "C2", "C1", "C3"],
        }
    )
    moved = moved_records(previous_ids(before, now["record_key"]), now)
    assert moved.to_dict("records") == [{"source": "crm", "source_id": "2", "customer_id": "C2"}]
    assert moved_records(previous_ids(None, now["record_key"]), now).empty


def test_crosswalk_rows_not_marked_rebuilt_are_last_runs_rows(sample):
    """A carried customer whose pairs changed (here: tighter block caps drop pairs of unchanged
    records, as a new record pushing a block over its cap would) has its rows marked rebuilt,
    so an incremental publish that writes only rebuilt rows still equals a full one."""
    staged, _, _ = sample
    first = match_companies(staged)
    tight = MatchConfig(blocking=BlockingConfig(max_block_size=2, max_ngram_block_size=2))
    again = match_companies(staged, tight, previous_map=first.crosswalk, previous=first.kept)
    kept = ~again.rebuilt
    assert again.stats["customers_carried"] > 0 and again.rebuilt.any() and kept.any()
    same = (
        again.crosswalk[kept].reset_index(drop=True),
        first.crosswalk.set_index("record_key")
        .loc[again.crosswalk["record_key"][kept]]
        .reset_index()[list(again.crosswalk.columns)],
    )
    pd.testing.assert_frame_equal(*same)
    changed = again.crosswalk.compare(first.crosswalk).index  # same records, same order
    assert again.rebuilt[changed].all()
    assert len(changed) > 0
