"""Declining: questions the articles don't answer, and instructions aimed at the assistant."""

from __future__ import annotations

from assistant.evidence import Quote
from assistant.models import ArticleRef


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


def _shorten(text: str, limit: int = 160) -> str:
    """Trim a long question for display."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
