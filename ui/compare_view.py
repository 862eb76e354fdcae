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
    get_article,
)
from assistant.quote_marks import shown_quote
from ui.coverage_chart import bar_unit, coverage_svg
from ui.handlers import EMPTY_ARTICLE, export_button, export_update, friendly_error, parse_date
from ui.render import esc, format_date, render_article
from ui.styles import ARTICLE_CSS, ARTICLE_JS, CHAT_JS, button_min_width

EMPTY_COMPARE = '<div class="nc-empty">Ask a question to see how each outlet covers it.</div>'

# Columns wrap rather than scroll; 150 px basis: four columns and their gaps fit the compare view
# beside the article panel at 1400 px (670 px wide), each still about 20 characters a line.
COMPARE_CSS = """
.nc-columns { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.nc-column { flex: 1 1 150px; min-width: 0; overflow-wrap: anywhere;
  border: 1px solid var(--border-color-primary, #ddd); border-radius: 10px; padding: 8px 10px;
  background: var(--background-fill-secondary, #fafafa); }
.nc-column h3 { margin: 0 0 6px 0; font-size: 1.05em; }
.nc-quote { margin: 8px 0; }
.nc-quote blockquote { margin: 2px 0 0 0; padding: 2px 8px; border-left: 3px solid #1677ff;
  font-size: 0.92em; }
.nc-silent, .nc-unclear, .nc-differ, .nc-empty { margin-top: 10px; }
.nc-differ li { margin: 4px 0; }
.nc-table { border-collapse: collapse; margin-top: 6px; font-size: 0.9em; }
.nc-outlet, .na-outlet { font-weight: 600; }
.na-num { color: #1677ff; font-weight: 600; }
.na-nodate { font-style: italic; }
.na-error { color: #820014; }
.nc-chart { max-height: 260px; }
.nc-table th, .nc-table td { border: 1px solid var(--border-color-primary, #ddd); padding: 2px 6px; }
.nc-article { margin: 8px 0; }
.na-cite, .na-article-link { font: inherit; color: inherit; background: none; border: none;
  padding: 0; cursor: pointer; text-align: left; }
.na-cite:hover, .na-article-link:hover .na-headline { text-decoration: underline; }
.na-cite:focus-visible, .na-article-link:focus-visible { outline: 2px solid #1677ff; outline-offset: 2px; }
.na-headline { font-weight: 600; }
.na-speaker { font-weight: 600; }
"""


def render_comparison(comparison: Comparison) -> str:
    """The outlets side by side, then the silent outlets and the disagreements, as escaped HTML."""
    if not comparison.outlets:
        columns = f'<div class="nc-empty">{esc(comparison.no_columns_note())}</div>'
    else:
        columns = '<div class="nc-columns">' + "".join(_column(c) for c in comparison.outlets) + "</div>"
    silent = ", ".join(esc(o) for o in comparison.silent) or "none: every outlet covers it"
    items = "".join(
        f'<li class="nc-disagreement"><b>{esc(d.kind)}</b>: {esc(shown_quote(d.first))} '
        f"({esc(d.first_citation.outlet)} [{d.first_citation.number}]) vs {esc(shown_quote(d.second))} "
        f"({esc(d.second_citation.outlet)} [{d.second_citation.number}])</li>"
        for d in comparison.disagreements
    )
    differ = f"<ul>{items}</ul>" if items else " none found"
    return (
        f'<div class="nc-compare" data-question="{esc(comparison.question)}">{columns}'
        f"{_unclear(comparison)}"
        f'<div class="nc-silent"><b>Nothing relevant from:</b> {silent}</div>'
        f'<div class="nc-differ"><b>Where the outlets differ:</b>{differ}</div></div>'
    )


def _unclear(comparison: Comparison) -> str:
    """The outlets near the question that no quote answers clearly (empty when none)."""
    if not comparison.unclear:
        return ""
    names = ", ".join(esc(o) for o in comparison.unclear)
    return f'<div class="nc-unclear"><b>Near the question, no clear answer:</b> {names}</div>'


def _column(column: OutletCoverage) -> str:
    """One outlet's column: each article's date and headline once (opening the article), then the
    article's verified quotes."""
    articles: dict[str, list[Citation]] = {}
    for citation in column.citations:
        articles.setdefault(citation.article_id or citation.source, []).append(citation)
    name = esc(column.outlet)
    body = "".join(_article(quotes) for quotes in articles.values())
    return f'<div class="nc-column" data-outlet="{name}"><h3>{name}</h3>{body}</div>'


def _article(quotes: list[Citation]) -> str:
    """One article of a column: its date and headline, then its numbered quotes."""
    first = quotes[0]
    when = "na-date" if first.published else "na-date na-nodate"
    head = (
        f'<button type="button" class="na-article-link" data-article="{esc(first.article_id)}">'
        f'<span class="{when}">{esc(format_date(first.published))}</span> · '
        f'<span class="na-headline">{esc(first.title or "Untitled")}</span></button>'
    )
    return f'<div class="nc-article">{head}{"".join(_quote(c) for c in quotes)}</div>'


