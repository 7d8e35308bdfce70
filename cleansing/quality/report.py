"""The human-readable quality report: one HTML section per suite run, one page per run.

Sections are rendered as each check finishes (checks may run in separate processes), so the
page is assembled from already-rendered sections rather than from the outcomes themselves.
"""

from __future__ import annotations

from html import escape

from cleansing.quality.model import ExpectationOutcome, GroupOutcome, SuiteOutcome

STYLE = """
body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin-bottom:1.5rem;width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.pass{color:#17692b}.fail{color:#b00020;font-weight:bold}
.warn{color:#a05a00;font-weight:bold}.skip{color:#777}code{font-size:.85em}
"""


def _status(group: GroupOutcome) -> tuple[str, str]:
    if group.passed:
        return "pass", "passed"
    return ("fail", "FAILED (blocks the load)") if group.blocking else ("warn", "warning")


def _verdict(outcome: ExpectationOutcome) -> str:
    if outcome.success is None:
        return '<span class="skip">skipped</span>'
    return '<span class="pass">ok</span>' if outcome.success else '<span class="fail">failed</span>'


def _group_rows(group: GroupOutcome) -> str:
    css, status = _status(group)
    rows = []
    for i, outcome in enumerate(group.expectations):
        head = (
            f'<td rowspan="{len(group.expectations)}"><b>{escape(group.name)}</b><br>'
            f"{escape(group.description)}</td>"
            f'<td rowspan="{len(group.expectations)}">{"ERROR" if group.blocking else "WARN"}</td>'
            f'<td rowspan="{len(group.expectations)}" class="{css}">{status}</td>'
            if i == 0
            else ""
        )
        samples = "<br>".join(f"<code>{escape(s)}</code>" for s in outcome.samples)
        rows.append(
            f"<tr>{head}<td><code>{escape(outcome.label)}</code></td><td>{_verdict(outcome)}"
            f"</td><td>{outcome.unexpected_count}</td><td>{samples}</td>"
            f"<td>{escape(outcome.note)}</td></tr>"
        )
    return "".join(rows)


def render_section(outcome: SuiteOutcome) -> str:
    """One suite run as an HTML fragment."""
    failed = sum(not g.passed for g in outcome.groups)
    return (
        f'<section id="{escape(outcome.suite)}"><h2>{escape(outcome.suite)} '
        f"<small>on asset <code>{escape(outcome.asset)}</code>, {outcome.rows} rows, "
        f"{failed} of {len(outcome.groups)} checks failing</small></h2>"
        "<table><tr><th>check</th><th>severity</th><th>status</th><th>expectation</th>"
        "<th>result</th><th>unexpected</th><th>samples</th><th>note</th></tr>"
        + "".join(_group_rows(g) for g in outcome.groups)
        + "</table></section>"
    )


def render_page(run_id: str, sections: list[str]) -> str:
    """The report page of one run from its rendered sections."""
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>Data quality: run {escape(run_id)}</title><style>{STYLE}</style></head><body>"
        f"<h1>Data quality: run <code>{escape(run_id)}</code></h1>"
        "<p>ERROR checks block the warehouse load when they fail; WARN checks only warn. "
        "Samples show the first failing rows with their ids.</p>"
        + "".join(sections)
        + "</body></html>"
    )
