"""ask() as a list of named steps: one immutable state, the step protocol, the runner and its trace.

Each step takes the state and returns either the next state (made with `dataclasses.replace`) or
the final Answer, which ends the run (a decline, a source answer). One loop runs the steps and
times each into a Trace; the Engine builds the list, and compare(), the LlamaIndex parts and the
benchmarks run slices of that same list (`Steps.between`, `Steps.replace`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypedDict

import numpy as np

from assistant.pipeline.decline import closest_articles, decline_text
from assistant.pipeline.evidence import Evidence, Quote
from assistant.pipeline.request import AskRequest
from assistant.pipeline.rewrite import Standalone
from assistant.retrieval.hybrid import RetrievedChunk
from assistant.types import Answer, ArticleRef, Citation, DeclineReason, Lead
from index.models import Article


@dataclass(frozen=True)
class Pages:
    """The texts quotes are checked against: each article as cleaned, and its page as published."""

    articles: Mapping[str, str]
    originals: Mapping[str, str]


class Asked(TypedDict):
    """The Answer fields every answer of one ask shares: what was asked and searched, and how."""

    question: str
    original_question: str
    rewritten: bool
    generator: str


@dataclass(frozen=True)
class AskState:
    """Everything one ask has found so far; each step returns a new one (dataclasses.replace)."""

    request: AskRequest
    started: float = field(default_factory=time.perf_counter)
    standalone: Standalone | None = None
    vector: np.ndarray | None = None
    named: tuple[str, ...] = ()
    chunks: tuple[RetrievedChunk, ...] = ()
    articles: Mapping[str, Article] = field(default_factory=dict)
    evidence: Evidence | None = None
    ranked: tuple[Quote, ...] = ()
    answerable: float = 0.0
    quotes: tuple[Quote, ...] = ()
    pages: Pages | None = None

    @property
    def question(self) -> str:
        """The standalone question searched (the asker's question before the rewrite step)."""
        return self.standalone.question if self.standalone is not None else self.request.question

    @property
    def focus(self) -> str:
        """The asker's own words (a follow-up's, before it was rewritten)."""
        return self.standalone.focus if self.standalone is not None else self.request.question

    def texts(self) -> dict[str, str]:
        """The cleaned text of each retrieved article."""
        return {aid: article.text for aid, article in self.articles.items()}

    def retrieved(self) -> list[ArticleRef]:
        """The retrieved articles in rank order, one entry each."""
        return article_refs(self.chunks)

    def declined(
        self,
        text: str,
        reason: DeclineReason,
        *,
        closest: Sequence[ArticleRef] = (),
        answerability: float | None = None,
        note: str | None = None,
    ) -> Answer:
        """A decline of this ask, naming the closest articles when there are any."""
        return Answer(
            text=text,
            refused=True,
            decline_reason=reason,
            closest=list(closest),
            retrieved=self.retrieved(),
            answerability=answerability,
            note=note,
            **self._asked(),
        )

    def answered(
        self,
        text: str,
        citations: list[Citation],
        direct: Lead | None,
        *,
        prose: str | None = None,
        summary_first: bool = False,
        fallback: bool = False,
        note: str | None = None,
        removed: Sequence[str] = (),
        quotes_ms: float | None = None,
    ) -> Answer:
        """An answer of this ask with its verified citations and the lead that opens it."""
        return Answer(
            text=text,
            prose=prose,
            direct=direct,
            summary_first=summary_first,
            citations=citations,
            retrieved=self.retrieved(),
            fallback=fallback,
            note=note,
            removed=list(removed),
            quotes_ms=quotes_ms,
            **self._asked(),
        )

    def unverified(self, note: str) -> Answer:
        """The decline given when no chosen quote verifies in its article, naming the closest ones."""
        closest = closest_articles(list(self.quotes))
        text = decline_text(self.question, closest)
        return self.declined(text, "not_in_articles", closest=closest, note=note)

    def _asked(self) -> Asked:
        """The Answer fields every answer of this ask shares."""
        rewritten = self.standalone.rewritten if self.standalone is not None else False
        return Asked(
            question=self.question,
            original_question=self.request.question,
            rewritten=rewritten,
            generator=str(self.request.generator),
        )


def article_refs(chunks: Sequence[RetrievedChunk]) -> list[ArticleRef]:
    """Retrieved articles in rank order, one entry each."""
    refs: dict[str, ArticleRef] = {}
    for item in chunks:
        chunk = item.chunk
        refs.setdefault(
            chunk.article_id,
            ArticleRef(
                article_id=chunk.article_id, score=round(item.score, 5), **chunk.credit().model_dump()
            ),
        )
    return list(refs.values())


def cite(number: int, quote: Quote) -> Citation:
    """A numbered citation from a verified quote, credited to its article."""
    return Citation(
        number=number,
        quote=quote.text,
        start=quote.start,
        end=quote.end,
        article_id=quote.article_id,
        speaker=quote.speaker,
        **quote.credit.model_dump(),
    )


class Step(Protocol):
    """One named step of ask(): the next state, or the Answer that ends the ask."""

    @property
    def name(self) -> str:
        """The step's name, unique in its list."""
        ...

    def run(self, state: AskState) -> AskState | Answer:
        """Run the step over the state."""
        ...


@dataclass(frozen=True)
class NamedStep:
    """A step made of a name and a function of the state."""

    name: str
    fn: Callable[[AskState], AskState | Answer]

    def run(self, state: AskState) -> AskState | Answer:
        """Run the step's function over the state."""
        return self.fn(state)


@dataclass
class Trace:
    """Wall time per step name, in the order the steps first ran (exclusive of any consumer)."""

    clock: Callable[[], float] = time.perf_counter
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """Time the block under `name` (added to earlier spans of the same name)."""
        began = self.clock()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + self.clock() - began

    def stream(self, name: str, items: Iterator[str | Answer]) -> Iterator[str | Answer]:
        """The items of a streaming step, the time spent producing each one timed under `name`
        (closed with the stream, as `yield from` would)."""
        try:
            while True:
                with self.span(name):
                    item = next(items, None)
                if item is None:
                    return
                yield item
        finally:
            if isinstance(items, Generator):
                items.close()

    def timings(self) -> dict[str, float]:
        """Milliseconds per step, rounded to a microsecond."""
        return {name: round(s * 1000, 3) for name, s in self.seconds.items()}


@dataclass(frozen=True)
class Steps:
    """An ordered list of named steps; slices of it run the same steps elsewhere."""

    steps: tuple[Step, ...]

    def names(self) -> tuple[str, ...]:
        """The step names in order."""
        return tuple(step.name for step in self.steps)

    def between(self, first: str, last: str) -> Steps:
        """The steps from `first` to `last`, both included."""
        names = self.names()
        return Steps(self.steps[names.index(first) : names.index(last) + 1])

    def replace(self, step: Step) -> Steps:
        """The same list with the step of this step's name replaced by it."""
        names = self.names()
        if step.name not in names:
            raise ValueError(f"no step named {step.name!r}: the steps are {', '.join(names)}")
        return Steps(tuple(step if s.name == step.name else s for s in self.steps))

    def run(self, state: AskState, trace: Trace | None = None) -> AskState | Answer:
        """Run the steps in order, each timed into the trace; stop at the first that answers."""
        trace = trace if trace is not None else Trace()
        for step in self.steps:
            with trace.span(step.name):
                result = step.run(state)
            if isinstance(result, Answer):
                return result
            state = result
        return state

    def state(self, state: AskState, trace: Trace | None = None) -> AskState:
        """Run the steps over a state that none of them answers (compare's and LlamaIndex's slices)."""
        result = self.run(state, trace)
        if isinstance(result, Answer):
            raise RuntimeError(f"a step of {', '.join(self.names())} answered: {result.text[:80]}")
        return result
