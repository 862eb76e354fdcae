"""The index on disk: the catalog, the Chroma vectors and the BM25 index, read as one snapshot.

Chroma holds one vector per window of consecutive chunks (index.windows); the catalog holds every
chunk's own vector, by which the chunks of the windows found are ranked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.catalog import Catalog
from index.embedding import MODEL_NAME, Embedder
from index.lexical import LexicalIndex
from index.models import Article, ArticleMeta, Chunk
from index.passages import PassageIndex, ShingleTable
from index.sentence_vectors import SENTENCE_VECTORS_FILE, SentenceVectorStore
from index.windows import (
    LAYOUT,
    pack_vector,
    parse_window_id,
    unpack_vectors,
    window_count,
    window_id,
    window_of,
    window_vectors,
)

COLLECTION = "news_chunks"
CATALOG_FILE = "catalog.sqlite3"
# Searches fetch twice k plus a few, so that k remain after what is dropped afterwards (articles
# not visible yet, chunks stored without a vector).
OVERFETCH_FACTOR, OVERFETCH_EXTRA = 2, 8
EXACT_SEARCH_MAX_CHUNKS = 2000  # a filter admitting at most this many chunks is searched exactly
OVERFETCH_MAX = 4000  # the most nearest windows fetched to filter a wider search afterwards
# Chroma re-inserts the vectors added since it last saved its HNSW graph (up to hnsw:sync_threshold,
# 1000 by default) each time a process opens the store, in an order that differs between processes,
# so the nearest windows, and the answers, could change from run to run. Saving the graph after every
# batch Chroma inserts (its hnsw:batch_size, 100) leaves only its exact brute-force buffer unsaved;
# a build of 16,000 windows took 12.3 s this way and 12.1 s with the default.
HNSW_SYNC_THRESHOLD = 100
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

    def admits(self, article: Article | ArticleMeta) -> bool:
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
        self._client: Any = None
        self._collection: Any = None
        self._snapshot_gen = -1
        self._visible: set[str] = set()
        self._articles: dict[str, ArticleMeta] = {}
        self._chunk_total = 0
        self._window_total = 0
        self._lexical: LexicalIndex | None = None
        self._passages: tuple[int, PassageIndex] | None = None
        self._sentence_vectors: dict[str, SentenceVectorStore] = {}
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
            self._client = client
            return client.get_or_create_collection(
                COLLECTION,
                metadata={"hnsw:space": "cosine", "hnsw:sync_threshold": HNSW_SYNC_THRESHOLD},
                embedding_function=None,
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

    def upsert_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> list[bytes]:
        """Store the window vectors of whole articles' chunks (listed in order) in Chroma; return
        each chunk's packed vector for the catalog (idempotent: ids name the article and window)."""
        self.upsert_windows([(article_id, vectors[rows]) for article_id, rows in _by_article(chunks)])
        return [pack_vector(vector) for vector in vectors]

    def upsert_windows(self, articles: list[tuple[str, np.ndarray]]) -> None:
        """Store in Chroma the window vectors of articles, each given with its chunk vectors in order."""
        ids, windows, metadatas = [], [], []
        for article_id, chunk_vectors in articles:
            for number, vector in enumerate(window_vectors(chunk_vectors)):
                ids.append(window_id(article_id, number))
                windows.append(vector)
                metadatas.append({"article_id": article_id, "window": number})
        if ids:
            self._writable().upsert(ids=ids, embeddings=np.asarray(windows), metadatas=metadatas)

    def delete_articles(self, articles: list[tuple[str, int]]) -> None:
        """Delete the window vectors of articles, given as (article id, number of chunks)."""
        ids = [window_id(a, w) for a, n in articles for w in range(window_count(n))]
        for offset in range(0, len(ids), 1000):
            self._writable().delete(ids=ids[offset : offset + 1000])

    def _writable(self) -> Any:
        """The collection, set to save its HNSW graph every HNSW_SYNC_THRESHOLD vectors (a store
        made before this was set gets it on its next write)."""
        collection = self.collection
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if hnsw.get("sync_threshold", HNSW_SYNC_THRESHOLD) != HNSW_SYNC_THRESHOLD:
            collection.modify(configuration={"hnsw": {"sync_threshold": HNSW_SYNC_THRESHOLD}})
        return collection

    def reset_vectors(self) -> None:
        """Drop every window vector (the collection is made anew), before storing them again."""
        self.collection  # noqa: B018 - connects, so the client exists
        with self._lock:
            self._client.delete_collection(COLLECTION)
            self._collection = None

    # -- snapshots ---------------------------------------------------------------------------
    def refresh(self) -> int:
        """Load the last committed generation if it changed; return it."""
        generation = self.catalog.generation()
        if generation != self._snapshot_gen:
            with self._lock:
                if generation != self._snapshot_gen:
                    articles = self.catalog.article_metas(generation)
                    lexical_dir = self.catalog.meta("lexical_dir")
                    lexical = None
                    if lexical_dir and (self.index_dir / lexical_dir).exists():
                        lexical = LexicalIndex.load(self.index_dir / lexical_dir)
                    self._articles = {a.id: a for a in articles}
                    self._visible = set(self._articles)
                    self._chunk_total = sum(a.chunks for a in articles)
                    self._window_total = sum(window_count(a.chunks) for a in articles)
                    self._lexical = lexical
                    self._snapshot_gen = generation
        return self._snapshot_gen

    def recorded_embedder(self) -> str | None:
        """Name the embedder whose vectors the index holds (None for an index never committed)."""
        if self.catalog.generation() == 0:
            return None
        return self.catalog.meta("embedder") or UNRECORDED_EMBEDDER

    def recorded_layout(self) -> str | None:
        """Describe how the index's vectors are laid out (None for an index never committed)."""
        if self.catalog.generation() == 0:
            return None
        return self.catalog.meta("dense_layout") or "one HNSW vector per chunk"

    def embedder_mismatch(self) -> str | None:
        """Say how to fix an index whose vectors another embedder made or another version laid
        out, or None when they match."""
        recorded = self.recorded_embedder()
        if recorded is None:
            return None
        if recorded != self.embedder.name:
            return (
                f"The index at {self.index_dir} holds {recorded} vectors but questions are embedded "
                f"with {self.embedder.name}; run `news-assistant index` to re-embed it."
            )
        if self.recorded_layout() != LAYOUT:
            return (
                f"The index at {self.index_dir} keeps its vectors as {self.recorded_layout()!r}; "
                f"run `news-assistant index` to store them as this version searches them ({LAYOUT})."
            )
        return None

    def is_empty(self) -> bool:
        """True when no committed generation holds any article."""
        self.refresh()
        return not self._visible

    def articles(self, with_text: bool = False) -> list[Article]:
        """Return the articles of the current snapshot, ordered by source (read from the catalog)."""
        generation = self.refresh()
        return self.catalog.articles(generation, with_text=with_text)

    def article_metas(self) -> list[ArticleMeta]:
        """Return the metadata of the current snapshot's articles, ordered by source, from memory."""
        self.refresh()
        return list(self._articles.values())

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

    def article_meta(self, article_id: str) -> ArticleMeta | None:
        """Return one article's metadata (no text), without touching the disk."""
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
        """The shingle index over the current snapshot's article texts: the table its commit wrote,
        read from disk (an index committed before such tables were written: built in memory)."""
        generation = self.refresh()
        with self._lock:
            if self._passages is None or self._passages[0] != generation:
                directory = self.catalog.meta("passages_dir")
                if directory and ShingleTable.is_current(self.index_dir / directory):
                    table = ShingleTable.load(self.index_dir / directory)
                    index = PassageIndex(table, self.catalog.get_articles)
                else:
                    index = PassageIndex.of(self.catalog.articles(generation))
                self._passages = (generation, index)
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

        The nearest windows come from the HNSW index and their chunks are ranked by their own
        vectors. A filter admitting few chunks is searched exactly over the chunks' vectors; a wider
        one over-fetches windows and filters them, and only falls back to Chroma's own (slow at
        scale) metadata filter when too few of the nearest windows pass it.
        """
        self.refresh()
        if not self._visible or (allowed is not None and not allowed):
            return []
        vector = np.asarray(query_vector, dtype=np.float32)
        wanted = k * OVERFETCH_FACTOR + OVERFETCH_EXTRA
        if allowed is None:
            return self._ranked_chunks(vector, self._nearest_windows(vector, wanted, None), k)
        articles = allowed & self._visible
        admitted = sum(self._articles[a].chunks for a in articles)
        if admitted <= EXACT_SEARCH_MAX_CHUNKS:
            return self._exact_nearest(vector, self.catalog.chunk_vectors_of(articles), k)
        total = max(self._chunk_total, 1)
        fetch = min(OVERFETCH_MAX, max(self._window_total, 1), -(-wanted * total // max(admitted, 1)))
        hits = self._ranked_chunks(vector, self._nearest_windows(vector, fetch, allowed), k)
        if len(hits) >= k or fetch >= self._window_total:
            return hits
        return self._ranked_chunks(vector, self._filtered_windows(vector, wanted, allowed), k)

    def _nearest_windows(self, vector: np.ndarray, n: int, allowed: set[str] | None) -> set[tuple[str, int]]:
        """The n nearest windows in the HNSW index, (article id, window), kept when visible (and allowed)."""
        result = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        windows = (parse_window_id(identifier) for identifier in result["ids"][0])
        return {w for w in windows if w[0] in self._visible and (allowed is None or w[0] in allowed)}

    def _filtered_windows(self, vector: np.ndarray, n: int, allowed: set[str]) -> set[tuple[str, int]]:
        """The n nearest windows of allowed articles, with Chroma's metadata filter."""
        result = self.collection.query(
            query_embeddings=[vector],
            n_results=n,
            where={"article_id": {"$in": sorted(allowed)}},
            include=["distances"],
        )
        windows = (parse_window_id(identifier) for identifier in result["ids"][0])
        return {w for w in windows if w[0] in self._visible}

    def _ranked_chunks(self, vector: np.ndarray, windows: set[tuple[str, int]], k: int) -> list[Hit]:
        """The k chunks of the given windows most similar to the vector, by their own vectors."""
        rows = self.catalog.chunk_vectors_of({article_id for article_id, _ in windows})
        return self._exact_nearest(vector, [r for r in rows if (r[1], window_of(r[2], r[3])) in windows], k)

    @staticmethod
    def _exact_nearest(
        vector: np.ndarray, rows: list[tuple[str, str, int, int, bytes | None]], k: int
    ) -> list[Hit]:
        """The k chunks among catalog rows (id, article, index, count, vector) most similar to the
        vector, by brute force (chunks stored without a vector are skipped)."""
        rows = [row for row in rows if row[4] is not None]
        if not rows:
            return []
        matrix = unpack_vectors([row[4] for row in rows])  # type: ignore[misc]
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(vector)) or 1.0)
        similarity = (matrix @ vector) / np.where(norms > 0, norms, 1.0)
        # equally similar chunks (a wire copy's paragraph) by id, not by the order rows came in
        best = np.lexsort((np.asarray([row[0] for row in rows]), -similarity))[:k]
        return [Hit(rows[i][0], rows[i][1], float(similarity[i])) for i in best]

    def around(
        self, query_vector: np.ndarray, anchors: list[str], known: set[str], reach: int, nearest: int
    ) -> list[Hit]:
        """Chunks beside retrieved ones, scored by similarity to the query vector: those within
        `reach` places of each anchor in its article, then the `nearest` other chunks of the first
        anchor's article; chunks already `known` and hidden articles are left out."""
        self.refresh()
        spans = self.catalog.chunk_spans(anchors)
        rows = [
            r for r in self.catalog.chunk_vectors_of({span[1] for span in spans})
            if r[1] in self._visible and r[4] is not None
        ]  # fmt: skip
        scores = {hit.chunk_id: hit for hit in self._exact_nearest(query_vector, rows, len(rows))}
        place = {r[0]: (r[1], r[2]) for r in rows}
        at = {(r[1], r[2]): r[0] for r in rows}
        steps = range(-reach, reach + 1)
        beside = [(place[a][0], place[a][1] + step) for a in anchors if a in place for step in steps]
        chosen = [at[spot] for spot in beside if spot in at]
        if anchors and anchors[0] in place:
            first = place[anchors[0]][0]
            same = [h for h in scores.values() if h.article_id == first and h.chunk_id not in known]
            chosen += [h.chunk_id for h in sorted(same, key=lambda h: -h.score)[:nearest]]
        return [scores[c] for c in dict.fromkeys(chosen) if c not in known and c in scores]

    def sentence_vectors(self, embedder: Embedder) -> SentenceVectorStore:
        """The stored vectors of article spans (sentences) made by this embedder, opened once."""
        with self._lock:
            if embedder.name not in self._sentence_vectors:
                path = self.index_dir / SENTENCE_VECTORS_FILE
                self._sentence_vectors[embedder.name] = SentenceVectorStore(
                    path, embedder.name, embedder.dimension
                )
            return self._sentence_vectors[embedder.name]

    def lexical_search(self, query: str, k: int, allowed: set[str] | None = None) -> list[Hit]:
        """Return up to k chunks ranked by BM25, from visible articles only."""
        self.refresh()
        if self._lexical is None:
            return []
        hits = self._lexical.search(query, k * OVERFETCH_FACTOR + OVERFETCH_EXTRA, allowed)
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


def _by_article(chunks: list[Chunk]) -> Iterator[tuple[str, list[int]]]:
    """(article id, positions of its chunks) for chunks listed article after article."""
    positions: dict[str, list[int]] = {}
    for position, chunk in enumerate(chunks):
        positions.setdefault(chunk.article_id, []).append(position)
    yield from positions.items()
