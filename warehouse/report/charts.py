"""Inline SVG charts: no script and no external file, so the report opens anywhere, offline,
and a browser test can read each bar's exact value (data-value, 15 significant digits: yen
totals stay exact) beside the number it shows."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 200
BAR_WIDTH = 360
VALUE_WIDTH = 160
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_CHARS = 14


@dataclass(frozen=True)
class Bar:
    """One bar: `key` identifies it for machines, `label` and `text` are what people read."""

    key: str
    label: str
    value: float
    text: str
    colour: str


@dataclass(frozen=True)
class Column:
    """One column of a stacked chart: a run date and its parts, bottom first."""

    key: str
    label: str
    parts: list[Bar]


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def hbar_chart(chart_id: str, title: str, bars: list[Bar]) -> str:
    """Horizontal bars scaled to the largest value; negative values draw no bar."""
    top = max((bar.value for bar in bars), default=0) or 1
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = ROW_HEIGHT * max(len(bars), 1)
    rows = []
    for i, bar in enumerate(bars):
        y = i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        length = max(bar.value, 0) / top * BAR_WIDTH
        text_y = y + BAR_HEIGHT - 4
        rows.append(
            f'<g class="bar" data-key="{escape(bar.key)}" data-value="{bar.value:.15g}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{text_y:g}" text-anchor="end">'
            f"{escape(_short(bar.label))}</text>"
            f'<rect class="fill" x="{LABEL_WIDTH}" y="{y:g}" width="{length:.2f}" '
            f'height="{BAR_HEIGHT}" fill="{bar.colour}"/>'
            f'<text class="value" x="{LABEL_WIDTH + length + 6:.2f}" y="{text_y:g}">'
            f"{escape(bar.text)}</text></g>"
        )
    return (
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        + "".join(rows)
        + "</svg>"
    )


def stacked_chart(chart_id: str, title: str, columns: list[Column]) -> str:
    """Vertical stacked columns, one per run date, with the total above each column."""
    plot_height, axis, top_margin = 220, 40, 20
    top = max((sum(p.value for p in col.parts) for col in columns), default=0) or 1
    step = max(28, min(72, 720 // max(len(columns), 1)))
    width = step * max(len(columns), 1) + 20
    height = top_margin + plot_height + axis
    base = top_margin + plot_height
    out = []
    for i, col in enumerate(columns):
        x = 10 + i * step + step * 0.15
        bar_width = step * 0.7
        total = sum(p.value for p in col.parts)
        y = base
        parts = []
        for part in col.parts:
            h = part.value / top * plot_height
            y -= h
            parts.append(
                f'<rect class="segment" data-key="{escape(part.key)}" data-value="{part.value:.15g}" '
                f'x="{x:.2f}" y="{y:.2f}" width="{bar_width:.2f}" height="{h:.2f}" '
                f'fill="{part.colour}"><title>{escape(col.key)} {escape(part.label)}: '
                f"{escape(part.text)}</title></rect>"
            )
        centre = x + bar_width / 2
        out.append(
            f'<g class="column" data-key="{escape(col.key)}" data-value="{total:.15g}">'
            + "".join(parts)
            + f'<text class="value" x="{centre:.2f}" y="{y - 4:.2f}" text-anchor="middle">'
            f"{total:,.0f}</text>"
            f'<text class="label" x="{centre:.2f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(col.label)}</text></g>"
        )
    return (
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<line class="axis" x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#999"/>'
        + "".join(out)
        + "</svg>"
    )
