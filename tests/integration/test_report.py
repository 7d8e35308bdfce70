"""The dormancy report of a real run, opened in headless Chromium: every chart is drawn, and
its bars carry and show the warehouse's numbers at proportional lengths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sampledata import generate
from tests.browser import chromium_page, chromium_path
from tests.integration.harness import AS_OF, build_defs, read_tables, run_nightly

LATER = AS_OF + dt.timedelta(days=183)
LAPSED = ("at_risk", "dormant", "long_dormant")
TOP = 20

# Each drawn bar or column of a chart: its key, value, the number it shows and its size.
READ_CHARTS = """
Object.fromEntries([...document.querySelectorAll('svg.chart')].map(svg => [svg.id,
  [...svg.querySelectorAll('g.bar, g.column')].map(g => {
    const shape = g.querySelector('rect.fill') || g;
    const box = shape.getBoundingClientRect();
    return {key: g.dataset.key, value: Number(g.dataset.value),
            text: g.querySelector('text.value').textContent,
            width: box.width, height: box.height,
            segments: [...g.querySelectorAll('rect.segment')].map(r => ({
              key: r.dataset.key, value: Number(r.dataset.value),
              height: r.getBoundingClientRect().height}))};
  })]))
"""
READ_TARGETS = """
[...document.querySelectorAll('#targets tbody tr')].map(tr => ({
  key: tr.dataset.key, reasons: tr.dataset.reasons,
  shown: [...tr.querySelectorAll('.reason')].map(s => s.textContent)}))
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    chromium = chromium_path()
    root = tmp_path_factory.mktemp("report")
    generate(root / "sample", n_companies=300, seed=11, as_of=AS_OF)
    defs = build_defs(root / "sample", root)
    assert run_nightly(defs, AS_OF).success
    result = run_nightly(defs, LATER)
    assert result.success
    metadata = result.asset_materializations_for_node("dormancy_report")[0].metadata
    path = Path(metadata["report"].value)
    with chromium_page(chromium) as page:
        page.open(path.as_uri())
        page.wait_for("document.querySelectorAll('svg.chart g').length > 0")
        charts = page.evaluate(READ_CHARTS)
        targets = page.evaluate(READ_TARGETS)
        kpis = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('.kpi')]"
            ".map(k => [k.dataset.key, k.querySelector('b').textContent]))"
        )
    tables = read_tables(root, "customers", "dormancy_history")
    return {"root": root, "metadata": metadata, "path": path, "charts": charts,
            "targets": targets, "kpis": kpis, **tables}  # fmt: skip


def assert_drawn_to_scale(bars: list[dict], size: str) -> None:
    """Bar lengths in the browser are proportional to their values (within a pixel)."""
    longest = max(bars, key=lambda bar: bar["value"])
    assert longest[size] > 100
    for bar in bars:
        assert bar[size] == pytest.approx(
            longest[size] * max(bar["value"], 0) / longest["value"], abs=1.0
        )


def test_the_report_is_linked_from_the_asset_metadata(report: dict) -> None:
    path = report["path"]
    assert path == report["root"] / "reports" / f"dormancy_{LATER.isoformat()}.html"
    assert path.is_file()
    assert report["metadata"]["open_report"].value == path.as_uri()
    assert report["metadata"]["reactivation_targets"].value == int(
        report["customers"]["tier"].isin(LAPSED).sum()
    )


def test_customers_and_past_spend_by_tier_match_the_warehouse(report: dict) -> None:
    customers = report["customers"]
    counts = customers.groupby("tier").size()
    spend = customers.groupby("tier")["lifetime_amount"].sum()
    by_tier = {bar["key"]: bar for bar in report["charts"]["chart-tier-customers"]}
    assert {k: bar["value"] for k, bar in by_tier.items()} == counts.to_dict()
    assert {k: bar["text"] for k, bar in by_tier.items()} == {
        k: f"{n:,}" for k, n in counts.items()
    }
    spent = {bar["key"]: bar for bar in report["charts"]["chart-tier-spend"]}
    assert {k: bar["value"] for k, bar in spent.items()} == pytest.approx(spend.to_dict())
    assert {k: bar["text"] for k, bar in spent.items()} == {
        k: f"{v:,.0f}円" for k, v in spend.items()
    }
    assert_drawn_to_scale(list(by_tier.values()), "width")
    assert_drawn_to_scale(list(spent.values()), "width")
    assert report["kpis"]["customers"] == f"{len(customers):,}社"


def test_tier_changes_per_run_date_match_the_history(report: dict) -> None:
    history = report["dormancy_history"]
    history["as_of_date"] = pd.to_datetime(history["as_of_date"]).dt.date.astype(str)
    moves = history[~history["tier_change"].isin(["new", "unchanged"])]
    columns = report["charts"]["chart-tier-changes"]
    assert [c["key"] for c in columns] == [AS_OF.isoformat(), LATER.isoformat()]
    totals = moves.groupby("as_of_date").size()
    assert {c["key"]: c["value"] for c in columns} == {
        AS_OF.isoformat(): 0,
        LATER.isoformat(): totals[LATER.isoformat()],
    }
    later = columns[1]
    assert later["text"] == f"{totals[LATER.isoformat()]:,}"
    kinds = moves[moves["as_of_date"] == LATER.isoformat()].groupby("tier_change").size()
    assert {s["key"]: s["value"] for s in later["segments"]} == kinds.to_dict()
    assert len(kinds) >= 2
    assert_drawn_to_scale(later["segments"], "height")


def test_top_reactivation_targets_carry_their_priority_and_reasons(report: dict) -> None:
    customers = report["customers"]
    expected = customers[customers["tier"].isin(LAPSED)].sort_values("priority_rank").head(TOP)
    bars = report["charts"]["chart-targets"]
    assert [b["key"] for b in bars] == list(expected["customer_id"])
    assert [b["value"] for b in bars] == list(expected["priority"])
    assert_drawn_to_scale(bars, "width")
    rows = report["targets"]
    assert [r["key"] for r in rows] == list(expected["customer_id"])
    assert [r["reasons"] for r in rows] == list(expected["priority_reasons"])
    assert all(len(r["shown"]) == len(r["reasons"].split(",")) for r in rows)
    assert any("過去の取引額が大きい" in r["shown"] for r in rows)
