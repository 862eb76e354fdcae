"""The catalog: a transactional SQLite record of which articles and chunks the index holds.

Every article row carries the generation that added it and, once dropped, the generation that
removed it. Readers see only the last committed generation, so a build killed at any point leaves
the previous index intact, and the next build picks up the rows it already wrote.

Each article also keeps its cuts (where cleaning removed page text, see index.cuts) and, in a table
of its own read one article at a time, the page text before cleaning, zlib-compressed. Catalogs
written before these existed still open: their articles have no cuts and no original text.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from index.models import Article, ArticleMeta, Chunk, unpack_text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, outlet TEXT, title TEXT, published TEXT,
    dateline TEXT, byline TEXT, url TEXT, text TEXT NOT NULL, captions TEXT NOT NULL,
    n_chunks INTEGER NOT NULL, added_gen INTEGER NOT NULL, removed_gen INTEGER, cuts TEXT
);
CREATE TABLE IF NOT EXISTS originals (id TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, vector BLOB
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
"""

_VISIBLE = "added_gen <= :gen AND (removed_gen IS NULL OR removed_gen > :gen)"
_KEYS_PER_QUERY = 500  # ids bound into one IN (...) list, well below SQLite's variable limit
_ARTICLE_COLUMNS = (
    "id, source, outlet, title, published, dateline, byline, url, text, captions, n_chunks, cuts"
)


