"""The batch-built, memory-mapped BM25 index ranks and scores exactly as bm25s does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.build import build_index
from index.diskarray import DiskArray
from index.lexical import LexicalIndex, LexicalIndexWriter, tokenize
from index.store import IndexStore
from tests.conftest import CORPORA, ROOT, SEEDS

QUERIES = (
    "president election vote",
    "oil prices fell",
    "police said the man was arrested",
    "court ruling appeal",
    "Peskov Kremlin Syria",
)


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str], list[str]]:
    """About 1,500 chunk-sized passages of real articles, plus an empty and a stop-word-only one."""
    texts: list[str] = []
    articles: list[str] = []
    with gzip.open(CORPORA, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number == 150:
                break
            body = json.loads(line)["body"]
            passages = [body[i : i + 600] for i in range(0, len(body), 600)]
            texts += passages
            articles += [f"article-{number}"] * len(passages)
    texts += ["", "the and of a"]
    articles += ["article-empty", "article-empty"]
    return texts, [f"chunk-{n}" for n in range(len(texts))], articles


def _reference(texts: list[str]):  # type: ignore[no-untyped-def]
    """bm25s's own index over the same texts, tokenized the same way."""
    reference = bm25s.BM25()
    stemmer = __import__("Stemmer").Stemmer("english")
    reference.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    return reference, stemmer


def _saved(tmp_path: Path, corpus, batch: int) -> LexicalIndex:  # type: ignore[no-untyped-def]
    texts, chunk_ids, articles = corpus
    writer = LexicalIndexWriter()
    for offset in range(0, len(texts), batch):
        writer.add(
            texts[offset : offset + batch],
            chunk_ids[offset : offset + batch],
            articles[offset : offset + batch],
        )
    writer.save(tmp_path / f"bm25-{batch}")
    return LexicalIndex.load(tmp_path / f"bm25-{batch}")


@pytest.mark.parametrize("batch", [97, 5000])
def test_same_scores_and_ranking_as_bm25s(tmp_path: Path, corpus, batch: int) -> None:  # type: ignore[no-untyped-def]
    texts, chunk_ids, articles = corpus
    reference, stemmer = _reference(texts)
    index = _saved(tmp_path, corpus, batch)
    for query in QUERIES:
        tokens = [t for t in tokenize([query], stemmer)[0] if t in reference.vocab_dict]
        expected = reference.get_scores(tokens)
        ours = index.search(query, 15)
        found = np.asarray([s for *_, s in ours])
        np.testing.assert_allclose(found, np.sort(expected)[::-1][: len(ours)], rtol=1e-5)
        for chunk_id, article, score in ours:
            row = chunk_ids.index(chunk_id)
            assert articles[row] == article and score == pytest.approx(expected[row], rel=1e-5)
        assert len(ours) == min(15, int((expected > 0).sum())), query


def test_saved_postings_are_read_from_disk_not_held(tmp_path: Path, corpus) -> None:  # type: ignore[no-untyped-def]
    index = _saved(tmp_path, corpus, 500)
    assert isinstance(index._retriever.scores["data"], DiskArray)
    assert isinstance(index._retriever.scores["indices"], DiskArray)
    assert isinstance(index._chunk_ids, np.memmap)
    assert index.chunk_ids == corpus[1]


def test_article_filter_keeps_only_allowed_articles(tmp_path: Path, corpus) -> None:  # type: ignore[no-untyped-def]
    index = _saved(tmp_path, corpus, 500)
    everything = index.search("police said", 50)
    wanted = {everything[-1][1], everything[0][1]}
    filtered = index.search("police said", 50, wanted)
    assert filtered and {a for _, a, _ in filtered} == wanted
    assert index.search("police said", 50, {"no-such-article"}) == []


def test_empty_index_answers_nothing(tmp_path: Path) -> None:
    LexicalIndexWriter().save(tmp_path / "empty")
    assert LexicalIndex.load(tmp_path / "empty").search("anything at all", 5) == []


def test_index_of_an_older_version_is_read_then_upgraded(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = IndexStore(tmp_path / "index", fake_embedder)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    expected = store.lexical_search("Peskov Turkey", 5)
    lexical_dir = store.index_dir / store.catalog.meta("lexical_dir")
    _rewrite_as_json_listed(lexical_dir)
    older = IndexStore(tmp_path / "index", fake_embedder)
    assert older.lexical_search("Peskov Turkey", 5) == expected
    report = build_index(older, [SEEDS], root=ROOT, progress=False)
    assert report.chunks_embedded == 0 and report.generation == 2
    upgraded = store.index_dir / store.catalog.meta("lexical_dir")
    assert LexicalIndex.is_current(upgraded) and not lexical_dir.exists()
    assert IndexStore(tmp_path / "index", fake_embedder).lexical_search("Peskov Turkey", 5) == expected


def _rewrite_as_json_listed(directory: Path) -> None:
    """Turn a saved index into the format before memory-mapped ids (ids in docs.json)."""
    index = LexicalIndex.load(directory)
    docs = {
        "chunk_ids": index.chunk_ids,
        "article_ids": [index._articles[int(c)] for c in index._article_codes],
    }
    for name in ("chunk_ids.npy", "article_codes.npy", "articles.json"):
        (directory / name).unlink()
    (directory / "docs.json").write_text(json.dumps(docs), encoding="utf-8")
    assert not LexicalIndex.is_current(directory)
