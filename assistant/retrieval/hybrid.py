"""Hybrid retrieval: dense (MiniLM in Chroma) and BM25, fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.models import Chunk
from index.store import Hit, IndexStore, SearchFilter

# Reciprocal rank fusion's constant, as in Cormack et al. (2009): ranks past the first few count
# nearly alike, so neither retriever's score scale matters.
RRF_K = 60
# Each retriever's list is three times the default top_k (8), so a chunk ranked well by only one
# of them still reaches the fused top.
CANDIDATES_PER_RETRIEVER = 24
# Context expansion. A news article often answers a question in a sentence that repeats few of
# its words: the article's other paragraphs carry the context, where more chunks of the fused
# ranking add little. The paragraphs beside the best EXPAND_ANCHORS chunks and the EXPAND_NEAREST
# chunks of the best article most like the question (by their stored vectors) join the
# candidates; one anchor keeps most of the gain of three or eight for the fewest candidates and
# declines more unanswerables (tuning half, docs/experiments.md, 4 Dec 2026).
EXPAND_ANCHORS = 1
EXPAND_REACH = 1
EXPAND_NEAREST = 2


@dataclass
class RetrievedChunk:
    """A chunk with its fused score and its rank in each retriever (None when absent)."""

    chunk: Chunk
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    dense_similarity: float
    beside: bool = False  # context added beside the retrieved chunks, not retrieved itself


class HybridRetriever:
    """Dense + BM25 retrieval over an IndexStore, fused with reciprocal rank fusion."""

    def __init__(self, store: IndexStore, top_k: int) -> None:
        self.store = store
        self.top_k = top_k

    def retrieve(
        self,
        query: str,
        search_filter: SearchFilter | None = None,
        top_k: int | None = None,
        query_vector=None,  # type: ignore[no-untyped-def]
    ) -> list[RetrievedChunk]:
        """Check the query, then return the top chunks, best first."""
        query = query.strip()
        if not query:
            raise ValueError("The query is empty.")
        k = top_k or self.top_k
        if k < 1:
            raise ValueError("top_k must be at least 1.")
        return self._retrieve(query, search_filter, k, query_vector)

    def expand(self, chunks: list[RetrievedChunk], query_vector) -> list[RetrievedChunk]:  # type: ignore[no-untyped-def]
        """The retrieved chunks followed by their context: the paragraphs beside the best ones and
        the best article's passages most like the question (no rank in either retriever)."""
        if not chunks:
            return []
        anchors = [item.chunk.id for item in chunks[:EXPAND_ANCHORS]]
        known = {item.chunk.id for item in chunks}
        hits = self.store.around(
            np.asarray(query_vector, dtype=np.float32), anchors, known, EXPAND_REACH, EXPAND_NEAREST
        )
        found = self.store.chunks([hit.chunk_id for hit in hits])
        extra = [
            RetrievedChunk(found[h.chunk_id], 0.0, None, None, h.score, beside=True)
            for h in hits
            if h.chunk_id in found
        ]
        return chunks + extra

    def _retrieve(
        self,
        query: str,
        search_filter: SearchFilter | None,
        k: int,
        query_vector,  # type: ignore[no-untyped-def]
    ) -> list[RetrievedChunk]:
        """Run both retrievers and fuse their rankings."""
        allowed = self.store.allowed_articles(search_filter)
        if allowed is not None and not allowed:
            return []
        if query_vector is None:
            query_vector = self.store.embedder.embed_batch([query])[0]
        dense = self.store.dense_search(query_vector, CANDIDATES_PER_RETRIEVER, allowed)
        lexical = self.store.lexical_search(query, CANDIDATES_PER_RETRIEVER, allowed)
        fused = _fuse(dense, lexical)[:k]
        chunks = self.store.chunks([chunk_id for chunk_id, *_ in fused])
        similarity = {hit.chunk_id: hit.score for hit in dense}
        results = []
        for chunk_id, score, dense_rank, lexical_rank in fused:
            if chunk_id in chunks:
                results.append(
                    RetrievedChunk(
                        chunk=chunks[chunk_id],
                        score=score,
                        dense_rank=dense_rank,
                        lexical_rank=lexical_rank,
                        dense_similarity=similarity.get(chunk_id, 0.0),
                    )
                )
        return results


def _fuse(dense: list[Hit], lexical: list[Hit]) -> list[tuple[str, float, int | None, int | None]]:
    """Reciprocal rank fusion: (chunk id, score, dense rank, lexical rank), best first."""
    ranks: dict[str, list[int | None]] = {}
    for rank, hit in enumerate(dense):
        ranks.setdefault(hit.chunk_id, [None, None])[0] = rank
    for rank, hit in enumerate(lexical):
        ranks.setdefault(hit.chunk_id, [None, None])[1] = rank
    fused = []
    for chunk_id, (dense_rank, lexical_rank) in ranks.items():
        score = sum(1.0 / (RRF_K + r + 1) for r in (dense_rank, lexical_rank) if r is not None)
        fused.append((chunk_id, score, dense_rank, lexical_rank))
    fused.sort(key=lambda item: -item[1])
    return fused
