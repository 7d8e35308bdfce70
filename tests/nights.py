"""A committed night for tests of what the schedule and the sensors launch after one."""

from __future__ import annotations

from pipelines.night_store import REQUIRED
from pipelines.resources import NightResource, SourcesResource, WarehouseResource


def commit_a_night(sources: SourcesResource, warehouse: WarehouseResource) -> None:
    """Commit a (contentless) night of this configuration, as a full night's publish does."""
    store, incremental = NightResource().open("first-night", sources, warehouse)
    assert not incremental
    for step in REQUIRED:
        store.set_value(step, "done")
    assert store.commit()
