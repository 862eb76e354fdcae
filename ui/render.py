"""HTML for the conversation, citations and articles: pure functions, every text escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from assistant import Answer, ArticleRef, Citation, SourceMatch

NO_DATE = "date not stated"
NO_TEXT = "The articles give no answer that could be checked against its quotes."
_MARKER = re.compile(r"\[(\d+)\]")
# The badge of a declined answer, by Answer.decline_reason: the filters, the articles, or the question.
NOT_IN = "Not in the articles"
NO_MATCH = "No articles match the filters"
DECLINE_BADGES = {
    "outlet_not_indexed": NO_MATCH,
    "out_of_date_range": NO_MATCH,
    "no_articles_for_filters": NO_MATCH,
    "instruction": "Not a question about the articles",
}
# Who wrote an answer's summary, in a reader's words, by generator name (others: "a language model").
MODEL_WRITERS = {"local": "the local model", "openai": "a hosted model"}
# Characters that HTML escaping leaves alone but a template or Markdown renderer could act on.
_EXTRA = str.maketrans({"$": "&#36;", "`": "&#96;", "{": "&#123;", "}": "&#125;"})


class ArticleLike(Protocol):
    """What the UI needs of an indexed article (list_articles / get_article return these)."""

    id: str
    outlet: str | None
    title: str | None
    published: date | None
    source: str
    text: str


@dataclass
class Turn:
    """One exchange: the question, then the streamed text, the final Answer or an error."""

    question: str
    partial: str = ""
    answer: Answer | None = None
    error: str | None = None


def esc(text: object) -> str:
    """Escape any text for HTML (quotes, template and Markdown syntax included)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA)


def format_date(value: date | None) -> str:
    """'2 Mar 2020', or 'date not stated' when the article gives no date."""
    return f"{value.day} {value.strftime('%b %Y')}" if value else NO_DATE


def credit_html(outlet: str | None, published: date | None, title: str | None) -> str:
    """'Outlet · date · Headline' as escaped HTML spans."""
    when = format_date(published)
    date_class = "na-date na-nodate" if published is None else "na-date"
    return (
        f'<span class="na-outlet">{esc(outlet or "Unknown outlet")}</span> · '
        f'<span class="{date_class}">{esc(when)}</span> · '
        f'<span class="na-headline">{esc(title or "Untitled")}</span>'
    )


