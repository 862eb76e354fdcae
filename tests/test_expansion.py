"""Context expansion: the paragraphs beside the best retrieved chunks, and the best article's
passages most like the question, join the candidates."""

from __future__ import annotations

from pathlib import Path

from assistant.retrieval.hybrid import EXPAND_ANCHORS, EXPAND_NEAREST, EXPAND_REACH, HybridRetriever
from index.build import build_index
from index.store import IndexStore
from tests.conftest import ROOT, SEEDS


def _built(tmp_path: Path, embedder) -> IndexStore:  # type: ignore[no-untyped-def]
    store = IndexStore(tmp_path / "index", embedder)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    return store


def _places(store: IndexStore) -> dict[str, tuple[str, int]]:
    return {r[0]: (r[1], r[2]) for r in store.catalog.chunk_vectors_of(store.catalog.known_ids())}


def test_an_anchor_brings_the_paragraphs_on_either_side(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = _built(tmp_path, fake_embedder)
    places = _places(store)
    article = next(iter(places.values()))[0]
    middle = next(c for c, (a, i) in places.items() if a == article and i == 2)
    vector = fake_embedder.embed_batch(["a question about nothing in particular"])[0]
    hits = store.around(vector, [middle], {middle}, reach=1, nearest=0)
    assert sorted(places[h.chunk_id] for h in hits) == [(article, 1), (article, 3)]


def test_known_chunks_are_not_added_again_and_the_best_article_gives_its_nearest(
    tmp_path: Path,
    fake_embedder,  # type: ignore[no-untyped-def]
) -> None:
    store = _built(tmp_path, fake_embedder)
    places = _places(store)
    article = next(iter(places.values()))[0]
    own = sorted((i, c) for c, (a, i) in places.items() if a == article)
    first, target = own[0][1], own[-1][1]
    text = store.chunks([target])[target].text
    vector = fake_embedder.embed_batch([text])[0]
    hits = store.around(vector, [first], {first, own[1][1]}, reach=1, nearest=1)
    ids = [h.chunk_id for h in hits]
    assert ids == [target]  # the neighbour is known already; the nearest passage is the target
    assert hits[0].score > 0.99


def test_the_retriever_appends_context_after_the_ranked_chunks(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = _built(tmp_path, fake_embedder)
    retriever = HybridRetriever(store, top_k=2)
    question = "Which pipeline did the president say would carry gas?"
    vector = fake_embedder.embed_batch([question])[0]
    ranked = retriever.retrieve(question, query_vector=vector)
    expanded = retriever.expand(ranked, vector)
    assert expanded[: len(ranked)] == ranked
    extra = expanded[len(ranked) :]
    assert extra and len(extra) <= 2 * EXPAND_REACH * min(EXPAND_ANCHORS, len(ranked)) + EXPAND_NEAREST
    assert not {e.chunk.id for e in extra} & {r.chunk.id for r in ranked}
    assert all(e.beside and e.dense_rank is None and e.lexical_rank is None for e in extra)
    assert not any(r.beside for r in ranked)
    anchor_articles = {r.chunk.article_id for r in ranked[:EXPAND_ANCHORS]}
    assert all(e.chunk.article_id in anchor_articles for e in extra)
    assert retriever.expand([], vector) == []
