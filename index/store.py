"""The index on disk: the catalog, the Chroma vectors and the BM25 index, read as one snapshot."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.catalog import Catalog
from index.embedding import MODEL_NAME, Embedder
from index.lexical import LexicalIndex
from index.models import Article, Chunk
from index.passages import PassageIndex

COLLECTION = "news_chunks"
CATALOG_FILE = "catalog.sqlite3"
EXACT_SEARCH_MAX_CHUNKS = 2000  # a filter admitting at most this many chunks is searched exactly
OVERFETCH_MAX = 4000  # the most nearest neighbours fetched to filter a wider search afterwards
# An index committed before the embedder was recorded holds the original (float32) MiniLM vectors.
UNRECORDED_EMBEDDER = MODEL_NAME


class IndexError_(RuntimeError):
    """The index is missing, unreadable or unreachable."""


@dataclass(frozen=True)
class SearchFilter:
    """Restrict a search to some outlets and/or a publication date range."""

    outlets: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        """True when the filter lets every article through."""
        return not self.outlets and self.since is None and self.until is None

    def admits(self, article: Article) -> bool:
        """True when an article passes the filter (undated articles fail any date bound)."""
        if self.outlets and not _outlet_matches(article.outlet, self.outlets):
            return False
        if self.since or self.until:
            if article.published is None:
                return False
            if self.since and article.published < self.since:
                return False
            if self.until and article.published > self.until:
                return False
        return True


def _outlet_matches(outlet: str | None, wanted: tuple[str, ...]) -> bool:
    """Case-insensitive match of an outlet against wanted names (prefix: 'Planet (Wire)' ~ 'Planet')."""
    name = (outlet or "").casefold()
    return any(name == w.casefold() or name.startswith(w.casefold() + " ") for w in wanted)


@dataclass
class Hit:
    """One retrieved chunk with its score from one retriever."""

    chunk_id: str
    article_id: str
    score: float


class IndexStore:
    """Opens an index directory; safe to share between threads for reading."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder
        self.catalog = Catalog(self.index_dir / CATALOG_FILE)
        self._chroma_host = chroma_host
        self._chroma_port = chroma_port
        self._collection: Any = None
        self._snapshot_gen = -1
        self._visible: set[str] = set()
        self._articles: dict[str, Article] = {}
        self._chunk_total = 0
        self._lexical: LexicalIndex | None = None
        self._passages: tuple[int, PassageIndex] | None = None
        self._lock = threading.RLock()

    # -- Chroma ------------------------------------------------------------------------------
    @property
    def collection(self) -> Any:
        """Return the Chroma collection, connecting on first use."""
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    self._collection = self._open_collection()
        return self._collection

    def _open_collection(self) -> Any:
        """Open (or create) the chunk collection in a local store or on a Chroma server."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self._chroma_host:
                client = chromadb.HttpClient(
                    host=self._chroma_host, port=self._chroma_port, settings=settings
                )
                client.heartbeat()
            else:
                client = chromadb.PersistentClient(path=str(self.index_dir / "chroma"), settings=settings)
            return client.get_or_create_collection(
                COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except Exception as exc:
            where = (
                f"the Chroma server at {self._chroma_host}:{self._chroma_port}"
                if self._chroma_host
                else f"the Chroma store in {self.index_dir / 'chroma'}"
            )
            hint = (
                " Check that it is running, or unset ASSISTANT_CHROMA_HOST to use a local store."
                if self._chroma_host
                else " Delete the directory and run `news-assistant index` to rebuild it."
            )
            raise IndexError_(f"Could not open {where}: {exc}.{hint}") from exc

    def upsert_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Store chunk vectors with their metadata (idempotent: ids are content hashes)."""
        if not chunks:
            return
        self.collection.upsert(
            ids=[c.id for c in chunks], embeddings=vectors, metadatas=[_chunk_metadata(c) for c in chunks]
        )

    def delete_chunks(self, chunk_ids: list[str]) -> None:
        """Delete chunk vectors by id."""
        for offset in range(0, len(chunk_ids), 1000):
            self.collection.delete(ids=chunk_ids[offset : offset + 1000])

    # -- snapshots ---------------------------------------------------------------------------
    def refresh(self) -> int:
        """Load the last committed generation if it changed; return it."""
        generation = self.catalog.generation()
        if generation != self._snapshot_gen:
            with self._lock:
                if generation != self._snapshot_gen:
                    articles = self.catalog.articles(generation, with_text=False)
                    lexical_dir = self.catalog.meta("lexical_dir")
                    lexical = None
                    if lexical_dir and (self.index_dir / lexical_dir).exists():
                        lexical = LexicalIndex.load(self.index_dir / lexical_dir)
                    self._articles = {a.id: a for a in articles}
                    self._visible = set(self._articles)
                    self._chunk_total = self.catalog.chunk_total(generation)
                    self._lexical = lexical
                    self._snapshot_gen = generation
        return self._snapshot_gen

    def recorded_embedder(self) -> str | None:
        """Name the embedder whose vectors the index holds (None for an index never committed)."""
        if self.catalog.generation() == 0:
            return None
        return self.catalog.meta("embedder") or UNRECORDED_EMBEDDER

    def embedder_mismatch(self) -> str | None:
        """Say how to fix an index whose vectors another embedder made, or None when they match."""
        recorded = self.recorded_embedder()
        if recorded is None or recorded == self.embedder.name:
            return None
        return (
            f"The index at {self.index_dir} holds {recorded} vectors but questions are embedded "
            f"with {self.embedder.name}; run `news-assistant index` to re-embed it."
        )

    def is_empty(self) -> bool:
        """True when no committed generation holds any article."""
        self.refresh()
        return not self._visible

    def articles(self, with_text: bool = False) -> list[Article]:
        """Return the articles of the current snapshot, ordered by source."""
        generation = self.refresh()
        if with_text:
            return self.catalog.articles(generation)
        return sorted(self._articles.values(), key=lambda a: a.source)

    def article(self, article_id: str) -> Article | None:
        """Return one article of the current snapshot, with its text and cuts."""
        self.refresh()
        if article_id not in self._visible:
            return None
        return self.catalog.get_articles([article_id]).get(article_id)

    def original_text(self, article_id: str) -> str | None:
        """Return the page text of an article of the current snapshot before cleaning, or None
        (an index built before page texts were kept); quotes must stand in it verbatim too."""
        self.refresh()
        if article_id not in self._visible:
            return None
        return self.catalog.original_text(article_id)

    def original_texts(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return {article id: page text before cleaning} for those ids of the current snapshot with one."""
        self.refresh()
        return self.catalog.original_texts(a for a in article_ids if a in self._visible)

    def article_meta(self, article_id: str) -> Article | None:
        """Return one article's metadata (its text left empty), without touching the disk."""
        self.refresh()
        return self._articles.get(article_id)

    def outlets(self) -> list[str]:
        """The distinct outlets of the current snapshot, sorted."""
        self.refresh()
        return sorted({a.outlet for a in self._articles.values() if a.outlet})

    def vocabulary(self) -> frozenset[str]:
        """The stemmed terms of the BM25 index of the current snapshot."""
        self.refresh()
        return self._lexical.vocabulary if self._lexical is not None else frozenset()

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """How rare each stemmed term is in the current snapshot (BM25 inverse document frequency)."""
        self.refresh()
        return self._lexical.idf(terms) if self._lexical is not None else {}

    def passages(self) -> PassageIndex:
        """The shingle index over the current snapshot's article texts, built on first use."""
        generation = self.refresh()
        with self._lock:
            if self._passages is None or self._passages[0] != generation:
                self._passages = (generation, PassageIndex(self.catalog.articles(generation)))
            return self._passages[1]

    def allowed_articles(self, search_filter: SearchFilter | None) -> set[str] | None:
        """Return the article ids a filter admits, or None when it admits everything."""
        self.refresh()
        if search_filter is None or search_filter.is_empty():
            return None
        return {a.id for a in self._articles.values() if search_filter.admits(a)}

    # -- search ------------------------------------------------------------------------------
    def dense_search(self, query_vector: np.ndarray, k: int, allowed: set[str] | None = None) -> list[Hit]:
        """Return up to k chunks nearest to the query vector, from visible (and allowed) articles only.

        A filter admitting few chunks is searched exactly over their stored vectors; a wider one
        over-fetches from the HNSW index and filters, and only falls back to Chroma's own (slow at
        scale) metadata filter when too few of the nearest chunks pass it.
        """
        self.refresh()
        if not self._visible or (allowed is not None and not allowed):
            return []
        vector = np.asarray(query_vector, dtype=np.float32)
        if allowed is None:
            return self._nearest(vector, k * 2 + 8, None)[:k]
        pairs = self.catalog.chunks_of(allowed & self._visible)
        if len(pairs) <= EXACT_SEARCH_MAX_CHUNKS:
            return self._exact_nearest(vector, pairs, k)
        total = max(self._chunk_total, 1)
        wanted = min(OVERFETCH_MAX, total, -(-(k * 2 + 8) * total // len(pairs)))
        hits = self._nearest(vector, wanted, allowed)
        if len(hits) >= k or wanted >= total:
            return hits[:k]
        return self._filtered_nearest(vector, k, allowed)

    def _nearest(self, vector: np.ndarray, n: int, allowed: set[str] | None) -> list[Hit]:
        """The n nearest chunks in the HNSW index, kept when visible (and allowed), best first."""
        result = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        article_of = {span[0]: span[1] for span in self.catalog.chunk_spans(ids)}
        hits = []
        for chunk_id, distance in zip(ids, distances, strict=True):
            article_id = article_of.get(chunk_id)
            if article_id in self._visible and (allowed is None or article_id in allowed):
                hits.append(Hit(chunk_id, article_id, 1.0 - float(distance)))
        return hits

    def _exact_nearest(self, vector: np.ndarray, pairs: list[tuple[str, str]], k: int) -> list[Hit]:
        """The k chunks among `pairs` (chunk id, article id) most similar to the vector, by brute force."""
        if not pairs:
            return []
        article_of = dict(pairs)
        stored = self.collection.get(ids=[chunk_id for chunk_id, _ in pairs], include=["embeddings"])
        if not len(stored["ids"]):
            return []
        matrix = np.asarray(stored["embeddings"], dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(vector)) or 1.0)
        similarity = (matrix @ vector) / np.where(norms > 0, norms, 1.0)
        best = np.argsort(-similarity, kind="stable")[:k]
        return [Hit(stored["ids"][i], article_of[stored["ids"][i]], float(similarity[i])) for i in best]

    def _filtered_nearest(self, vector: np.ndarray, k: int, allowed: set[str]) -> list[Hit]:
        """The k nearest chunks of allowed articles, with Chroma's metadata filter."""
        result = self.collection.query(
            query_embeddings=[vector],
            n_results=k * 2 + 8,
            where={"article_id": {"$in": sorted(allowed)}},
            include=["metadatas", "distances"],
        )
        hits = []
        for chunk_id, meta, distance in zip(
            result["ids"][0], result["metadatas"][0], result["distances"][0], strict=True
        ):
            article_id = str(meta["article_id"])
            if article_id in self._visible:
                hits.append(Hit(chunk_id, article_id, 1.0 - float(distance)))
        return hits[:k]

    def lexical_search(self, query: str, k: int, allowed: set[str] | None = None) -> list[Hit]:
        """Return up to k chunks ranked by BM25, from visible articles only."""
        self.refresh()
        if self._lexical is None:
            return []
        hits = self._lexical.search(query, k * 2 + 8, allowed)
        return [Hit(c, a, s) for c, a, s in hits if a in self._visible][:k]

    def chunks(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        """Return chunks (text, offsets, article metadata) by id, from the catalog."""
        self.refresh()
        found: dict[str, Chunk] = {}
        spans = [s for s in self.catalog.chunk_spans(chunk_ids) if s[1] in self._visible]
        texts = self.catalog.get_articles({span[1] for span in spans})
        for chunk_id, article_id, start, end in spans:
            article = texts.get(article_id)
            if article is None:
                continue
            found[chunk_id] = Chunk(
                id=chunk_id,
                article_id=article_id,
                text=article.text[start:end],
                start=start,
                end=end,
                **article.credit().model_dump(),
            )
        return found

    def close(self) -> None:
        """Release the catalog connection of this thread."""
        self.catalog.close()


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata for a chunk: its article (filtered on) and span. Its text and credit are read
    from the catalog, so Chroma keeps no copy of them (nor a full-text index of the text)."""
    return {"article_id": chunk.article_id, "start": chunk.start, "end": chunk.end}