def _paragraphs(text: str) -> str:
    """Escaped text as paragraphs (blank lines) with line breaks."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{esc(p).replace(chr(10), '<br>')}</p>" for p in parts)


def _with_markers(text: str, turn: int, citations: Sequence[Citation]) -> str:
    """Escaped answer text whose [n] markers open their citations when clicked."""
    known = {c.number: c for c in citations}

    def marker(match: re.Match[str]) -> str:
        number = int(match.group(1))
        cite = known.get(number)
        if cite is None:
            return match.group(0)
        title = esc(f"{cite.outlet or 'Unknown outlet'}, {format_date(cite.published)}")
        return (
            f'<button type="button" class="na-marker" data-cite="{turn}:{number}" '
            f'title="{title}">[{number}]</button>'
        )

    return _MARKER.sub(marker, _paragraphs(text))


def said_by_html(citation: Citation) -> str:
    """'<speaker> said, as reported by <outlet · date · headline>' or 'Reported by <...>', escaped."""
    credit = credit_html(citation.outlet, citation.published, citation.title)
    if citation.speaker:
        return f'<span class="na-speaker">{esc(citation.speaker)}</span> said, as reported by {credit}'
    return f"Reported by {credit}"


def render_citation(turn: int, citation: Citation) -> str:
    """One quote of an answer, shown once: its clickable credit (who said it, where, when), then
    the verbatim quote."""
    return (
        f'<li class="na-source"><button type="button" class="na-cite" '
        f'data-cite="{turn}:{citation.number}"><span class="na-num">[{citation.number}]</span> '
        f"{said_by_html(citation)}</button>"
        f'<blockquote class="na-quote">{esc(citation.shown_quote())}</blockquote></li>'
    )


def render_closest(refs: Sequence[ArticleRef]) -> str:
    """The closest articles named by a decline, each opening the article when clicked."""
    if not refs:
        return ""
    items = "".join(
        f'<li><button type="button" class="na-article-link" data-article="{esc(r.article_id)}">'
        f"{credit_html(r.outlet, r.published, r.title)}</button></li>"
        for r in refs
    )
    label = '<div class="na-label">Closest articles</div>'
    return f'<div class="na-closest">{label}<ul>{items}</ul></div>'


def render_pending(pending: str, writing: str) -> str:
    """The summary still being written above the quotes: its text so far and its place in line."""
    text = f'<div class="na-text">{_paragraphs(writing)}</div>' if writing.strip() else ""
    return (
        f'<div class="na-pending" aria-busy="true">{text}'
        f'<div class="na-meta na-pending-status">{esc(pending)}…</div></div>'
    )


def render_answer(turn: int, answer: Answer, writing: str = "") -> str:
    """An answer bubble: searched-for line, the prose (or a short lead) with markers, note, then
    each cited quote once under its credit, or the closest articles of a decline.

    While `answer.pending` says a summary is coming, the summary's text so far (`writing`) and the
    place in line are shown above the verified quotes.
    """
    kind = "na-decline" if answer.refused else "na-answer-ok"
    parts = [f'<div class="na-bubble na-answer {kind}" data-turn="{turn}">']
    if answer.pending:
        parts.append(render_pending(answer.pending, writing))
    if answer.refused:
        parts.append(
            f'<div class="na-badge">{esc(DECLINE_BADGES.get(answer.decline_reason or "", NOT_IN))}</div>'
        )
    if answer.rewritten:
        parts.append(f'<div class="na-searched">Searched for: <q>{esc(answer.question)}</q></div>')
    cited = answer.cited()
    parts.append(render_lead(turn, answer, cited))
    if summary := answer.summary():
        parts.append(
            f'<div class="na-text na-summary"><span class="na-label">Summary</span>'
            f"{_with_markers(summary, turn, cited)}</div>"
        )
    if answer.note:
        parts.append(f'<div class="na-note" role="note">Note: {esc(answer.note)}</div>')
    if cited and not answer.source_matches:
        sources = "".join(render_citation(turn, c) for c in cited)
        parts.append(f'<div class="na-label">Sources</div><ol class="na-sources">{sources}</ol>')
    parts.append(render_source_matches(turn, answer.source_matches))
    if answer.refused:
        parts.append(render_closest(answer.closest))
    parts.append(f'<div class="na-meta">{esc(answer_meta(answer))}</div></div>')
    return "".join(parts)


def answer_meta(answer: Answer) -> str:
    """The small print under an answer, in a reader's words: who wrote the summary, how long it took."""
    meta = []
    by_model = answer.generator != "extractive" and not answer.source_matches  # find_source's own words
    if answer.prose and by_model and not answer.fallback:
        writer = MODEL_WRITERS.get(answer.generator, "a language model")
        meta.append(f"Summary written by {writer} and checked against the quotes")
    if answer.latency_ms:
        seconds = answer.latency_ms / 1000
        # one decimal is shown, so a faster answer would read "0.0 s"
        meta.append(f"answered in {seconds:.1f} s" if seconds >= 0.1 else "answered in under 0.1 s")
    return " · ".join(meta)


def render_lead(turn: int, answer: Answer, cited: Sequence[Citation]) -> str:
    """The text that opens an answer: the verified lead (its answering span in bold) when it is what
    is shown, else the model's prose or the decline, each with clickable [n] markers."""
    text = answer.lead().strip() or NO_TEXT
    lead = answer.direct
    if lead is None or text != lead.text:
        return f'<div class="na-text">{_with_markers(text, turn, cited)}</div>'
    body = _with_markers(text, turn, cited)
    if lead.kind == "span" and lead.answer and text.startswith(f"{lead.answer}: "):
        rest = _with_markers(text[len(lead.answer) + 2 :], turn, cited)
        body = rest.replace("<p>", f'<p><strong class="na-answer-span">{esc(lead.answer)}</strong>: ', 1)
    return f'<div class="na-text na-lead">{body}</div>'


