"""Pure data shared by every layer: Answer, Citation and the article references they carry, a
candidate Quote, a SourceMatch; pydantic and dataclasses only (no numpy, no spaCy)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from assistant.quote_marks import shown_quote
from index.models import Credit

# Why an answer was declined: the filters admit no article (each kind told apart), the articles
# don't answer, or the question was an instruction.
DeclineReason = Literal[
    "outlet_not_indexed", "out_of_date_range", "no_articles_for_filters", "not_in_articles", "instruction"
]
_MARKER = re.compile(r"\[(\d+)\]")


class SourceCopy(Credit):
    """A near-identical article (syndicated copy) of a credited original."""

    article_id: str
    containment: float = Field(description="share of the shorter article's word runs found in the other")


class SourceMatch(Credit):
    """An article the passage comes from: credit, the matched span and whether it is verbatim."""

    article_id: str
    start: int = Field(description="offset of the matched span in the cleaned article text")
    end: int
    exact: bool = Field(
        description="True when the article has the passage word for word (case and punctuation aside)"
    )
    coverage: float = Field(description="share of the passage's words found in this article, in order")
    passage: str = Field(description="the matched span as the article has it")
    copies: list[SourceCopy] = Field(
        default_factory=list, description="near-identical articles published later (or undated)"
    )

    def label(self) -> str:
        """Return 'Outlet · 28 Dec 2016 · Headline' for display."""
        when = self.published.strftime("%-d %b %Y") if self.published else "date not stated"
        return f"{self.outlet or 'Unknown outlet'} · {when} · {self.title or 'Untitled'}"


class Citation(Credit):
    """A verbatim quote credited to the outlet, headline and date of the article it came from."""

    number: int
    quote: str
    start: int
    end: int
    article_id: str = ""
    speaker: str | None = Field(
        default=None, description="the person or body quoted in the article; None for the outlet's narration"
    )

    def label(self) -> str:
        """Return 'Outlet · 28 Dec 2016 · Headline' for display."""
        return f"{self.outlet or 'Unknown outlet'} · {self.when()} · {self.title or 'Untitled'}"

    def when(self) -> str:
        """'28 Dec 2016', or 'date not stated'."""
        return self.published.strftime("%-d %b %Y") if self.published else "date not stated"

    def shown_quote(self, wrap: bool = True) -> str:
        """The quote as shown: its marks paired, set in “ ” unless it begins or ends with a mark."""
        return shown_quote(self.quote, wrap=wrap)

    def said_by(self) -> str:
        """'Dmitry Peskov said, as reported by TASS (28 Dec 2016)', or 'TASS reported (28 Dec 2016)'."""
        outlet = self.outlet or "an unknown outlet"
        if self.speaker:
            return f"{self.speaker} said, as reported by {outlet} ({self.when()})"
        return f"{outlet[:1].upper()}{outlet[1:]} reported ({self.when()})"


class Lead(BaseModel):
    """The line that opens an answer: a span that fills the question's slot with the sentence it
    stands in, or a quote's reported clause credited to its speaker; every word verbatim in the
    cited quote."""

    text: str = Field(description="the lead as shown, with its [n] marker")
    kind: Literal["span", "reported"]
    answer: str | None = Field(default=None, description="the span that answers (kind 'span')")
    clause: str = Field(default="", description="the verbatim sentence or clause the lead quotes")
    citation: int = Field(description="the number of the citation the lead comes from")


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
    direct: Lead | None = Field(
        default=None,
        description="the verified lead built from the quotes (shown first unless prose verified)",
    )
    summary_first: bool = Field(
        default=False, description="the model's verified prose opens the answer instead of the lead"
    )
    decline_reason: DeclineReason | None = Field(
        default=None, description="why the answer was declined (None when it was not)"
    )
    answerability: float | None = Field(
        default=None, description="the model's probability that the articles answer the question"
    )
    citations: list[Citation] = Field(default_factory=list)
    question: str = Field(description="the standalone question actually searched")
    original_question: str = ""
    rewritten: bool = False
    generator: str = "extractive"
    fallback: bool = False
    reader: str | None = Field(
        default=None, description="what the model read: 'passages', or None for the chosen quotes"
    )
    note: str | None = None
    closest: list[ArticleRef] = Field(default_factory=list)
    retrieved: list[ArticleRef] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list, description="generated content that failed verification")
    latency_ms: float = 0.0
    timings: dict[str, float] = Field(
        default_factory=dict, description="milliseconds spent in each named step of ask(), in step order"
    )
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

    def cited(self) -> list[Citation]:
        """The citations the shown text cites: those the prose marks, or every one for quotes alone."""
        if self.refused:
            return []
        if not self.prose or self.generator == "extractive" or self.fallback:
            return list(self.citations)
        marked = {int(n) for n in _MARKER.findall(self.lead() + " " + self.prose)}
        return [c for c in self.citations if c.number in marked]

    def has_summary(self) -> bool:
        """True when a model wrote prose that verified (not the extractive generator's quotes)."""
        return bool(self.prose) and self.generator != "extractive" and not self.fallback

    def summary(self) -> str:
        """The model's verified prose when it follows the lead (empty when it leads, or is none)."""
        if not self.has_summary() or self.refused or self.lead() == self.prose:
            return ""
        return str(self.prose)

    def lead(self) -> str:
        """The text shown above the quotes: the model's verified prose, else the verified lead built
        from the quotes, else a short line naming who said them and where."""
        if self.refused:
            return self.text
        if self.summary_first and self.has_summary():
            return str(self.prose)
        if self.direct is not None:
            return self.direct.text
        if self.has_summary():
            return str(self.prose)
        if not self.citations:
            return self.text
        parts = [
            f"{c.speaker}, in {c.outlet or 'an unknown outlet'} [{c.number}]"
            if c.speaker
            else f"{c.outlet or 'An unknown outlet'} [{c.number}]"
            for c in self.citations
        ]
        return "From the articles: " + "; ".join(parts) + "."


@dataclass(frozen=True)
class Quote:
    """A candidate quote: one or two consecutive sentences of an article, with their credit."""

    text: str
    article_id: str
    start: int
    end: int
    credit: Credit
    context: str = ""
    sentences: int = 1
    suspect: bool = False
    chunk_rank: int = 0
    lexical_rank: int | None = None
    chunk_dense: float = 0.0
    beside: bool = False  # from a paragraph added as context (retrieval.expand), not retrieved
    position: float = 0.0
    entities: tuple[tuple[str, str], ...] = ()
    speakers: tuple[str, ...] = ()
    speaker: str | None = None  # who the article says spoke it (pipeline/speakers.py); None: narration
    score: float = 0.0
    features: tuple[float, ...] = field(default=(), repr=False)

    @property
    def outlet(self) -> str | None:
        """The outlet that published the quote."""
        return self.credit.outlet

    @property
    def title(self) -> str | None:
        """The headline of the quote's article."""
        return self.credit.title

    @property
    def published(self) -> date | None:
        """The publication date of the quote's article, as the page states it."""
        return self.credit.published

    @property
    def source(self) -> str:
        """Where the article came from (corpus-relative path or URL)."""
        return self.credit.source

    @property
    def url(self) -> str | None:
        """The article's URL, when the page gave one."""
        return self.credit.url
