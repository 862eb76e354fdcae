"""The public functions: ask, ask_stream, compare, coverage, find_source, articles and indexing,
over a shared default engine (the only module that holds it: lower modules are handed an engine)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from assistant.config import Settings, default_settings
from assistant.news.comparison import Comparison, compare_with
from assistant.news.timeline import Coverage, coverage_with
from assistant.pipeline.admission import Admission
from assistant.pipeline.engine import Engine
from assistant.pipeline.request import AskRequest
from assistant.pipeline.rewrite import Message
from assistant.pipeline.sentence_warmup import warm_sentence_vectors
from assistant.retrieval.source import find_source as find_source_in
from assistant.types import Answer, SourceMatch
from index.build import BuildReport, build_index
from index.embedding import MiniLMEmbedder
from index.models import Article
from index.store import IndexStore

log = logging.getLogger(__name__)

_engines: dict[tuple[str, str | None, int], Engine] = {}
_lock = threading.Lock()


def open_store(settings: Settings | None = None) -> IndexStore:
    """Open the index store named by the settings (local directory or Chroma server)."""
    settings = settings or default_settings()
    return IndexStore(
        settings.index_dir,
        MiniLMEmbedder(backend=settings.embedding_backend, precision=settings.embedding_precision),
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
    )


def get_engine(settings: Settings | None = None, build_if_missing: bool = True) -> Engine:
    """Return the engine for these settings, opening the index once (and building it if empty)."""
    settings = settings or default_settings()
    key = (str(settings.index_dir), settings.chroma_host, settings.chroma_port)
    with _lock:
        engine = _engines.get(key)
        if engine is None or engine.settings is not settings:
            store = engine.store if engine is not None else open_store(settings)
            if (mismatch := store.embedder_mismatch()) is not None:
                log.warning(mismatch)
            engine = Engine(settings, store)
            _engines[key] = engine
    if build_if_missing and engine.store.is_empty():
        index_paths(settings.corpus, settings=settings, store=engine.store)
    return engine


def index_paths(
    paths: Sequence[Path],
    settings: Settings | None = None,
    store: IndexStore | None = None,
    progress: bool | None = None,
    on_progress=None,  # type: ignore[no-untyped-def]
) -> BuildReport:
    """Index articles from files or folders into the configured index (incremental)."""
    settings = settings or default_settings()
    engine = get_engine(settings, build_if_missing=False)
    store = store or engine.store
    report = build_index(store, [Path(p) for p in paths], progress=progress, on_progress=on_progress)
    if settings.sentence_vectors == "at_index" and store is engine.store:
        warm_sentence_vectors(store, engine.sentences)
    return report


def get_admission(settings: Settings | None = None) -> Admission:
    """The admission of the engine for these settings: asks in flight, and who is told 'busy'."""
    return get_engine(settings, build_if_missing=False).admission


def ask(
    question: str | AskRequest,
    history: Sequence[Message] | None = None,
    *,
    llm: str | None = None,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    top_k: int | None = None,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> Answer:
    """Answer a question about the corpus with verified, attributed quotes (or decline).

    `as_of` asks as on that day: later articles are left out and 'this week' is read from it.
    """
    request = _request(question, history, llm, outlets, since, until, top_k, as_of)
    return get_engine(settings).ask(request)


def ask_stream(
    question: str | AskRequest,
    history: Sequence[Message] | None = None,
    *,
    llm: str | None = None,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    top_k: int | None = None,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> Iterator[str | Answer]:
    """Yield answer text as it is produced, then the final verified Answer."""
    request = _request(question, history, llm, outlets, since, until, top_k, as_of)
    return get_engine(settings).ask_stream(request)


def compare(
    question: str,
    *,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    settings: Settings | None = None,
) -> Comparison:
    """How each outlet in the index covers a question: its verified quotes, the silent outlets,
    and the disagreements (a number, a date, a name) between outlets' quotes."""
    return compare_with(get_engine(settings), question, outlets=outlets, since=since, until=until)


def coverage(
    question: str | None = None,
    *,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    settings: Settings | None = None,
) -> Coverage:
    """The articles matching a question (or just the filters) per outlet per week or month."""
    return coverage_with(get_engine(settings), question, outlets=outlets, since=since, until=until)


def find_source(
    text: str,
    *,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    settings: Settings | None = None,
) -> list[SourceMatch]:
    """Articles a passage comes from, earliest first, with syndicated copies under the original
    (see source.find_source: filters keep the texts with an article they admit)."""
    passages = get_engine(settings).store.passages()
    return find_source_in(text, outlets=outlets, since=since, until=until, passages=passages)


def _request(
    question: str | AskRequest,
    history: Sequence[Message] | None,
    llm: str | None,
    outlets: Sequence[str] | None,
    since: date | None,
    until: date | None,
    top_k: int | None,
    as_of: date | None = None,
) -> AskRequest:
    """The AskRequest for ask()'s arguments (a request passed in is used as it is)."""
    if isinstance(question, AskRequest):
        return question
    return AskRequest.of(
        question, history, generator=llm, outlets=outlets, since=since, until=until, top_k=top_k, as_of=as_of
    )


def list_articles(settings: Settings | None = None, with_text: bool = False) -> list[Article]:
    """The articles in the index, ordered by source."""
    return get_engine(settings).store.articles(with_text=with_text)


def get_article(article_id: str, settings: Settings | None = None) -> Article | None:
    """One article with its cleaned text, or None."""
    return get_engine(settings).store.article(article_id)


def chunk_counts(settings: Settings | None = None) -> dict[str, int]:
    """Number of chunks per article id."""
    return get_engine(settings).store.catalog.chunk_counts()
