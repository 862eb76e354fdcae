"""The pipeline behind ask(): standalone question, retrieval, evidence, generation, verification."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import NamedTuple

import numpy as np

from assistant.admission import Admission
from assistant.config import Settings
from assistant.decline import closest_articles, decline_text, filter_decline
from assistant.evidence import (
    Evidence,
    Quote,
    SentenceEmbeddingCache,
    candidate_quotes,
    observe,
    scoring_embedder,
    select_quotes,
    weigh,
)
from assistant.generators import ExtractiveGenerator, GenerationError, Generator, registry
from assistant.generators.extractive import attribute
from assistant.lead import write_lead
from assistant.models import Answer, ArticleRef, Citation, Lead
from assistant.prose_queue import ProseQueue, ProseSkipped
from assistant.quarantine import is_instruction
from assistant.readers import Passage, Reader, Reading, ReadingError, ReadRequest
from assistant.readers import create as create_reader
from assistant.readers.passages import numbered_passages
from assistant.request import AskRequest, QuestionError
from assistant.retrieval import HybridRetriever, RetrievedChunk
from assistant.rewrite import Message, Standalone, standalone_question
from assistant.scoring.features import features
from assistant.scoring.mentions import MentionCache
from assistant.scoring.model import FittedModels, load_models
from assistant.scoring.nlp import ParseCache
from assistant.scoring.question_features import question_info
from assistant.source_question import quoted, source_answer, source_passage
from assistant.speakers import asked_subject, involves, only_asked_person, prefer_named_speaker
from assistant.text import STOPWORDS, normalise
from assistant.verify import Verified, sanitise, verify_answer
from index.models import Article
from index.store import IndexStore, SearchFilter

PENDING = "Writing a summary"
UNVERIFIED = "No quote could be verified in its article."
# How the answerability model and the reader's own "the passages don't say" combine: the fitted
# answerability model decides whether to decline (the reader is asked only when it answers); the
# reader's "not found" keeps the quotes it chose, with this note (measured: docs/reader.md).
NO_ANSWER_READ = "The model read the passages and found no answer in them; showing the quotes instead."
NOTHING_VERIFIED = (
    "No sentence the model wrote from the passages could be verified in its article; "
    "showing the quotes instead."
)

# The passages reader is given the retrieved passages and their context, then the next best of
# the fused ranking up to this many: with the index's chunk size, about what fills the default
# 4096-token context; the reader keeps what fits its model (measured: docs/reader.md).
READER_TOP_K = 32

# A question that names an outlet also gets that outlet's best few passages, so its own reporting
# is among the candidates even when other outlets rank higher; three is about one quote's context.
PER_OUTLET_K = 3


class Pages(NamedTuple):
    """The texts quotes are checked against: each article as cleaned, and its page as published."""

    articles: Mapping[str, str]
    originals: Mapping[str, str]


class Draft(NamedTuple):
    """What an answer is written from: the question searched, its chosen quotes, the articles
    retrieved, the pages quotes are checked against, the Answer fields known, when it began, and
    the asker's own words (a follow-up's, before it was rewritten)."""

    question: str
    quotes: list[Quote]
    retrieved: list[ArticleRef]
    pages: Pages
    base: dict[str, object]
    started: float
    focus: str = ""


class Engine:
    """Answers questions over one index with verified, attributed quotes."""

    def __init__(self, settings: Settings, store: IndexStore) -> None:
        self.settings = settings
        self.store = store
        self.retriever = HybridRetriever(store, top_k=settings.top_k)
        scorer = scoring_embedder(store.embedder)
        kept = None if settings.sentence_vectors == "off" else store.sentence_vectors(scorer)
        self.sentences = SentenceEmbeddingCache(scorer, store=kept)
        self.admission = Admission(settings.admission_wait_s)
        self.parses = ParseCache()
        self.mentions = MentionCache()
        self.extractive = ExtractiveGenerator()
        self._generators: dict[str, Generator] = {"extractive": self.extractive}
        self._readers: dict[str, Reader] = {}
        self.prose_queue = ProseQueue(
            settings.prose_slots,
            settings.prose_waiting,
            settings.prose_max_wait_s,
            crowded=lambda: self.admission.crowded(settings.prose_max_wait_s),
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
        """
        started = time.perf_counter()
        if not isinstance(request, AskRequest):
            request = AskRequest.of(request, history, **options)
        request = self.resolve(request)
        passage = source_passage(request.question)
        if passage is not None:  # unquoted text that no article holds is answered as a question
            answer = source_answer(passage, request.question, self.store.passages(), request.search_filter)
            if not answer.refused or quoted(request.question):
                yield answer.text
                yield self._timed(answer, started)
                return
        standalone = standalone_question(request.question, request.history)
        base = {
            "question": standalone.question,
            "original_question": request.question,
            "rewritten": standalone.rewritten,
            "generator": request.generator,
        }
        if is_instruction(standalone.focus):
            answer = Answer(
                text=decline_text(standalone.question, [], instruction=True),
                refused=True,
                decline_reason="instruction",
                **base,
            )
            yield answer.text
            yield self._timed(answer, started)
            return
        wanted = request.search_filter
        empty = None if wanted.is_empty() else filter_decline(wanted, self.store.article_metas())
        if empty is not None:
            answer = Answer(text=empty[1], refused=True, decline_reason=empty[0], **base)
            yield answer.text
            yield self._timed(answer, started)
            return
        evidence = self.collect_evidence(standalone, request)
        retrieved = _article_refs(evidence.chunks)
        articles = {aid: a.text for aid, a in evidence.articles.items()}
        models = load_models()
        ranked, answerable = weigh(evidence, models)
        quotes = select_quotes(ranked, self.settings.max_quotes, models.extra_quote_ratio, evidence.named)
        if answerable < self.decline_threshold(models):
            quotes = []
        if quotes:
            floor = ranked[0].score * models.extra_quote_ratio
            quotes = self._by_speaker(standalone.question, quotes, ranked, floor, articles)
        if not quotes:
            closest = closest_articles(ranked)
            answer = Answer(
                text=decline_text(standalone.question, closest),
                refused=True,
                decline_reason="not_in_articles",
                closest=closest,
                retrieved=retrieved,
                answerability=round(answerable, 4),
                **base,
            )
            yield answer.text
            yield self._timed(answer, started)
            return
        pages = Pages(articles, self.store.original_texts({q.article_id for q in quotes}))
        draft = Draft(standalone.question, quotes, retrieved, pages, base, started, standalone.focus)
        yield from self._answer(request, draft, evidence)

    def collect_evidence(self, standalone: Standalone, request: AskRequest) -> Evidence:
        """Retrieve passages for a standalone question and describe every candidate quote."""
        vector = self.store.embedder.embed_batch([standalone.question])[0]
        named = named_outlets(standalone.question, self.store.outlets())
        chunks = self._retrieve(standalone.question, vector, request, named)
        articles = self.store.catalog.get_articles({c.chunk.article_id for c in chunks})
        return self.describe(standalone, chunks, articles, tuple(named), request.as_of)

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

    # -- steps -------------------------------------------------------------------------------
    def _scoring_vector(self, standalone: Standalone) -> np.ndarray:
        """The question's vector for scoring quotes; a follow-up's own words weigh as much as the
        context it was rewritten with."""
        vector = self.sentences.question(standalone.question)
        if not standalone.rewritten:
            return vector
        mixed = vector + self.sentences.question(standalone.focus)
        return mixed / (np.linalg.norm(mixed) or 1.0)

    def _retrieve(
        self, question: str, vector: object, request: AskRequest, named: list[str]
    ) -> list[RetrievedChunk]:
        """Hybrid retrieval, plus the best passages of each outlet the question names, then the
        context beside the best passage (HybridRetriever.expand)."""
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
        return self.retriever.expand(chunks, vector)

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

    def decline_threshold(self, models: FittedModels) -> float:
        """The probability P(answerable) must reach: the fitted one unless a setting overrides it."""
        return self.settings.min_evidence or models.decline_below

    def _answer(
        self, request: AskRequest, draft: Draft, evidence: Evidence | None = None
    ) -> Iterator[str | Answer]:
        """The verified quotes first; then, for a model, its summary when a slot in the line is free."""
        if request.generator == "extractive":
            yield from self._write(request, draft)
            return
        quick = self._quotes_answer(draft)
        if quick.refused:
            yield quick.text
            yield quick
            return
        yield quick.model_copy(update={"pending": PENDING})
        try:
            ticket = self.prose_queue.join()
        except ProseSkipped:
            yield self._timed(self._skipped(quick, "the model is busy with other questions"), draft.started)
            return
        try:
            for place in self.prose_queue.wait(ticket):
                yield quick.model_copy(update={"pending": f"{PENDING} ({place.ahead} ahead of you)"})
            yield from self._compose(request, draft, quick, evidence)
        except ProseSkipped:
            yield self._timed(self._skipped(quick, "the model took too long to get to it"), draft.started)
        finally:
            self.prose_queue.leave(ticket)

    def _quotes_answer(self, draft: Draft) -> Answer:
        """The extractive answer (attributed, verified quotes), or a decline when none verifies."""
        question, quotes, retrieved, pages, base, started, focus = draft
        verified = self._verified_quotes(question, quotes, pages)
        citations = [_citation(i, quotes[n - 1]) for i, n in enumerate(verified.used, start=1)]
        if not citations:
            answer = _unverified(question, quotes, retrieved, base)
        else:
            direct = write_lead(question, citations, focus)
            text = _opened(direct, verified.text)
            answer = Answer(text=text, prose=None, direct=direct, citations=citations, retrieved=retrieved,
                            **base)  # type: ignore[arg-type]  # fmt: skip
        answer = self._timed(answer, started)
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

    def _compose(
        self, request: AskRequest, draft: Draft, quick: Answer, evidence: Evidence | None
    ) -> Iterator[str | Answer]:
        """The model's part: its reading of the passages when its reader reads them (readers/),
        else its summary of the chosen quotes (_write)."""
        reader = self.reader(self.settings.reader_for(str(request.generator)))
        if evidence is None or reader.name == "quotes":
            yield from self._write(request, draft, quick)
            return
        yield from self._read(reader, request, draft, quick, evidence)

    def _read(
        self, reader: Reader, request: AskRequest, draft: Draft, quick: Answer, evidence: Evidence
    ) -> Iterator[str | Answer]:
        """The model reads the retrieved passages; its verified sentences open the answer, or the
        quotes stand with a note saying why (reply unreadable, model failed, nothing verified)."""
        name = str(request.generator)
        passages = self.reader_passages(draft.question, request, evidence)
        found = self.store.catalog.get_articles({p.article_id for p in passages})
        articles = {aid: article.text for aid, article in found.items()}
        pages = Pages(articles, self.store.original_texts({p.article_id for p in passages}))
        wanted = ReadRequest(draft.question, passages, pages.articles, pages.originals, draft.focus)
        try:
            generator = self.generator(name)
            reading = reader.read(wanted, generator)
        except ReadingError as exc:
            note = f"The {name} model's reply could not be read ({exc}); showing the quotes instead."
            yield self._timed(_read_fallback(quick, note, reader.name), draft.started)
            return
        except GenerationError as exc:
            note = f"The {name} reader failed ({exc}); showing the quotes instead."
            yield self._timed(_read_fallback(quick, note, reader.name), draft.started)
            return
        if reading is None:
            yield from self._write(request, draft, quick)
            return
        if not reading.prose:
            why = NO_ANSWER_READ if reading.said_absent else NOTHING_VERIFIED
            yield self._timed(_read_fallback(quick, why, reader.name, reading.removed), draft.started)
            return
        yield reading.prose
        yield self._timed(
            self._reading_answer(reader, reading, draft, quick, pages, generator), draft.started
        )

    def _reading_answer(
        self,
        reader: Reader,
        reading: Reading,
        draft: Draft,
        quick: Answer,
        pages: Pages,
        generator: Generator,
    ) -> Answer:
        """The Answer from a verified reading: its sentences, then its spans as numbered citations."""
        quotes = reading.quotes
        prose = Verified(reading.prose, list(range(1, len(quotes) + 1)), reading.removed)
        verified = self._with_evidence(prose, quotes, pages)
        citations = [_citation(i, quotes[n - 1]) for i, n in enumerate(verified.used, start=1)]
        direct = write_lead(draft.question, citations, draft.focus)
        summary_first = _prose_leads(generator)
        return Answer(
            text=verified.text if summary_first else _opened(direct, verified.text),
            prose=reading.prose,
            direct=direct,
            summary_first=summary_first,
            citations=citations,
            retrieved=draft.retrieved,
            reader=reader.name,
            removed=verified.removed,
            quotes_ms=quick.quotes_ms,
            **draft.base,  # type: ignore[arg-type]
        )

    def reader_passages(
        self, question: str, request: AskRequest, evidence: Evidence, top_k: int = READER_TOP_K
    ) -> list[Passage]:
        """The passages a reader is given, numbered: the retrieved ones with their context, then
        the next best of the fused ranking up to top_k (the reader keeps what fits its model)."""
        more: list[RetrievedChunk] = []
        if top_k:
            vector = self.store.embedder.embed_batch([question])[0]
            more = self.retriever.retrieve(question, request.search_filter, top_k, query_vector=vector)
        seen = {item.chunk.id for item in evidence.chunks}
        chunks = [*evidence.chunks, *(item for item in more if item.chunk.id not in seen)]
        missing = {item.chunk.article_id for item in chunks} - set(evidence.articles)
        articles = {**evidence.articles, **self.store.catalog.get_articles(missing)}
        return numbered_passages(chunks, articles)

    def reader(self, name: str) -> Reader:
        """Return (creating once, from the reader registry) the reader with this name."""
        if name not in self._readers:
            self._readers[name] = create_reader(name, self.settings)
        return self._readers[name]

    def _write(
        self, request: AskRequest, draft: Draft, quick: Answer | None = None
    ) -> Iterator[str | Answer]:
        """Generate over the quotes, verify, and fall back to the extractive answer if needed."""
        question, quotes, retrieved, pages, base, started, focus = draft
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
        citations = [_citation(i, quotes[n - 1]) for i, n in enumerate(verified.used, start=1)]
        if not citations:
            answer = _unverified(question, quotes, retrieved, base)
            yield "\n\n" + answer.text
            yield self._timed(answer, started)
            return
        direct = write_lead(question, citations, focus)
        summary_first = bool(prose_text) and not fallback and quick is not None and _prose_leads(generator)
        answer = Answer(
            text=verified.text if summary_first else _opened(direct, verified.text),
            prose=prose_text,
            direct=direct,
            summary_first=summary_first,
            citations=citations,
            retrieved=retrieved,
            fallback=fallback,
            note=note,
            removed=removed,
            quotes_ms=quick.quotes_ms if quick is not None else None,
            **base,  # type: ignore[arg-type]
        )
        yield self._timed(answer, started)

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


def _unverified(
    question: str, quotes: list[Quote], retrieved: list[ArticleRef], base: dict[str, object]
) -> Answer:
    """The decline given when no quote could be verified in its article, naming the closest ones."""
    closest = closest_articles(quotes)
    return Answer(text=decline_text(question, closest), refused=True, decline_reason="not_in_articles",
                  closest=closest, retrieved=retrieved, note=UNVERIFIED, **base)  # type: ignore[arg-type]  # fmt: skip


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


def _citation(number: int, quote: Quote) -> Citation:
    """A numbered citation from a verified quote."""
    return Citation(
        number=number,
        quote=quote.text,
        start=quote.start,
        end=quote.end,
        article_id=quote.article_id,
        speaker=quote.speaker,
        **quote.credit.model_dump(),
    )


def _article_refs(chunks: list) -> list[ArticleRef]:  # type: ignore[type-arg]
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
