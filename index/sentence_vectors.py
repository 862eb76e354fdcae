"""Sentence vectors kept beside the chunk vectors: each span of an article embedded once, ever.

Quotes are scored by the similarity of each candidate sentence (or pair of sentences) to the
question. The candidates of a passage are the same for every question, so their vectors are stored
here, keyed by the embedder's name, the article id (a hash of its cleaned text) and the span's
character offsets: an article that changes gets a new id, so a stored vector never goes stale. A
store that cannot be written (a read-only index) keeps working from memory.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SENTENCE_VECTORS_FILE = "sentence_vectors.sqlite3"
SpanKey = tuple[str, int, int]  # (article id, start, end) in the article's cleaned text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_vectors (
    embedder TEXT NOT NULL,
    article_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, article_id, start, "end")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sentence_articles (
    embedder TEXT NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (embedder, article_id)
) WITHOUT ROWID;
"""


class SentenceVectorStore:
    """Float32 vectors of article spans for one embedder, in SQLite; safe to share between threads."""

    def __init__(self, path: Path, embedder: str, dimension: int) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self.dimension = dimension
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection | None:
        """Open (creating) the database; None when it cannot be written, so nothing is persisted."""
        try:
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            db.commit()
            return db
        except sqlite3.Error as exc:
            log.warning("sentence vectors are not kept on disk (%s: %s)", self.path, exc)
            return None

    def get(self, keys: Iterable[SpanKey]) -> dict[SpanKey, np.ndarray]:
        """The stored vectors of those keys that have one."""
        wanted = set(keys)
        if self._db is None or not wanted:
            return {}
        spans: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for article_id, start, end in wanted:
            spans[article_id].add((start, end))
        found: dict[SpanKey, np.ndarray] = {}
        with self._lock:
            for article_id, article_spans in spans.items():
                rows = self._db.execute(
                    'SELECT start, "end", vector FROM sentence_vectors WHERE embedder = ? AND article_id = ?',
                    (self.embedder, article_id),
                )
                for start, end, blob in rows:
                    if (start, end) in article_spans:
                        found[(article_id, start, end)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, vectors: Mapping[SpanKey, np.ndarray]) -> None:
        """Store vectors (an existing one for the same key is replaced)."""
        if self._db is None or not vectors:
            return
        rows = [
            (self.embedder, aid, start, end, np.asarray(v, dtype=np.float32).tobytes())
            for (aid, start, end), v in vectors.items()
        ]
        try:
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO sentence_vectors VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:  # a full disk or a read-only copy: keep answering from memory
            log.warning("could not store sentence vectors (%s): %s", self.path, exc)

    def mark_complete(self, article_ids: Iterable[str]) -> None:
        """Record that every candidate span of these articles is stored (so warming skips them)."""
        rows = [(self.embedder, aid) for aid in article_ids]
        if self._db is None or not rows:
            return
        try:
            with self._lock, self._db:
                self._db.executemany("INSERT OR IGNORE INTO sentence_articles VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            log.warning("could not mark articles done (%s): %s", self.path, exc)

    def complete_articles(self) -> set[str]:
        """The ids of the articles whose every candidate span is stored for this embedder."""
        if self._db is None:
            return set()
        with self._lock:
            rows = self._db.execute(
                "SELECT article_id FROM sentence_articles WHERE embedder = ?", (self.embedder,)
            ).fetchall()
        return {row[0] for row in rows}

    def count(self) -> int:
        """How many vectors are stored for this embedder."""
        if self._db is None:
            return 0
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM sentence_vectors WHERE embedder = ?", (self.embedder,)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
