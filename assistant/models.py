"""The public answer contract: Answer, Citation and the article references they carry."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.source import SourceMatch
from index.models import Credit


class Citation(Credit):
    """A verbatim quote credited to the outlet, headline and date of the article it came from."""

    number: int
    quote: str
    start: int
    end: int
    article_id: str = ""

    def label(self) -> str:
        """Return 'Outlet · 28 Dec 2016 · Headline' for display."""
        when = self.published.strftime("%-d %b %Y") if self.published else "date not stated"
        return f"{self.outlet or 'Unknown outlet'} · {when} · {self.title or 'Untitled'}"


class ArticleRef(Credit):
    """A pointer to an article: enough to name it to a user and to find it again."""

    article_id: str
    score: float = 0.0


class Answer(BaseModel):
    """What ask() returns: answer text with [n] markers, its checked citations, and how it was made."""

    text: str
    prose: str | None = Field(
        default=None, description="the verified generated text alone, before the quotes are appended"
    )
    refused: bool = False
    answerability: float | None = Field(
        default=None, description="the model's probability that the articles answer the question"
    )
    citations: list[Citation] = Field(default_factory=list)
    question: str = Field(description="the standalone question actually searched")
    original_question: str = ""
    rewritten: bool = False
    generator: str = "extractive"
    fallback: bool = False
    note: str | None = None
    closest: list[ArticleRef] = Field(default_factory=list)
    retrieved: list[ArticleRef] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list, description="generated content that failed verification")
    latency_ms: float = 0.0
    quotes_ms: float | None = Field(
        default=None, description="time until the verified quotes were ready (before any summary)"
    )
    pending: str | None = Field(
        default=None,
        description="set on an early Answer while the summary is still coming, e.g. 'writing a summary'",
    )
    source_matches: list[SourceMatch] = Field(
        default_factory=list, description="for a pasted passage: the articles it comes from (find_source)"
    )
