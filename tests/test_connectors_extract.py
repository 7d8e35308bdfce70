"""The extract asset built from sources.yaml pulls an API source incrementally between runs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from connectors import load_sources
from pipelines.assets.extract import build_source_assets
from pipelines.resources import NightResource, SourcesResource, WarehouseResource
from tests.fakes.hubspot import FakeHubSpot, rate_limited
from tests.test_connectors_hubspot import T0, companies, company

SOURCES = """
sources:
  hubspot:
    kind: hubspot
    url: {url}
    secrets: {{access_token: HUBSPOT_TOKEN}}
    backoff_seconds: 0.01
    max_attempts: 2
    entities:
      companies:
        object: companies
        columns: {{source_id: id, name: name}}
"""


def materialize(config: Path, data_dir: Path) -> dg.ExecuteInProcessResult:
    assets = build_source_assets(load_sources(config))
    resources = {
        "sources": SourcesResource(config_path=str(config), data_dir=str(data_dir)),
        "warehouse": WarehouseResource(url=f"duckdb:///{data_dir / 'warehouse.duckdb'}"),
        "night": NightResource(),
    }
    return dg.materialize(assets, resources=resources, raise_on_error=False)


def test_asset_pulls_incrementally_and_a_failed_pull_keeps_state(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-static")
    monkeypatch.delenv("HORIOKOSHI_STATE_DIR", raising=False)
    with FakeHubSpot({"companies": companies(120)}) as fake:
        config = tmp_path / "sources.yaml"
        config.write_text(SOURCES.format(url=fake.url), encoding="utf-8")
        first = materialize(config, tmp_path)
        assert first.success
        assert first.output_for_node("raw_hubspot")["companies"].rows_read == 120
        state = sorted(p.name for p in (tmp_path / ".state" / "hubspot").iterdir())
        assert state == ["companies.json", "companies.parquet"]

        fake.objects["companies"].append(company(500, T0 + pd.Timedelta(days=2)))
        second = materialize(config, tmp_path)
        rows = second.output_for_node("raw_hubspot")["companies"].rows
        assert len(rows) == 121 and fake.count("POST", "/search") == 1

        fake.inject(lambda r: True, rate_limited(None), rate_limited(None))
        before = (tmp_path / ".state" / "hubspot" / "companies.json").read_bytes()
        failed = materialize(config, tmp_path)
        assert not failed.success
        assert (tmp_path / ".state" / "hubspot" / "companies.json").read_bytes() == before
