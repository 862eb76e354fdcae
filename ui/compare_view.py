"""The "Compare outlets" view: one column per outlet, the silent outlets, the disagreements, and
a coverage chart (inline SVG) with its table; pure HTML functions and one handler."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import gradio as gr

from assistant import (
    Citation,
    Comparison,
    Coverage,
    OutletCoverage,
    Settings,
    compare,
    comparison_coverage,
    comparison_markdown,
)
from assistant.quote_marks import shown_quote
from ui.handlers import friendly_error, parse_date
from ui.render import esc, format_date

# Chart geometry in SVG user units: room for the period labels below and the counts at the left.
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 220, 36
# Outlet colours for the chart, reused in order (colour-blind-safe Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
EMPTY_COMPARE = '<div class="nc-empty">Ask a question to see how each outlet covers it.</div>'

COMPARE_CSS = """
.nc-columns { display: flex; gap: 12px; overflow-x: auto; align-items: flex-start; }
.nc-column { flex: 1 1 0; min-width: 220px; border: 1px solid var(--border-color-primary, #ddd);
  border-radius: 10px; padding: 8px 10px; background: var(--background-fill-secondary, #fafafa); }
.nc-column h3 { margin: 0 0 6px 0; font-size: 1.05em; }
.nc-quote { margin: 8px 0; }
.nc-quote blockquote { margin: 2px 0 0 0; padding: 2px 8px; border-left: 3px solid #1677ff;
  font-size: 0.92em; }
.nc-silent, .nc-differ, .nc-empty { margin-top: 10px; }
.nc-differ li { margin: 4px 0; }
.nc-table { border-collapse: collapse; margin-top: 6px; font-size: 0.9em; }
.nc-outlet, .na-outlet { font-weight: 600; }
.na-num { color: #1677ff; font-weight: 600; }
.na-nodate { font-style: italic; }
.na-error { color: #820014; }
.nc-chart { max-height: 260px; }
.nc-table th, .nc-table td { border: 1px solid var(--border-color-primary, #ddd); padding: 2px 6px; }
"""


def render_comparison(comparison: Comparison) -> str:
    """The outlets side by side, then the silent outlets and the disagreements, as escaped HTML."""
    if not comparison.outlets:
        columns = '<div class="nc-empty">No outlet in the index has anything relevant.</div>'
    else:
        columns = '<div class="nc-columns">' + "".join(_column(c) for c in comparison.outlets) + "</div>"
    silent = ", ".join(esc(o) for o in comparison.silent) or "none: every outlet covers it"
    parts = [
        f'<div class="nc-compare" data-question="{esc(comparison.question)}">',
        columns,
        f'<div class="nc-silent"><b>Nothing relevant from:</b> {silent}</div>',
    ]
    if comparison.disagreements:
        items = "".join(
            f'<li class="nc-disagreement"><b>{esc(d.kind)}</b>: {esc(shown_quote(d.first))} '
            f"({esc(d.first_citation.outlet)} [{d.first_citation.number}]) vs {esc(shown_quote(d.second))} "
            f"({esc(d.second_citation.outlet)} [{d.second_citation.number}])</li>"
            for d in comparison.disagreements
        )
        parts.append(f'<div class="nc-differ"><b>Where the outlets differ</b><ul>{items}</ul></div>')
    return "".join(parts) + "</div>"


def _column(column: OutletCoverage) -> str:
    """One outlet's column: its name and each verified quote under its date and headline."""
    quotes = "".join(_quote(c) for c in column.citations)
    name = esc(column.outlet)
    return f'<div class="nc-column" data-outlet="{name}"><h3>{name}</h3>{quotes}</div>'


def _quote(citation: Citation) -> str:
    """A numbered quote under its date and headline (the column names the outlet)."""
    when = "na-date" if citation.published else "na-date na-nodate"
    return (
        f'<div class="nc-quote"><span class="na-num">[{citation.number}]</span> '
        f'<span class="{when}">{esc(format_date(citation.published))}</span> · '
        f'<span class="na-headline">{esc(citation.title or "Untitled")}</span>'
        f"<blockquote>{esc(citation.shown_quote(wrap=False))}</blockquote></div>"
    )


def coverage_svg(found: Coverage) -> str:
    """A grouped bar chart of matching articles per outlet per period, as inline SVG."""
    if not found.periods or not found.outlets:
        return '<div class="nc-empty">No dated articles to chart.</div>'
    peak = max(max(o.counts, default=0) for o in found.outlets) or 1
    width, height, pad = CHART_WIDTH, CHART_HEIGHT, CHART_PAD
    slot = (width - 2 * pad) / len(found.periods)
    bar = slot * 0.8 / len(found.outlets)
    shapes = []
    for i, label in enumerate(found.periods):
        x0 = pad + i * slot + slot * 0.1
        for j, row in enumerate(found.outlets):
            value = row.counts[i]
            h = (height - 2 * pad) * value / peak
            shapes.append(f'<rect x="{x0 + j * bar:.1f}" y="{height - pad - h:.1f}" width="{bar:.1f}" '
                          f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                          f"<title>{esc(row.outlet)}, {esc(label)}: {value}</title></rect>")  # fmt: skip
        if len(found.periods) <= 12 or i % ((len(found.periods) + 11) // 12) == 0:
            shapes.append(f'<text x="{x0:.1f}" y="{height - pad + 14}" font-size="10">{esc(label)}</text>')
    legend = "".join(
        f'<text x="{pad + j * 150}" y="14" font-size="11" fill="{PALETTE[j % len(PALETTE)]}">■ '
        f"{esc(row.outlet)}</text>"
        for j, row in enumerate(found.outlets)
    )
    axis = f'<text x="4" y="{pad}" font-size="10">{peak}</text>'
    return (
        f'<svg class="nc-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="Matching articles per outlet per {found.period}">{legend}{axis}{"".join(shapes)}</svg>'
    )


def coverage_table(found: Coverage) -> str:
    """The coverage counts as an HTML table."""
    header, *body = found.rows(nonempty_only=True)
    head = "".join(f"<th>{esc(cell)}</th>" for cell in header)
    rows = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in body)
    return f'<table class="nc-table"><tr>{head}</tr>{rows}</table>'


def render_coverage(found: Coverage) -> str:
    """The chart and the table under a heading."""
    undated = ", ".join(f"{esc(o)}: {n}" for o, n in sorted(found.undated.items()))
    note = f'<div class="nc-undated">Not charted, no date on the page: {undated}</div>' if undated else ""
    return (
        f'<div class="nc-coverage"><b>Matching articles per {esc(found.period)}</b>'
        f"{coverage_svg(found)}{note}{coverage_table(found)}</div>"
    )


class CompareHandlers:
    """The compare view's event: compare the outlets and chart their coverage."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.exports = Path(tempfile.mkdtemp(prefix="news-compare-"))

    def run(
        self, question: str, outlets: Sequence[str] | None, since: str, until: str
    ) -> tuple[str, str | None, str | None]:
        """(HTML of the comparison and coverage, Markdown export path, CSV export path)."""
        try:
            filters = {
                "outlets": list(outlets or []) or None,
                "since": parse_date(since, "Since"),
                "until": parse_date(until, "Until"),
                "settings": self.settings,
            }
            comparison = compare(question, **filters)  # type: ignore[arg-type]
            found = comparison_coverage(comparison)
        except Exception as exc:
            return f'<div class="na-error">{esc(friendly_error(exc))}</div>', None, None
        stem = f"compare-{uuid.uuid4().hex[:8]}"
        markdown = self.exports / f"{stem}.md"
        markdown.write_text(comparison_markdown(comparison, found), encoding="utf-8")
        table = self.exports / f"{stem}-coverage.csv"
        table.write_text(found.to_csv(), encoding="utf-8")
        return render_comparison(comparison) + render_coverage(found), str(markdown), str(table)


def compare_tab(settings: Settings, outlets: Sequence[str]) -> None:
    """The compare view's components and events, inside the current Blocks tab."""
    handlers = CompareHandlers(settings)
    with gr.Row():
        question = gr.Textbox(
            placeholder="What do the outlets say about…",
            show_label=False,
            elem_id="compare-question",
            scale=5,
        )
        run = gr.Button("Compare", variant="primary", scale=1, elem_id="compare-run")
    with gr.Row():
        chosen = gr.Dropdown(choices=list(outlets), multiselect=True, label="Outlets (none chosen = all)")
        since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD")
        until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD")
    view = gr.HTML(
        EMPTY_COMPARE, css_template=COMPARE_CSS, elem_id="compare-view", container=True, padding=True
    )
    with gr.Row():
        markdown = gr.DownloadButton("Export Markdown", elem_id="compare-export-md")
        table = gr.DownloadButton("Export coverage CSV", elem_id="compare-export-csv")
    for trigger in (question.submit, run.click):
        trigger(handlers.run, [question, chosen, since, until], [view, markdown, table],
                concurrency_id="answer", api_visibility="private")  # fmt: skip
