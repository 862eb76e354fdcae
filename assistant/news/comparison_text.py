"""A comparison of outlets as plain text (the terminal) and as Markdown (exports)."""

from __future__ import annotations

from assistant.markdown_text import markdown_literal as md
from assistant.news.comparison import Comparison
from assistant.news.timeline import Coverage
from assistant.quote_marks import shown_quote
from assistant.types import Citation


def _credit(citation: Citation) -> str:
    """'[3] TASS · 28 Dec 2016 · Headline'."""
    return f"[{citation.number}] {citation.label()}"


def _quote(citation: Citation, wrap: bool = False) -> str:
    """The quote on one line, whitespace folded and its marks paired (in “ ” with wrap)."""
    return citation.shown_quote(wrap=wrap)


def comparison_text(comparison: Comparison) -> str:
    """The comparison for a terminal: each outlet's quotes, the silent outlets, the disagreements."""
    lines = [f"Compared outlets on: {comparison.question}", ""]
    if not comparison.outlets:
        lines.append(comparison.no_columns_note())
    for coverage in comparison.outlets:
        lines.append(f"== {coverage.outlet} ({len(coverage.articles)} matching article(s))")
        for citation in coverage.citations:
            lines += [f"  {_credit(citation)}", f"    {_quote(citation, wrap=True)}"]
        lines.append("")
    if comparison.unclear:
        lines.append(f"Near the question, no clear answer: {', '.join(comparison.unclear)}")
    if comparison.silent:
        lines.append(f"Nothing relevant from: {', '.join(comparison.silent)}")
    for disagreement in comparison.disagreements:
        a, b = disagreement.first_citation, disagreement.second_citation
        lines.append(f"Differ on a {disagreement.kind}: {shown_quote(disagreement.first)} [{a.number}] "
                     f"vs {shown_quote(disagreement.second)} [{b.number}]")  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


def comparison_markdown(comparison: Comparison, coverage: Coverage | None = None) -> str:
    """The comparison as Markdown, with the coverage table when given; every text from the articles
    or the user escaped, so markup in a quote shows as text."""
    lines = [f"# Outlets compared: {md(comparison.question)}", ""]
    for column in comparison.outlets:
        lines += [f"## {md(column.outlet)}", ""]
        for citation in column.citations:
            lines += [f"> {md(_quote(citation))}", ">", f"> — {md(_credit(citation))}", ""]
    if comparison.unclear:
        unclear = ", ".join(md(o) for o in comparison.unclear)
        lines += ["## Near the question, no clear answer", "", unclear, ""]
    silent = ", ".join(md(o) for o in comparison.silent) or "None: every outlet covers it."
    lines += ["## Silent outlets", "", silent, ""]
    if comparison.disagreements:
        lines += ["## Where the outlets differ", ""]
        for d in comparison.disagreements:
            a, b = d.first_citation, d.second_citation
            lines.append(f"- {d.kind}: {md(shown_quote(d.first))} ({md(a.outlet)} [{a.number}]) vs "
                         f"{md(shown_quote(d.second))} ({md(b.outlet)} [{b.number}])")  # fmt: skip
        lines.append("")
    if coverage is not None and coverage.outlets:
        lines += [
            f"## Matching articles per {coverage.period}",
            "",
            coverage.to_markdown(nonempty_only=True),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
