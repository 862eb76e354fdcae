"""Declining: questions the articles don't answer, and instructions aimed at the assistant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from assistant.types import ArticleRef, DeclineReason, Quote
from index.models import ArticleMeta
from index.store import SearchFilter

# A declined question is echoed in the message up to about two lines of the chat, then cut with "…".
QUESTION_SHOWN_CHARS = 160


def closest_articles(quotes: list[Quote], limit: int = 3) -> list[ArticleRef]:
    """The articles nearest to a declined question, best first, one entry per article."""
    refs: dict[str, ArticleRef] = {}
    for quote in sorted(quotes, key=lambda q: -q.score):
        if quote.article_id not in refs:
            refs[quote.article_id] = ArticleRef(
                article_id=quote.article_id, score=round(quote.score, 4), **quote.credit.model_dump()
            )
    return list(refs.values())[:limit]


def decline_text(question: str, closest: list[ArticleRef], instruction: bool = False) -> str:
    """The message shown when the assistant declines."""
    if instruction:
        opening = (
            "I can only answer questions about the articles, so I won't follow instructions "
            "given in a question. The articles don't say anything that answers this."
        )
    else:
        opening = f"The articles don't say. None of them answers “{_shorten(question)}”."
    if not closest:
        return opening
    names = "; ".join(f"{ref.outlet or 'Unknown outlet'}, “{ref.title or 'Untitled'}”" for ref in closest)
    return f"{opening} The closest articles are: {names}."


def _shorten(text: str, limit: int = QUESTION_SHOWN_CHARS) -> str:
    """Trim a long question for display."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def filter_decline(
    search_filter: SearchFilter, articles: Sequence[ArticleMeta]
) -> tuple[DeclineReason, str] | None:
    """Why no article can answer under these filters, told apart, or None when some article passes."""
    if search_filter.is_empty() or any(search_filter.admits(a) for a in articles):
        return None
    outlets = SearchFilter(outlets=search_filter.outlets)
    if search_filter.outlets and not any(outlets.admits(a) for a in articles):
        names = " or ".join(search_filter.outlets)
        indexed = sorted({a.outlet for a in articles if a.outlet})
        known = f" The index has articles from {', '.join(indexed)}." if indexed else ""
        return "outlet_not_indexed", f"No articles from {names} in the index.{known}"
    dates = SearchFilter(since=search_filter.since, until=search_filter.until)
    if (search_filter.since or search_filter.until) and not any(dates.admits(a) for a in articles):
        return "out_of_date_range", f"No articles {_range(search_filter)} in the index.{_span(articles)}"
    names = " or ".join(search_filter.outlets)
    return "no_articles_for_filters", f"No articles from {names} {_range(search_filter)} in the index."


def _range(search_filter: SearchFilter) -> str:
    """'after March 2020', 'before 1 Jan 2016' or 'between 1 Jan 2016 and 2 Mar 2020'."""
    since, until = search_filter.since, search_filter.until
    if since and until:
        return f"between {_day(since)} and {_day(until)}"
    if since:
        return f"after {_day(since - timedelta(days=1))}"
    return f"before {_day(until + timedelta(days=1))}" if until else "for these filters"


def _span(articles: Sequence[ArticleMeta]) -> str:
    """' The dated articles run from 28 Dec 2016 to 2 Mar 2020.' (empty when none is dated)."""
    dated = sorted(a.published for a in articles if a.published)
    if not dated:
        return " No article in the index states its date."
    return f" The dated articles run from {_day(dated[0])} to {_day(dated[-1])}."


def _day(value: date) -> str:
    """'2 Mar 2020'."""
    return f"{value.day} {value.strftime('%b %Y')}"
