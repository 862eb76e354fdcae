"""The Engine behind ask(): what its named steps need (store, models, spaCy, generators), the
steps themselves (standalone question, retrieval, evidence, selection, declines), and the
streaming step that writes and verifies the answer. The state, runner and trace: state.py."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.generators import ExtractiveGenerator, GenerationError, Generator, registry
from assistant.generators.extractive import attribute
from assistant.generators.readers import create as create_reader
from assistant.pipeline.admission import Admission
from assistant.pipeline.decline import closest_articles, decline_text, filter_decline
from assistant.pipeline.evidence import (
    Evidence,
    Quote,
    SentenceEmbeddingCache,
    candidate_quotes,
    observe,
    scoring_embedder,
    select_quotes,
    weigh,
)
from assistant.pipeline.lead import write_lead
from assistant.pipeline.prose_queue import ProseQueue, ProseSkipped
from assistant.pipeline.quarantine import is_instruction
from assistant.pipeline.readers import Passage, Reader, Reading, ReadingError, ReadRequest
from assistant.pipeline.readers.passages import numbered_passages
from assistant.pipeline.request import AskRequest, QuestionError
from assistant.pipeline.rewrite import Message, Standalone, standalone_question
from assistant.pipeline.source_question import quoted, source_answer, source_passage
from assistant.pipeline.speakers import asked_subject, involves, only_asked_person, prefer_named_speaker
from assistant.pipeline.state import AskState, NamedStep, Pages, Steps, Trace, cite
from assistant.pipeline.verify import Verified, sanitise, verify_answer
from assistant.retrieval.hybrid import HybridRetriever, RetrievedChunk
from assistant.scoring.features import features
from assistant.scoring.mentions import MentionCache
from assistant.scoring.model import FittedModels, load_models
from assistant.scoring.nlp import ParseCache
from assistant.scoring.question_features import question_info
from assistant.text import STOPWORDS, normalise
from assistant.types import Answer, Lead
from index.models import Article
from index.store import IndexStore, SearchFilter

PENDING = "Writing a summary"
UNVERIFIED = "No quote could be verified in its article."
# How the answerability model and the reader's own "the passages don't say" combine: the fitted
# answerability model decides whether to decline (the reader is asked only when it answers); the
# reader's "not found" keeps the quotes it chose, with this note (docs/reader.md).
NO_ANSWER_READ = "The model read the passages and found no answer in them; showing the quotes instead."
NOTHING_VERIFIED = (
    "No sentence the model wrote from the passages could be verified in its article; "
    "showing the quotes instead."
)
# The passages reader is given the retrieved passages and their context, then the next best of
# the fused ranking up to this many: with the index's chunk size, about what fills the default
# 4096-token context; the reader keeps what fits its model (depth chosen on the dev tuning half:
# docs/reader.md).
READER_TOP_K = 32

# A question that names an outlet also gets that outlet's best few passages, so its own reporting
# is among the candidates even when other outlets rank higher; three is about one quote's context.
PER_OUTLET_K = 3

# The name the answer-writing step is timed under: it streams, so it runs after the listed steps.
WRITE_STEP = "write"


class Engine:
    """Answers questions over one index with verified, attributed quotes.

    It holds what the steps of ask() need, handed in or loaded on first use: the settings, the
    index store, the fitted models, the spaCy pipeline (`nlp`: text -> Doc) and the generators.
    """

    def __init__(
        self,
        settings: Settings,
        store: IndexStore,
        *,
        models: FittedModels | None = None,
        nlp: Callable[[str], Any] | None = None,
        generators: Mapping[str, Generator] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._models = models
        self.retriever = HybridRetriever(store, top_k=settings.top_k)
        scorer = scoring_embedder(store.embedder)
        kept = None if settings.sentence_vectors == "off" else store.sentence_vectors(scorer)
        self.sentences = SentenceEmbeddingCache(scorer, store=kept)
        self.admission = Admission(settings.admission_wait_s)
        self.parses = ParseCache(nlp=nlp)
        self.mentions = MentionCache(nlp=nlp)
        self.extractive = ExtractiveGenerator()
        self._generators: dict[str, Generator] = {"extractive": self.extractive, **(generators or {})}
        self._readers: dict[str, Reader] = {}
        self.prose_queue = ProseQueue(
            settings.prose_slots,
            settings.prose_waiting,
            settings.prose_max_wait_s,
            crowded=lambda: self.admission.crowded(settings.prose_max_wait_s),
        )
        self.steps = self.ask_steps()

    @property
    def models(self) -> FittedModels:
        """The fitted evidence and answerability models (the packaged ones unless handed in)."""
        if self._models is None:
            self._models = load_models()
        return self._models

    def ask_steps(self) -> Steps:
        """The named steps of ask() before the answer is written, in order (see state.py)."""
        return Steps(
            (
                NamedStep("source", self._source),
                NamedStep("standalone", self._standalone),
                NamedStep("instruction", self._instruction),
                NamedStep("filters", self._filters),
                NamedStep("embed", self._embed),
                NamedStep("retrieve", self._retrieve),
                NamedStep("expand", self._expand),
                NamedStep("articles", self._articles),
                NamedStep("describe", self._describe),
                NamedStep("weigh", self._weigh),
                self.select_step(),
                NamedStep("speakers", self._speakers),
                NamedStep("decline", self._decline),
                NamedStep("pages", self._pages),
            )
        )

    # -- public ------------------------------------------------------------------------------
    def ask(
        self, request: AskRequest | str, history: Sequence[Message] | None = None, **options: object
    ) -> Answer:
        """Answer a question; see ask_stream for the options."""
        answer: Answer | None = None
        for item in self.ask_stream(request, history, **options):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(
        self, request: AskRequest | str, history: Sequence[Message] | None = None, **options: object
    ) -> Iterator[str | Answer]:
        """Yield verified answer text as it is produced, then the final Answer.

        With a model generator, an early Answer holding the verified quotes comes first (its
        `pending` says the summary is still being written, or how many asks are ahead of it); the
        summary's text follows, and the last Answer yielded is the final one.
        Takes an AskRequest, or a question with ask()'s options (llm, outlets, since, until, top_k).
        Every Answer carries the milliseconds of each step so far (`Answer.timings`).
        """
        started = time.perf_counter()
        if not isinstance(request, AskRequest):
            request = AskRequest.of(request, history, **options)
        request = self.resolve(request)
        trace = Trace()
        outcome = self.steps.run(AskState(request, started), trace)
        if isinstance(outcome, Answer):
            yield outcome.text
            yield _traced(self._timed(outcome, started), trace)
            return
        for item in trace.stream(WRITE_STEP, self._answer(outcome)):
            yield _traced(item, trace) if isinstance(item, Answer) else item

    def collect_evidence(self, standalone: Standalone, request: AskRequest) -> Evidence:
        """Retrieve passages for a standalone question and describe every candidate quote."""
        state = AskState(request, standalone=standalone)
        evidence = self.steps.between("embed", "describe").state(state).evidence
        assert evidence is not None
        return evidence

    def describe(
        self,
        standalone: Standalone,
        chunks: list[RetrievedChunk],
        articles: Mapping[str, Article],
        named: tuple[str, ...] = (),
        as_of: date | None = None,
    ) -> Evidence:
        """Candidate quotes of retrieved passages, with the features the fitted model scores
        (`as_of`: the day asked on, None = today)."""
        candidates = candidate_quotes(chunks, articles, self.parses)
        info = question_info(
            standalone.question, standalone.focus, named, self.store.vocabulary(), self.store.idf, as_of
        )
        keys = [(q.article_id, q.start, q.end) for q in candidates]
        vectors = self.sentences.vectors(keys, [q.text for q in candidates])
        dense = vectors @ np.asarray(self._scoring_vector(standalone), dtype=np.float32)
        rows = features(info, observe(candidates, dense))
        return Evidence(info, named, chunks, articles, candidates, rows)

    def select_step(self, limit: int | None = None, decline_below: float | None = None) -> NamedStep:
        """The step that chooses the quotes: at most `limit` (default: the max_quotes setting), none
        when P(answerable) is below `decline_below` (default: decline_threshold; 0 never declines)."""
        return NamedStep("select", functools.partial(self._select, limit, decline_below))

    # -- steps -------------------------------------------------------------------------------
    def _source(self, state: AskState) -> AskState | Answer:
        """A pasted passage is answered with where it comes from (unquoted text that no article
        holds is answered as a question)."""
        question = state.request.question
        passage = source_passage(question)
        if passage is None:
            return state
        answer = source_answer(passage, question, self.store.passages(), state.request.search_filter)
        return answer if not answer.refused or quoted(question) else state

    @staticmethod
    def _standalone(state: AskState) -> AskState:
        """A follow-up rewritten into a standalone question with the earlier turns."""
        return replace(state, standalone=standalone_question(state.request.question, state.request.history))

    @staticmethod
    def _instruction(state: AskState) -> AskState | Answer:
        """An instruction aimed at the assistant is declined, not obeyed."""
        if not is_instruction(state.focus):
            return state
        return state.declined(decline_text(state.question, [], instruction=True), "instruction")

    def _filters(self, state: AskState) -> AskState | Answer:
        """Outlet and date filters that no article passes are declined, saying which."""
        wanted = state.request.search_filter
        empty = None if wanted.is_empty() else filter_decline(wanted, self.store.article_metas())
        return state if empty is None else state.declined(empty[1], empty[0])

    def _embed(self, state: AskState) -> AskState:
        """The question's vector for retrieval."""
        return replace(state, vector=self.store.embedder.embed_batch([state.question])[0])

    def _retrieve(self, state: AskState) -> AskState:
        """Hybrid retrieval, plus the best passages of each outlet the question names."""
        question, vector, request = state.question, state.vector, state.request
        named = named_outlets(question, self.store.outlets())
        chunks = self.retriever.retrieve(question, request.search_filter, request.top_k, query_vector=vector)
        seen = {item.chunk.id for item in chunks}
        wanted = request.search_filter
        for outlet in named:
            if wanted.outlets and outlet not in wanted.outlets:
                continue
            own = SearchFilter((outlet,), wanted.since, wanted.until)
            for item in self.retriever.retrieve(question, own, PER_OUTLET_K, query_vector=vector):
                if item.chunk.id not in seen:
                    seen.add(item.chunk.id)
                    chunks.append(item)
        return replace(state, named=tuple(named), chunks=tuple(chunks))

    def _expand(self, state: AskState) -> AskState:
        """The context beside the best passages (HybridRetriever.expand)."""
        return replace(state, chunks=tuple(self.retriever.expand(list(state.chunks), state.vector)))

    def _articles(self, state: AskState) -> AskState:
        """The articles of the retrieved passages."""
        articles = self.store.catalog.get_articles({c.chunk.article_id for c in state.chunks})
        return replace(state, articles=articles)

    def _describe(self, state: AskState) -> AskState:
        """Every candidate quote of the passages, with its features."""
        assert state.standalone is not None
        evidence = self.describe(
            state.standalone, list(state.chunks), state.articles, state.named, state.request.as_of
        )
        return replace(state, evidence=evidence)

    def _weigh(self, state: AskState) -> AskState:
        """The candidates ranked by the fitted evidence model, and P(the articles answer)."""
        assert state.evidence is not None
        ranked, answerable = weigh(state.evidence, self.models)
        return replace(state, ranked=tuple(ranked), answerable=answerable)

    def _select(self, limit: int | None, decline_below: float | None, state: AskState) -> AskState:
        """The best quote and those nearly as likely to answer; none when P(answerable) is too low."""
        assert state.evidence is not None
        limit = limit or self.settings.max_quotes
        quotes = select_quotes(list(state.ranked), limit, self.models.extra_quote_ratio, state.evidence.named)
        threshold = self.decline_threshold() if decline_below is None else decline_below
        return replace(state, quotes=() if state.answerable < threshold else tuple(quotes))

    def _speakers(self, state: AskState) -> AskState:
        """The chosen quotes with their speakers, the named speaker's first (see _by_speaker)."""
        if not state.quotes:
            return state
        floor = state.ranked[0].score * self.models.extra_quote_ratio
        quotes = list(state.quotes)
        quotes = self._by_speaker(state.question, quotes, list(state.ranked), floor, state.texts())
        return replace(state, quotes=tuple(quotes))

    @staticmethod
    def _decline(state: AskState) -> AskState | Answer:
        """No quote chosen: decline, naming the closest articles."""
        if state.quotes:
            return state
        closest = closest_articles(list(state.ranked))
        text = decline_text(state.question, closest)
        answerable = round(state.answerable, 4)
        return state.declined(text, "not_in_articles", closest=closest, answerability=answerable)

    def _pages(self, state: AskState) -> AskState:
        """The texts the chosen quotes are checked against: cleaned, and as published."""
        originals = self.store.original_texts({q.article_id for q in state.quotes})
        return replace(state, pages=Pages(state.texts(), originals))

    def _scoring_vector(self, standalone: Standalone) -> np.ndarray:
        """The question's vector for scoring quotes; a follow-up's own words weigh as much as the
        context it was rewritten with."""
        vector = self.sentences.question(standalone.question)
        if not standalone.rewritten:
            return vector
        mixed = vector + self.sentences.question(standalone.focus)
        return mixed / (np.linalg.norm(mixed) or 1.0)

    def resolve(self, request: AskRequest) -> AskRequest:
        """The request with the settings' defaults filled in and their limits checked."""
        limit = self.settings.max_question_chars
        if len(request.question) > limit:
            raise QuestionError(
                f"The question is {len(request.question):,} characters long; the limit is {limit:,}. "
                "Ask something shorter (ASSISTANT_MAX_QUESTION_CHARS raises the limit)."
            )
        name = request.generator or self.settings.llm
        if name not in registry.names():
            raise QuestionError(f"Unknown generator {name!r}: use {', '.join(registry.names())}.")
        return request.model_copy(update={"generator": name, "top_k": request.top_k or self.settings.top_k})

    def _by_speaker(
        self,
        question: str,
        quotes: list[Quote],
        ranked: list[Quote],
        floor: float,
        articles: Mapping[str, str],
    ) -> list[Quote]:
        """The quotes with speakers, the named speaker's first; none when the question asks what X
        said and no quote is X's or names X (other people's words on the topic do not answer it);
        when some quote is the person X's, only X's quotes."""
        quotes = prefer_named_speaker(question, quotes, ranked, floor, articles, self.mentions)
        subject = asked_subject(question)
        if subject and not any(involves(q, subject) for q in quotes):
            return []
        return only_asked_person(question, quotes)

    def decline_threshold(self, models: FittedModels | None = None) -> float:
        """The probability P(answerable) must reach: the fitted one unless a setting overrides it."""
        return self.settings.min_evidence or (models or self.models).decline_below

    def _answer(self, state: AskState) -> Iterator[str | Answer]:
        """The step that writes the answer: the verified quotes first; then, for a model, its
        summary when a slot in the line is free."""
        if state.request.generator == "extractive":
            yield from self._write(state)
            return
        quick = self._quotes_answer(state)
        if quick.refused:
            yield quick.text
            yield quick
            return
        yield quick.model_copy(update={"pending": PENDING})
        try:
            ticket = self.prose_queue.join()
        except ProseSkipped:
            yield self._timed(self._skipped(quick, "the model is busy with other questions"), state.started)
            return
        try:
            for place in self.prose_queue.wait(ticket):
                yield quick.model_copy(update={"pending": f"{PENDING} ({place.ahead} ahead of you)"})
            yield from self._compose(state, quick)
        except ProseSkipped:
            yield self._timed(self._skipped(quick, "the model took too long to get to it"), state.started)
        finally:
            self.prose_queue.leave(ticket)

    def _compose(self, state: AskState, quick: Answer) -> Iterator[str | Answer]:
        """The model's part: its reading of the passages when its reader reads them (readers/),
        else its summary of the chosen quotes (_write)."""
        reader = self.reader(self.settings.reader_for(str(state.request.generator)))
        if state.evidence is None or reader.name == "quotes":
            yield from self._write(state, quick)
            return
        yield from self._read(reader, state, quick)

    def _read(self, reader: Reader, state: AskState, quick: Answer) -> Iterator[str | Answer]:
        """The model reads the retrieved passages; its verified sentences open the answer, or the
        quotes stand with a note saying why (reply unreadable, model failed, nothing verified)."""
        assert state.evidence is not None
        name = str(state.request.generator)
        chunks, found = self._reader_sources(
            state.question, state.request, state.evidence, vector=state.vector
        )
        passages = numbered_passages(chunks, found)
        shown = {p.article_id for p in passages}
        articles = {aid: found[aid].text for aid in shown}
        pages = Pages(articles, self.store.original_texts(shown))
        wanted = ReadRequest(state.question, passages, pages.articles, pages.originals, state.focus)
        try:
            generator = self.generator(name)
            reading = reader.read(wanted, generator)
        except ReadingError as exc:
            note = f"The {name} model's reply could not be read ({exc}); showing the quotes instead."
            yield self._timed(_read_fallback(quick, note, reader.name), state.started)
            return
        except GenerationError as exc:
            note = f"The {name} reader failed ({exc}); showing the quotes instead."
            yield self._timed(_read_fallback(quick, note, reader.name), state.started)
            return
        if reading is None:
            yield from self._write(state, quick)
            return
        if not reading.prose:
            why = NO_ANSWER_READ if reading.said_absent else NOTHING_VERIFIED
            yield self._timed(_read_fallback(quick, why, reader.name, reading.removed), state.started)
            return
        yield reading.prose
        answer = self._reading_answer(reader, reading, state, quick, pages, generator)
        yield self._timed(answer, state.started)

    def _reading_answer(
        self,
        reader: Reader,
        reading: Reading,
        state: AskState,
        quick: Answer,
        pages: Pages,
        generator: Generator,
    ) -> Answer:
        """The Answer from a verified reading: its sentences, then its spans as numbered citations."""
        quotes = reading.quotes
        prose = Verified(reading.prose, list(range(1, len(quotes) + 1)), reading.removed)
        verified = self._with_evidence(prose, quotes, pages)
        citations = [cite(i, quotes[n - 1]) for i, n in enumerate(verified.used, start=1)]
        direct = write_lead(state.question, citations, state.focus)
        summary_first = _prose_leads(generator)
        answer = state.answered(
            verified.text if summary_first else _opened(direct, verified.text),
            citations,
            direct,
            prose=reading.prose,
            summary_first=summary_first,
            removed=verified.removed,
            quotes_ms=quick.quotes_ms,
        )
        return answer.model_copy(update={"reader": reader.name})

    def reader_passages(
        self, question: str, request: AskRequest, evidence: Evidence, top_k: int = READER_TOP_K
    ) -> list[Passage]:
        """The passages a reader is given, numbered: the retrieved ones with their context, then
        the next best of the fused ranking up to top_k (the reader keeps what fits its model)."""
        return numbered_passages(*self._reader_sources(question, request, evidence, top_k))

    def _reader_sources(
        self,
        question: str,
        request: AskRequest,
        evidence: Evidence,
        top_k: int = READER_TOP_K,
        vector: np.ndarray | None = None,
    ) -> tuple[list[RetrievedChunk], dict[str, Article]]:
        """The chunks a reader's passages come from and their articles (those the evidence step
        fetched, then the rest); `vector` is the question's, when the embed step made it already."""
        more: list[RetrievedChunk] = []
        if top_k:
            if vector is None:
                vector = self.store.embedder.embed_batch([question])[0]
            more = self.retriever.retrieve(question, request.search_filter, top_k, query_vector=vector)
        seen = {item.chunk.id for item in evidence.chunks}
        chunks = [*evidence.chunks, *(item for item in more if item.chunk.id not in seen)]
        missing = {item.chunk.article_id for item in chunks} - set(evidence.articles)
        return chunks, {**evidence.articles, **self.store.catalog.get_articles(missing)}

    def reader(self, name: str) -> Reader:
        """Return (creating once, from the reader registry) the reader with this name."""
        if name not in self._readers:
            self._readers[name] = create_reader(name, self.settings)
        return self._readers[name]

    def _quotes_answer(self, state: AskState) -> Answer:
        """The extractive answer (attributed, verified quotes), or a decline when none verifies."""
        question, quotes = state.question, list(state.quotes)
        verified = self._verified_quotes(question, quotes, _pages_of(state))
        citations = [cite(i, quotes[n - 1]) for i, n in enumerate(verified.used, start=1)]
        if not citations:
            answer = state.unverified(UNVERIFIED)
        else:
            direct = write_lead(question, citations, state.focus)
            answer = state.answered(_opened(direct, verified.text), citations, direct)
        answer = self._timed(answer, state.started)
        answer.quotes_ms = answer.latency_ms
        return answer

    def _verified_quotes(self, question: str, quotes: list[Quote], pages: Pages) -> Verified:
        """The extractive answer over the quotes (each attributed), checked against its pages."""
        written = "".join(self.extractive.stream(question, quotes))
        return verify_answer(written, quotes, pages.articles, originals=pages.originals)

    @staticmethod
    def _skipped(quick: Answer, why: str) -> Answer:
        """The quotes alone, with a note that the summary was skipped and why."""
        note = f"The summary was skipped because {why}; the quotes are the answer."
        return quick.model_copy(update={"pending": None, "fallback": True, "note": note, "prose": ""})

    def _write(self, state: AskState, quick: Answer | None = None) -> Iterator[str | Answer]:
        """Generate over the quotes, verify, and fall back to the extractive answer if needed."""
        request, question, quotes, pages = state.request, state.question, list(state.quotes), _pages_of(state)
        note = None
        fallback = False
        prose_text: str | None = None
        removed: list[str] = []
        emitted = ""
        verified = None
        generator: Generator | None = None
        try:
            generator = self.generator(str(request.generator))
            raw = ""
            for piece in generator.stream(question, quotes):
                raw += piece
                done = closed_prefix(raw)
                if len(done) > len(emitted):
                    partial = verify_answer(
                        sanitise(done), quotes, pages.articles, attach=True, originals=pages.originals,
                        question=question,
                    ).text  # fmt: skip
                    if partial.startswith(emitted) and len(partial) > len(emitted):
                        yield partial[len(emitted) :]
                        emitted = partial
            raw = sanitise(raw)
            prose = verify_answer(
                raw, quotes, pages.articles, attach=True, originals=pages.originals, question=question
            )
            removed = prose.removed
            if prose.used and generator is self.extractive:
                verified = prose
            elif prose.used:
                prose_text = prose.text
                verified = self._with_evidence(prose, quotes, pages)
        except GenerationError as exc:
            note = f"The {request.generator} generator failed ({exc}); showing the quotes instead."
        if verified is None:
            fallback = request.generator != "extractive"
            verified = self._verified_quotes(question, quotes, pages)
        if prose_text is None:
            prose_text = "" if fallback else verified.text
        # After an early answer the quotes are already on screen: stream only the summary's text.
        shown = verified.text if quick is None else prose_text
        fresh = shown.startswith(emitted)
        rest = shown[len(emitted) :] if fresh else "\n\n" + shown
        if rest:
            yield rest
        citations = [cite(i, quotes[n - 1]) for i, n in enumerate(verified.used, start=1)]
        if not citations:
            answer = state.unverified(UNVERIFIED)
            yield "\n\n" + answer.text
            yield self._timed(answer, state.started)
            return
        direct = write_lead(question, citations, state.focus)
        summary_first = bool(prose_text) and not fallback and quick is not None and _prose_leads(generator)
        answer = state.answered(
            verified.text if summary_first else _opened(direct, verified.text),
            citations,
            direct,
            prose=prose_text,
            summary_first=summary_first,
            fallback=fallback,
            note=note,
            removed=removed,
            quotes_ms=quick.quotes_ms if quick is not None else None,
        )
        yield self._timed(answer, state.started)

    @staticmethod
    def _with_evidence(prose: Verified, quotes: list[Quote], pages: Pages) -> Verified:
        """Verified prose followed by every quote, attributed and checked: those it cites first,
        numbered as the prose numbers them."""
        order = prose.used + [n for n in range(1, len(quotes) + 1) if n not in prose.used]
        ordered = [quotes[n - 1] for n in order]
        lines = "\n\n".join(attribute(quote, i) for i, quote in enumerate(ordered, start=1))
        checked = verify_answer(lines, ordered, pages.articles, originals=pages.originals)
        if checked.used != list(range(1, len(ordered) + 1)):
            checked = Verified(text="", used=[])
            order = prose.used
        return Verified(
            text=f"{prose.text}\n\n{checked.text}".strip(),
            used=order,
            removed=prose.removed + checked.removed,
        )

    def generator(self, name: str) -> Generator:
        """Return (creating once, from the registry) the generator with this name."""
        if name not in self._generators:
            self._generators[name] = registry.create(name, self.settings)
        return self._generators[name]

    @contextmanager
    def override(self, **generators: Generator) -> Iterator[Engine]:
        """Use these generators (by registered name) inside a with-block, then restore; for tests."""
        for name in generators:
            registry.backend(name)
        saved = {name: self._generators[name] for name in generators if name in self._generators}
        self._generators.update(generators)
        try:
            yield self
        finally:
            for name in generators:
                if name in saved:
                    self._generators[name] = saved[name]
                else:
                    self._generators.pop(name, None)

    @staticmethod
    def _timed(answer: Answer, started: float) -> Answer:
        """Stamp the latency on an answer."""
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer


_CLOSED = re.compile(r"(?:\s*\[\d+\])+[.!?]?(?=\s*[^\s\[])|[.!?][\"”’)]?(?=\s+[A-Z\"“])")


def closed_prefix(text: str) -> str:
    """Streamed text up to its last finished claim: a closed run of [n] markers or a sentence end."""
    last = 0
    for match in _CLOSED.finditer(text):
        last = match.end()
    return text[:last]


def named_outlets(question: str, outlets: list[str]) -> list[str]:
    """Outlets a question names: in full, by their first word, or by a bracketed agency."""
    lowered = f" {normalise(question).casefold()} "
    named = []
    for outlet in outlets:
        full = outlet.casefold()
        first = full.split()[0]
        aliases = {full, full.split(" (")[0], *re.findall(r"\(([^)]+)\)", full)}
        if len(first) >= 4 and first not in STOPWORDS:
            aliases.add(first)
        if any(re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", lowered) for a in aliases if len(a) > 2):
            named.append(outlet)
    return named


def _read_fallback(quick: Answer, note: str, reader: str, removed: Sequence[str] = ()) -> Answer:
    """The quotes answer (its lead and verified quotes) standing in for a reading, with a note why."""
    update = {
        "pending": None,
        "fallback": True,
        "note": note,
        "prose": "",
        "reader": reader,
        "removed": list(removed),
    }
    return quick.model_copy(update=update)


def _prose_leads(generator: Generator | None) -> bool:
    """True when this generator's verified prose opens the answer in place of the lead (measured
    per generator: see each generator's `prose_leads`)."""
    return bool(getattr(generator, "prose_leads", False))


def _opened(lead: Lead | None, text: str) -> str:
    """The answer text opened by its lead."""
    return text if lead is None else f"{lead.text}\n\n{text}"


def _pages_of(state: AskState) -> Pages:
    """The pages of a state that has been through the pages step."""
    assert state.pages is not None
    return state.pages


def _traced(answer: Answer, trace: Trace) -> Answer:
    """Stamp the milliseconds of each step so far on an answer."""
    answer.timings = trace.timings()
    return answer
