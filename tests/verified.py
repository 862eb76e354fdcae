"""Checks the integration tests share: what a user sees of an answer holds against the index."""

from __future__ import annotations

from assistant.pipeline.engine import Engine
from assistant.types import Answer


def assert_verified(answer: Answer, engine: Engine) -> None:
    """Every citation is verbatim in its article at its offsets, credited to the article's outlet,
    and marked in the answer's text."""
    assert not answer.refused and answer.citations
    for citation in answer.citations:
        article = engine.store.article(citation.article_id)
        assert article is not None and article.outlet == citation.outlet
        assert article.text[citation.start : citation.end] == citation.quote
        assert f"[{citation.number}]" in answer.text