def _quote(citation: Citation) -> str:
    """A numbered quote with who said it; clicking it opens the article at the quote."""
    said = f'<span class="na-speaker">{esc(citation.speaker)}</span> said' if citation.speaker else "Reported"
    return (
        f'<div class="nc-quote"><button type="button" class="na-cite" data-cite="compare:{citation.number}">'
        f'<span class="na-num">[{citation.number}]</span> {said}</button>'
        f"<blockquote>{esc(citation.shown_quote())}</blockquote></div>"
    )


def compare_citation(comparison: Comparison | None, cite: str) -> Citation | None:
    """The citation a 'compare:n' click names, None when the comparison has no such number."""
    _, _, number = cite.partition(":")
    if comparison is None or not number.isdigit():
        return None
    return next((c for c in comparison.citations() if c.number == int(number)), None)


def coverage_table(found: Coverage) -> str:
    """The coverage counts as an HTML table."""
    header, *body = found.rows(nonempty_only=True)
    head = "".join(f"<th>{esc(cell)}</th>" for cell in header)
    rows = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in body)
    return f'<table class="nc-table"><tr>{head}</tr>{rows}</table>'


def render_coverage(found: Coverage) -> str:
    """The chart (when there are enough periods to chart) and the table under a heading."""
    undated = ", ".join(f"{esc(o)}: {n}" for o, n in sorted(found.undated.items()))
    chart = coverage_svg(found)
    note = ""
    if undated and chart:  # without a chart, the table's own column says it
        note = f'<div class="nc-undated">Not charted, no date on the page: {undated}</div>'
    unit = bar_unit(found) if found.periods and found.outlets else found.period
    heading = (
        f"Matching articles per {esc(unit)}"
        if "<svg" in chart
        else f"Matching articles per {esc(found.period)}"
    )
    if "<svg" in chart and unit != found.period:
        heading += f" (table: per {esc(found.period)})"
    return f'<div class="nc-coverage"><b>{heading}</b>{chart}{note}{coverage_table(found)}</div>'


class CompareHandlers:
    """The compare view's event: compare the outlets and chart their coverage."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.exports = Path(tempfile.mkdtemp(prefix="news-compare-"))

    def run(
        self, question: str, outlets: Sequence[str] | None, since: str, until: str
    ) -> tuple[str, str | None, str | None, Comparison | None]:
        """(HTML of the comparison and coverage, Markdown export path, CSV export path, the
        comparison for opening its quotes)."""
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
            return f'<div class="na-error">{esc(friendly_error(exc))}</div>', None, None, None
        stem = f"compare-{uuid.uuid4().hex[:8]}"
        markdown = self.exports / f"{stem}.md"
        markdown.write_text(comparison_markdown(comparison, found), encoding="utf-8")
        table = self.exports / f"{stem}-coverage.csv"
        table.write_text(found.to_csv(), encoding="utf-8")
        html = render_comparison(comparison) + render_coverage(found)
        return html, str(markdown), str(table), comparison

    def show_source(self, comparison: Comparison | None, evt: gr.EventData) -> str:
        """Open the clicked quote's article with the quote highlighted, or the clicked article."""
        data = getattr(evt, "_data", None) or {}
        try:
            if data.get("cite"):
                citation = compare_citation(comparison, str(data["cite"]))
                if citation is None:
                    return render_article(None, missing="That quote is no longer in this comparison.")
                return render_article(get_article(citation.article_id, settings=self.settings), citation)
            if data.get("article"):
                return render_article(get_article(str(data["article"]), settings=self.settings))
        except Exception as exc:  # the UI edge: errors become messages
            return render_article(None, missing=friendly_error(exc))
        return gr.skip()


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
        width = button_min_width("Compare")
        run = gr.Button("Compare", variant="primary", scale=1, min_width=width, elem_id="compare-run")
    with gr.Row():
        chosen = gr.Dropdown(choices=list(outlets), multiselect=True, label="Outlets (none chosen = all)")
        since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD")
        until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD")
    with gr.Row():
        with gr.Column(scale=3):
            view = gr.HTML(EMPTY_COMPARE, css_template=COMPARE_CSS, js_on_load=CHAT_JS,
                           elem_id="compare-view", container=True, padding=True)  # fmt: skip
        with gr.Column(scale=2):
            article = gr.HTML(EMPTY_ARTICLE, css_template=ARTICLE_CSS, js_on_load=ARTICLE_JS,
                              elem_id="compare-article", show_label=False,
                              max_height=560, container=True, padding=True)  # fmt: skip
    shown = gr.State(None)
    with gr.Row():
        markdown = export_button("Export Markdown", elem_id="compare-export-md")
        table = export_button("Export coverage CSV", elem_id="compare-export-csv")

    def run_and_offer(*inputs: object) -> tuple[object, ...]:
        """The comparison, with its exports enabled once they are written."""
        html, md_path, csv_path, found = handlers.run(*inputs)  # type: ignore[arg-type]
        return html, export_update(md_path), export_update(csv_path), found

    for trigger in (question.submit, run.click):
        trigger(run_and_offer, [question, chosen, since, until], [view, markdown, table, shown],
                concurrency_id="answer", api_visibility="private")  # fmt: skip
    view.click(handlers.show_source, [shown], [article], api_visibility="private")
