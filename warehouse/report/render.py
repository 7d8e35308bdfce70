"""The dormancy report as one HTML page: Japanese content under English headings, inline
CSS and SVG only, so it can be mailed or opened from a shared folder without a network."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import pandas as pd

from warehouse.report.charts import Bar, Column, hbar_chart, stacked_chart
from warehouse.report.data import ReportData
from warehouse.report.labels import CHANGES, REASONS, TIERS, colour, label, ordered

STYLE = """
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif;
       margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h1 span, h2 span { font-weight: normal; color: #666; font-size: .8em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2.5rem; }
.kpis { display: flex; gap: 1rem; } .kpi { background: #f5f5f5; padding: .6rem 1rem; }
.kpi b { display: block; font-size: 1.4rem; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: .5rem 0; }
figcaption { font-size: .9rem; color: #555; margin-bottom: .3rem; }
.chart text { font-size: 12px; fill: #333; }
table { border-collapse: collapse; margin-top: 1rem; font-size: .85rem; width: 100%; }
th, td { border-bottom: 1px solid #e0e0e0; padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th, td.num, td.nowrap { white-space: nowrap; } td.num { text-align: right; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; }
.reason { display: inline-block; background: #eef3fb; border-radius: 3px; padding: 0 .3rem;
          margin: 0 .2rem .2rem 0; }
.note { color: #666; }
"""


def yen(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.0f}円"


def count(value: float) -> str:
    return f"{value:,.0f}"


def render_report(data: ReportData) -> str:
    """The whole page for one run date."""
    title = f"Dormancy report 休眠顧客レポート {data.as_of.isoformat()}"
    return (
        '<!doctype html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"{_header(data)}{_tiers(data)}{_changes(data)}{_targets(data)}"
        '<footer class="note"><p>horiokoshi 掘り起こし ・ 出典: v_tier_summary, '
        "dormancy_history, v_reactivation_targets</p></footer></body></html>\n"
    )


def _header(data: ReportData) -> str:
    customers = int(data.tiers["customers"].sum())
    kpis = [
        ("判定基準日", data.as_of.isoformat()),
        ("顧客数", f"{count(customers)}社"),
        ("掘り起こし対象", f"{count(data.target_count)}社"),
    ]
    boxes = "".join(
        f'<div class="kpi" data-key="{key}">{escape(name)}<b>{escape(value)}</b></div>'
        for key, (name, value) in zip(("as_of", "customers", "targets"), kpis, strict=True)
    )
    return (
        "<header><h1>Dormancy report <span>休眠顧客レポート</span></h1>"
        f'<div class="kpis">{boxes}</div></header>'
    )


def _tiers(data: ReportData) -> str:
    tiers = data.tiers.set_index("tier")
    order = ordered(list(tiers.index), TIERS)

    def bars(column: str, fmt: Callable[[float], str]) -> list[Bar]:
        return [
            Bar(
                t,
                label(TIERS, t),
                float(tiers.at[t, column]),
                fmt(tiers.at[t, column]),
                colour(TIERS, t),
            )
            for t in order
        ]

    rows = "".join(
        f'<tr data-key="{escape(t)}"><td>{escape(label(TIERS, t))}</td>'
        f'<td class="num">{count(tiers.at[t, "customers"])}</td>'
        f'<td class="num">{yen(tiers.at[t, "lifetime_amount"])}</td>'
        f'<td class="num">{yen(tiers.at[t, "amount_12m"])}</td></tr>'
        for t in order
    )
    return (
        '<section id="tiers"><h2>Customers and past spend by tier '
        "<span>休眠区分別の顧客数と累計取引額</span></h2>"
        '<div class="pair"><figure><figcaption>顧客数（社）</figcaption>'
        + hbar_chart("chart-tier-customers", "顧客数（休眠区分別）", bars("customers", count))
        + "</figure><figure><figcaption>累計取引額（円）</figcaption>"
        + hbar_chart("chart-tier-spend", "累計取引額（休眠区分別）", bars("lifetime_amount", yen))
        + "</figure></div><table><thead><tr><th>休眠区分</th><th>顧客数</th><th>累計取引額</th>"
        f"<th>直近12か月の取引額</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _changes(data: ReportData) -> str:
    kinds = ordered(list(data.changes["tier_change"].unique()), CHANGES)
    counts = data.changes.set_index(["as_of_date", "tier_change"])["customers"]
    columns = [
        Column(
            day.isoformat(),
            day.strftime("%m/%d"),
            [
                Bar(
                    kind,
                    label(CHANGES, kind),
                    float(counts[(day, kind)]),
                    count(counts[(day, kind)]),
                    colour(CHANGES, kind),
                )
                for kind in kinds
                if (day, kind) in counts.index
            ],
        )
        for day in data.run_dates
    ]
    legend = "".join(
        f'<span><i style="background:{colour(CHANGES, k)}"></i>{escape(label(CHANGES, k))}</span>'
        for k in kinds
    )
    note = (
        ""
        if kinds
        else '<p class="note">前回の判定日と比べて区分が変わった顧客はいません'
        "（初回の判定では比較対象がありません）。</p>"
    )
    return (
        '<section id="changes"><h2>Tier changes over the history '
        "<span>判定日ごとの休眠区分の変化（社数）</span></h2>"
        + note
        + stacked_chart("chart-tier-changes", "判定日ごとの休眠区分の変化", columns)
        + f'<div class="legend">{legend}</div></section>'
    )


def _targets(data: ReportData) -> str:
    targets = data.targets
    bars = [
        Bar(
            row.customer_id,
            str(row.name),
            float(row.priority),
            count(row.priority),
            colour(TIERS, row.tier),
        )
        for row in targets.itertuples()
    ]
    rows = "".join(_target_row(row) for row in targets.itertuples())
    return (
        '<section id="targets"><h2>Top reactivation targets '
        f"<span>掘り起こし優先度の上位{len(targets)}社（対象 全{count(data.target_count)}社）"
        "</span></h2><figure><figcaption>掘り起こし優先度（0〜100）</figcaption>"
        + hbar_chart("chart-targets", "掘り起こし優先度の上位顧客", bars)
        + "</figure><table><thead><tr><th>順位</th><th>顧客名</th><th>休眠区分</th>"
        "<th>優先度</th><th>理由</th><th>最終購入日</th><th>累計取引額</th><th>推奨アクション</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _target_row(row: Any) -> str:
    """One row of v_reactivation_targets (a DataFrame.itertuples() tuple)."""
    codes = [c for c in str(row.priority_reasons or "").split(",") if c]
    reasons = "".join(
        f'<span class="reason" title="{escape(c)}">{escape(REASONS.get(c, c))}</span>'
        for c in codes
    )
    last = "—" if pd.isna(row.last_purchase_date) else str(row.last_purchase_date)[:10]
    return (
        f'<tr data-key="{escape(row.customer_id)}" data-reasons="{escape(",".join(codes))}">'
        f'<td class="num">{row.priority_rank}</td><td>{escape(str(row.name))}</td>'
        f'<td class="nowrap">{escape(label(TIERS, row.tier))}</td>'
        f'<td class="num">{count(row.priority)}</td><td>{reasons}</td>'
        f'<td class="num">{last}</td><td class="num">{yen(row.lifetime_amount)}</td>'
        f"<td>{escape(str(row.recommended_action or ''))}</td></tr>"
    )