class Catalog:
    """SQLite catalog of articles and chunks, safe to read from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        with self._transaction() as db:
            db.executescript(_SCHEMA)
            _add_missing_columns(db)

    def _connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction: all of it is stored, or none of it."""
        db = self._connection()
        with db:
            yield db

    # -- generations -------------------------------------------------------------------------
    def generation(self) -> int:
        """Return the last committed generation (0 for an empty index)."""
        row = self._connection().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def meta(self, key: str) -> str | None:
        """Return a stored metadata value, or None."""
        row = self._connection().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def commit_generation(self, generation: int, **meta: str) -> None:
        """Make a generation (and the metadata that goes with it) visible to readers, atomically."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),))
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))

    # -- writing -----------------------------------------------------------------------------
    def add(
        self,
        items: Iterable[tuple[Article, list[Chunk]]],
        generation: int,
        vectors: Sequence[bytes | None] | None = None,
    ) -> None:
        """Record articles and their chunks (with each chunk's packed vector, in order) as added in
        a (not yet committed) generation."""
        packed = iter(vectors) if vectors is not None else None
        with self._transaction() as db:
            for article, chunks in items:
                db.execute(
                    f"INSERT OR REPLACE INTO articles ({_ARTICLE_COLUMNS}, added_gen, removed_gen)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
                    (
                        article.id, article.source, article.outlet, article.title,
                        article.published.isoformat() if article.published else None,
                        article.dateline, article.byline, article.url, article.text,
                        json.dumps(article.captions), len(chunks), json.dumps(article.cuts),
                        generation,
                    ),
                )  # fmt: skip
                _store_original(db, article)
                db.execute("DELETE FROM chunks WHERE article_id=?", (article.id,))
                db.executemany(
                    'INSERT OR REPLACE INTO chunks (id, article_id, idx, start, "end", vector)'
                    " VALUES (?,?,?,?,?,?)",
                    [
                        (c.id, article.id, i, c.start, c.end, next(packed) if packed else None)
                        for i, c in enumerate(chunks)
                    ],
                )

    def set_chunk_vectors(self, chunk_ids: Sequence[str], vectors: Sequence[bytes]) -> None:
        """Store (replace) the packed vectors of stored chunks."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE chunks SET vector=? WHERE id=?", list(zip(vectors, chunk_ids, strict=True))
            )

    def fill_page_records(self, articles: Iterable[Article]) -> int:
        """Store cuts and original text for stored articles that lack them (older catalogs);
        an article is filled only when its stored text is the one these cuts point into."""
        filled = 0
        with self._transaction() as db:
            for article in articles:
                if article.original_zlib is None:
                    continue
                updated = db.execute(
                    "UPDATE articles SET cuts=? WHERE id=? AND text=? AND NOT EXISTS"
                    " (SELECT 1 FROM originals o WHERE o.id = articles.id)",
                    (json.dumps(article.cuts), article.id, article.text),
                ).rowcount
                if updated:
                    _store_original(db, article)
                    filled += 1
        return filled

    def lacking_page_records(self) -> set[str]:
        """Return the ids of stored articles (not marked removed) without an original text."""
        rows = self._connection().execute(
            "SELECT id FROM articles a WHERE removed_gen IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM originals o WHERE o.id = a.id)"
        )
        return {row[0] for row in rows}

    def mark_removed(self, article_ids: Iterable[str], generation: int) -> None:
        """Mark articles as removed from a (not yet committed) generation on."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE articles SET removed_gen=? WHERE id=? AND removed_gen IS NULL",
                [(generation, article_id) for article_id in article_ids],
            )

    def purge_removed(self, generation: int) -> list[tuple[str, int]]:
        """Delete rows removed at or before a committed generation; return (article id, number of
        chunks) of each article deleted."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, n_chunks FROM articles WHERE removed_gen IS NOT NULL AND removed_gen <= ?",
                (generation,),
            ).fetchall()
            db.execute(
                "DELETE FROM chunks WHERE article_id IN (SELECT id FROM articles"
                " WHERE removed_gen IS NOT NULL AND removed_gen <= ?)",
                (generation,),
            )
            db.execute(
                "DELETE FROM originals WHERE id IN (SELECT id FROM articles"
                " WHERE removed_gen IS NOT NULL AND removed_gen <= ?)",
                (generation,),
            )
            db.execute(
                "DELETE FROM articles WHERE removed_gen IS NOT NULL AND removed_gen <= ?",
                (generation,),
            )
        return [(row[0], int(row[1])) for row in rows]

    # -- reading -----------------------------------------------------------------------------
    def known_ids(self) -> dict[str, str]:
        """Return {article id: source} for every stored article not marked removed."""
        rows = self._connection().execute("SELECT id, source FROM articles WHERE removed_gen IS NULL")
        return {row[0]: row[1] for row in rows}

    def pending(self, generation: int) -> int:
        """Count rows written after the given committed generation (a build that did not end)."""
        row = (
            self._connection()
            .execute(
                "SELECT COUNT(*) FROM articles WHERE added_gen > ? OR removed_gen > ?",
                (generation, generation),
            )
            .fetchone()
        )
        return int(row[0])

    def visible_ids(self, generation: int | None = None) -> set[str]:
        """Return the ids of the articles visible at a generation (default: the committed one)."""
        gen = self.generation() if generation is None else generation
        rows = self._connection().execute(f"SELECT id FROM articles WHERE {_VISIBLE}", {"gen": gen})
        return {row[0] for row in rows}

    def articles(self, generation: int | None = None, with_text: bool = True) -> list[Article]:
        """Return the visible articles, ordered by source (text left empty unless with_text)."""
        gen = self.generation() if generation is None else generation
        columns = _ARTICLE_COLUMNS if with_text else _ARTICLE_COLUMNS.replace("text,", "'',")
        rows = self._connection().execute(
            f"SELECT {columns} FROM articles WHERE {_VISIBLE} ORDER BY source",
            {"gen": gen},
        )
        return [_article(row) for row in rows]

    def article_metas(self, generation: int | None = None) -> list[ArticleMeta]:
        """Return the visible articles' metadata, ordered by source (repeated outlets and dates
        shared, not copied)."""
        gen = self.generation() if generation is None else generation
        rows = self._connection().execute(
            f"SELECT id, source, outlet, title, published, url, n_chunks FROM articles WHERE {_VISIBLE} "
            "ORDER BY source",
            {"gen": gen},
        )
        days: dict[str, date] = {}
        metas = []
        for article_id, source, outlet, title, published, url, chunks in rows:
            if published and published not in days:
                days[published] = date.fromisoformat(published)
            day = days[published] if published else None
            shared_outlet = sys.intern(outlet) if outlet else None
            metas.append(ArticleMeta(article_id, source, shared_outlet, title, day, url, chunks or 0))
        return metas

    def chunk_counts(self) -> dict[str, int]:
        """Return {article id: number of chunks}."""
        rows = self._connection().execute("SELECT id, n_chunks FROM articles")
        return {row[0]: int(row[1]) for row in rows}

    def get_articles(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """Return the stored articles with the given ids."""
        rows = self._rows_in(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({{marks}})", article_ids)
        return {row[0]: _article(row) for row in rows}

    def original_text(self, article_id: str) -> str | None:
        """Return an article's page text before cleaning, or None when none was stored."""
        row = self._connection().execute("SELECT body FROM originals WHERE id=?", (article_id,)).fetchone()
        return unpack_text(row[0]) if row else None

    def original_texts(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Return {article id: page text before cleaning} for those of the ids that have one."""
        rows = self._rows_in("SELECT id, body FROM originals WHERE id IN ({marks})", article_ids)
        return {row[0]: unpack_text(row[1]) for row in rows}

    def chunk_rows(self, generation: int | None = None) -> list[tuple[str, str, int, int]]:
        """Return (chunk id, article id, start, end) of every visible chunk, in a stable order."""
        return list(self.iter_chunk_rows(generation))

    def iter_chunk_rows(self, generation: int | None = None) -> Iterator[tuple[str, str, int, int]]:
        """Yield (chunk id, article id, start, end) of every visible chunk, article after article."""
        gen = self.generation() if generation is None else generation
        rows = self._connection().execute(
            'SELECT c.id, c.article_id, c.start, c."end" FROM chunks c'
            f" JOIN articles a ON a.id = c.article_id WHERE {_VISIBLE}"
            " ORDER BY a.source, c.idx",
            {"gen": gen},
        )
        for row in rows:
            yield (row[0], row[1], int(row[2]), int(row[3]))

    def chunk_vectors_of(self, article_ids: Iterable[str]) -> list[tuple[str, str, int, int, bytes | None]]:
        """Return (chunk id, article id, index in the article, the article's number of chunks,
        packed vector) of every chunk of the given articles."""
        query = (
            "SELECT c.id, c.article_id, c.idx, a.n_chunks, c.vector FROM chunks c"
            " JOIN articles a ON a.id = c.article_id WHERE c.article_id IN ({marks})"
        )
        return [(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in self._rows_in(query, article_ids)]

    def chunks_without_vector(self, generation: int | None = None) -> int:
        """Count the visible chunks stored without their own vector (an older index)."""
        gen = self.generation() if generation is None else generation
        row = (
            self._connection()
            .execute(
                "SELECT COUNT(*) FROM chunks c JOIN articles a ON a.id = c.article_id"
                f" WHERE c.vector IS NULL AND {_VISIBLE}",
                {"gen": gen},
            )
            .fetchone()
        )
        return int(row[0])

    def chunk_spans(self, chunk_ids: Iterable[str]) -> list[tuple[str, str, int, int]]:
        """Return (chunk id, article id, start, end) for the given chunk ids."""
        rows = self._rows_in(
            'SELECT id, article_id, start, "end" FROM chunks WHERE id IN ({marks})', chunk_ids
        )
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def _rows_in(self, query: str, keys: Iterable[str]) -> Iterator[tuple]:
        """Rows of a query whose `{marks}` takes the distinct keys, 500 at a time (SQLite's limit)."""
        unique = list(dict.fromkeys(keys))
        for offset in range(0, len(unique), _KEYS_PER_QUERY):
            batch = unique[offset : offset + _KEYS_PER_QUERY]
            yield from self._connection().execute(query.format(marks=",".join("?" * len(batch))), batch)

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _article(row: tuple) -> Article:
    """Turn a catalog row into an Article."""
    return Article(
        id=row[0],
        source=row[1],
        outlet=row[2],
        title=row[3],
        published=date.fromisoformat(row[4]) if row[4] else None,
        dateline=row[5],
        byline=row[6],
        url=row[7],
        text=row[8],
        captions=json.loads(row[9]),
        cuts=json.loads(row[11]) if row[11] else [],
    )


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a catalog written by an older version up to this schema (new columns only)."""
    for table, column, kind in (("articles", "cuts", "TEXT"), ("chunks", "vector", "BLOB")):
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column in columns:
            continue
        try:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except sqlite3.OperationalError as error:  # another process added it meanwhile
            if "duplicate column" not in str(error).lower():
                raise


def _store_original(db: sqlite3.Connection, article: Article) -> None:
    """Store (or clear) an article's compressed page text before cleaning."""
    if article.original_zlib is None:
        db.execute("DELETE FROM originals WHERE id=?", (article.id,))
    else:
        db.execute(
            "INSERT OR REPLACE INTO originals (id, body) VALUES (?, ?)", (article.id, article.original_zlib)
        )