def render_turn(index: int, turn: Turn) -> str:
    """A question and whatever has come back for it so far."""
    out = [f'<div class="na-turn" id="na-turn-{index}">']
    out.append(f'<div class="na-bubble na-user">{_paragraphs(turn.question)}</div>')
    if turn.answer is not None:
        out.append(render_answer(index, turn.answer, turn.partial))
    elif turn.error is not None:
        out.append(
            f'<div class="na-bubble na-error" role="alert"><strong>Could not answer.</strong> '
            f"{esc(turn.error)}</div>"
        )
    else:
        text = _paragraphs(turn.partial) or "<p>Searching the articles…</p>"
        out.append(
            f'<div class="na-bubble na-answer na-streaming" aria-busy="true">'
            f'<div class="na-text">{text}</div>'
            f'<div class="na-meta">checking every quote against its article…</div></div>'
        )
    out.append("</div>")
    return "".join(out)


def render_conversation(turns: Sequence[Turn]) -> str:
    """The whole chat as HTML (an empty-state hint when there is none yet)."""
    if not turns:
        return (
            '<div class="na-chat na-empty"><p>Ask a question about the articles. Every answer '
            "quotes its sources verbatim, credited to the outlet and date; click a source to "
            "read it in its article.</p></div>"
        )
    body = "".join(render_turn(i, t) for i, t in enumerate(turns))
    return f'<div class="na-chat">{body}</div>'


def find_quote(text: str, start: int, end: int, quote: str) -> tuple[int, int] | None:
    """The offsets of a quote in an article: the given ones when they fit, else a search."""
    squash = " ".join
    if 0 <= start < end <= len(text) and squash(text[start:end].split()) == squash(quote.split()):
        return start, end
    found = text.find(quote)
    if found >= 0:
        return found, found + len(quote)
    if 0 <= start < end <= len(text):
        return start, end
    return None


def render_article(article: ArticleLike | None, citation: Citation | None = None, missing: str = "") -> str:
    """The cleaned article, its quote (if any) highlighted with <mark>."""
    if article is None:
        message = missing or "That article is no longer in the index."
        return f'<div class="na-article na-article-missing">{esc(message)}</div>'
    text = article.text
    span = find_quote(text, citation.start, citation.end, citation.quote) if citation else None
    if span is None:
        body = esc(text)
    else:
        start, end = span
        body = f'{esc(text[:start])}<mark id="na-quote">{esc(text[start:end])}</mark>{esc(text[end:])}'
    heading = f"[{citation.number}] " if citation else ""
    notice = ""
    if citation and span is None:
        notice = '<div class="na-note">The quote could not be located in this article.</div>'
    return (
        f'<div class="na-article" data-article="{esc(article.id)}">'
        f'<div class="na-article-top"><div class="na-article-head">{esc(heading)}'
        f"{credit_html(article.outlet, article.published, article.title)}</div>"
        f'<div class="na-article-source">{esc(article.source)}</div></div>{notice}'
        f'<div class="na-article-body">{body}</div></div>'
    )


def render_status(lines: Sequence[str], kind: str = "info") -> str:
    """A short status box (upload results, problems) with every line escaped."""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f'<div class="na-status na-status-{esc(kind)}"><ul>{items}</ul></div>'


def render_source_matches(turn: int, matches: Sequence[SourceMatch]) -> str:
    """Each article a pasted passage comes from: credit, verbatim or not, matched span, copies.

    They stand in for the Sources list: the first is the answer's citation [1] (a click opens it
    with the span highlighted), the others open their article.
    """
    if not matches:
        return ""
    items = []
    for number, match in enumerate(matches, start=1):
        opens = (
            f'class="na-cite" data-cite="{turn}:1"><span class="na-num">[1]</span> '
            if number == 1
            else f'class="na-article-link" data-article="{esc(match.article_id)}">'
        )
        kind = "verbatim" if match.exact else f"near-verbatim: {match.coverage:.0%} of the words"
        copies = ""
        if match.copies:
            names = "; ".join(f"{esc(c.outlet or 'Unknown outlet')} ({esc(format_date(c.published))})"
                              for c in match.copies)  # fmt: skip
            copies = f'<div class="na-copies">Also published by {names}</div>'
        credit = credit_html(match.outlet, match.published, match.title)
        items.append(
            f'<li class="na-match"><button type="button" {opens}{credit}</button>'
            f'<span class="na-kind">{esc(kind)}</span>'
            f'<blockquote class="na-quote"><mark>{esc(" ".join(match.passage.split()))}</mark></blockquote>'
            f"{copies}</li>"
        )
    label = '<div class="na-label">Where this passage comes from</div>'
    return f'{label}<ol class="na-matches">{"".join(items)}</ol>'
