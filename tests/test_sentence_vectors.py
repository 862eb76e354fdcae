"""Sentence vectors are embedded once and kept in the index: asks read them, answers do not change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import load_settings
from assistant.pipeline.admission import Admission
from assistant.pipeline.engine import Engine
from assistant.pipeline.evidence import SentenceEmbeddingCache
from assistant.pipeline.sentence_warmup import warm_sentence_vectors
from index.build import build_index
from index.sentence_vectors import SENTENCE_VECTORS_FILE, SentenceVectorStore
from index.store import IndexStore
from tests.conftest import ROOT, SEEDS
from tests.fakes import HashEmbedder, ScriptedGenerator

QUESTIONS = [
    "How many military observation posts did Turkey establish in Idlib?",
    "What did the Kremlin spokesman say about talks with Ankara?",
]


class CountingEmbedder(HashEmbedder):
    """The hash embedder, recording every text it embeds."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed_batch(texts)


def engine_over(index: Path, embedder: HashEmbedder, mode: str) -> Engine:
    """An extractive engine over an index (decline threshold off: the hash embedder is not MiniLM)."""
    settings = load_settings(index_dir=index, llm="extractive", min_evidence=1e-6, sentence_vectors=mode)
    return Engine(settings, IndexStore(index, embedder))


@pytest.fixture
def index(tmp_path: Path) -> Path:
    directory = tmp_path / "index"
    build_index(IndexStore(directory, HashEmbedder()), [SEEDS], root=ROOT, progress=False)
    return directory


def test_a_sentence_is_embedded_once_then_read_from_the_index(tmp_path: Path) -> None:
    keys = [("a1", 0, 30), ("a1", 31, 70)]
    texts = ["Turkey set up twelve posts.", "The Kremlin welcomed the talks."]
    first = CountingEmbedder()
    cache = SentenceEmbeddingCache(first, store=SentenceVectorStore(tmp_path / "v.sqlite3", "hash-256", 256))
    vectors = cache.vectors(keys, texts)
    cache.question("Who set up posts?")
    assert first.texts == [*texts, "Who set up posts?"]
    later = CountingEmbedder()  # another process over the same index
    reopened = SentenceEmbeddingCache(
        later, store=SentenceVectorStore(tmp_path / "v.sqlite3", "hash-256", 256)
    )
    assert np.array_equal(reopened.vectors(keys, texts), vectors)
    assert later.texts == [] and reopened.store is not None and reopened.store.count() == 2


def test_an_index_that_cannot_be_written_still_answers_from_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    embedder = CountingEmbedder()
    cache = SentenceEmbeddingCache(
        embedder, store=SentenceVectorStore(blocker / "v.sqlite3", "hash-256", 256)
    )
    cache.vectors([("a1", 0, 27)], ["Turkey set up twelve posts."])
    cache.vectors([("a1", 0, 27)], ["Turkey set up twelve posts."])
    assert embedder.texts == ["Turkey set up twelve posts."]


def test_vectors_made_at_index_time_leave_only_the_question_to_embed(index: Path) -> None:
    before = engine_over(index, HashEmbedder(), "off")
    expected = [before.ask(q) for q in QUESTIONS]
    assert not (index / SENTENCE_VECTORS_FILE).exists()
    warming = engine_over(index, HashEmbedder(), "at_index")
    stored = warm_sentence_vectors(warming.store, warming.sentences)
    assert stored > 50 and warm_sentence_vectors(warming.store, warming.sentences) == 0
    embedder = CountingEmbedder()
    after = engine_over(index, embedder, "on_use")
    answers = [after.ask(q) for q in QUESTIONS]
    assert set(embedder.texts) <= set(QUESTIONS), "a sentence was embedded at ask time"
    assert [a.text for a in answers] == [a.text for a in expected]
    assert [a.citations for a in answers] == [a.citations for a in expected]


def test_an_index_without_stored_vectors_keeps_them_on_first_use(index: Path) -> None:
    engine_over(index, HashEmbedder(), "on_use").ask(QUESTIONS[0])
    embedder = CountingEmbedder()
    again = engine_over(index, embedder, "on_use")  # a restarted server
    assert again.ask(QUESTIONS[0]).citations
    assert embedder.texts and set(embedder.texts) <= {QUESTIONS[0]}


def test_a_crowded_room_skips_the_summary_and_keeps_the_quotes(index: Path) -> None:
    engine = engine_over(index, HashEmbedder(), "on_use")
    now = [0.0]
    engine.admission = Admission(bound_s=2.0, clock=lambda: now[0])
    ticket = engine.admission.admit()
    now[0] += 1.0  # the last ask took a second: with the summary line's wait, past the bound
    ticket.finish()
    writer = ScriptedGenerator("Turkey established 12 military observation posts in Idlib [1].")
    with engine.override(local=writer):
        answer = engine.ask(QUESTIONS[0], llm="local")
    assert answer.citations and "12 military observation posts" in answer.text
    assert answer.note and "summary was skipped" in answer.note and writer.calls == []
