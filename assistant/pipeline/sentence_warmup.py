"""Sentence vectors at index time: every candidate quote of every new article embedded once.

Scoring a candidate quote needs its vector; embedding the candidates of the retrieved passages was
the largest cost of an ask. The candidates of a passage do not depend on the question, so after
each build the candidates of articles not yet done are embedded and stored beside the chunk vectors
(index.sentence_vectors); asks, compare() and the LlamaIndex step then read them. An index built
before this keeps working: its vectors are computed on first use and stored then.
"""

from __future__ import annotations

from assistant.pipeline.evidence import SentenceEmbeddingCache, candidate_quotes
from assistant.retrieval.hybrid import RetrievedChunk
from assistant.scoring.nlp import ParseCache
from index.store import IndexStore

# Chunks parsed and embedded together: large enough for batched spaCy and ONNX calls, small
# enough that an interrupted build loses little and memory stays flat.
WARM_BATCH_CHUNKS = 64


def warm_sentence_vectors(store: IndexStore, sentences: SentenceEmbeddingCache) -> int:
    """Embed and store the candidate quotes of every visible article not yet done; return how many."""
    vectors = sentences.store
    if vectors is None:
        return 0
    done = vectors.complete_articles()
    rows = [row for row in store.catalog.chunk_rows() if row[1] not in done]
    parses = ParseCache(size=WARM_BATCH_CHUNKS)
    embedded = 0
    finished: set[str] = set()
    for first in range(0, len(rows), WARM_BATCH_CHUNKS):
        batch = rows[first : first + WARM_BATCH_CHUNKS]
        chunks = store.chunks([row[0] for row in batch])
        articles = store.catalog.get_articles({chunk.article_id for chunk in chunks.values()})
        retrieved = [RetrievedChunk(chunk, 0.0, None, None, 0.0) for chunk in chunks.values()]
        quotes = candidate_quotes(retrieved, articles, parses)
        keys = [(q.article_id, q.start, q.end) for q in quotes]
        missing = set(keys) - set(vectors.get(keys))
        todo = [(key, q.text) for key, q in zip(keys, quotes, strict=True) if key in missing]
        if todo:
            fresh = sentences.embedder.embed_batch([text for _, text in todo])
            vectors.put(dict(zip([key for key, _ in todo], fresh, strict=True)))
            embedded += len(todo)
        # An article is done once the batch holding its last chunk is stored (rows come article
        # after article), so a build stopped midway leaves only whole articles marked.
        finished |= {row[1] for row in batch}
        last = batch[-1][1]
        vectors.mark_complete(finished - {last})
        finished = {last}
    vectors.mark_complete(finished)
    return embedded
