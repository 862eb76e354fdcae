"""Incremental, crash-safe index builds: embed only what is new, commit a generation at the end."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from index.chunking import chunk_article
from index.lexical import LexicalIndex, LexicalIndexWriter
from index.loaders import load_paths
from index.models import Article, Problem
from index.passages import ShingleTable
from index.repetition import SiteLinesMemo, strip_site_repetition
from index.store import IndexStore
from index.windows import LAYOUT, unpack_vectors

LOCK_FILE = "build.lock"
SITE_LINES_FILE = "site_lines.json"  # each site's repeated lines, reused while its pages are unchanged
ARTICLES_PER_BATCH = 32
COMMIT_ARTICLES_PER_BATCH = 256  # articles whose chunks are tokenized together for BM25

ProgressCallback = Callable[[int, int], None]
ChunkRow = tuple[str, str, int, int]  # chunk id, article id, start, end


class IndexLockedError(RuntimeError):
    """Another process is writing to the same index."""


@dataclass
class BuildReport:
    """What a build did: counts, problems and timings."""

    found: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    chunks_reembedded: int = 0
    generation: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people: what changed and how long it took."""
        reembedded = f" ({self.chunks_reembedded} stored ones re-embedded)" if self.chunks_reembedded else ""
        return (
            f"Indexed {self.found} articles: {self.added} new, {self.removed} removed, "
            f"{self.unchanged} unchanged; {self.chunks_embedded} chunks embedded{reembedded} in "
            f"{self.seconds:.1f}s; {len(self.problems)} problems, "
            f"{len(self.duplicates)} duplicates skipped."
        )


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Hold the one-writer-at-a-time lock of an index directory, or fail with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IndexLockedError(
            f"Another indexing run is writing to {index_dir}. Wait for it to finish "
            "(the index stays usable meanwhile), then run this again."
        ) from exc
    try:
        yield
    finally:
        lock.release()


def build_index(
    store: IndexStore,
    paths: list[Path],
    root: Path | None = None,
    progress: bool | None = None,
    on_progress: ProgressCallback | None = None,
) -> BuildReport:
    """Bring the index in line with the articles under paths, embedding only what changed."""
    started = time.perf_counter()
    with writer_lock(store.index_dir):
        # Lines repeated across many pages of one site are its template, whatever the format.
        memo = SiteLinesMemo(store.index_dir / SITE_LINES_FILE)
        loaded = strip_site_repetition(load_paths(paths, root=root), memo)
        memo.save()
        report = BuildReport(
            found=len(loaded.articles), problems=loaded.problems, duplicates=loaded.duplicates
        )
        committed = store.catalog.generation()
        target = committed + 1
        known = store.catalog.known_ids()
        to_add = [a for a in loaded.articles if a.id not in known]
        lacking = store.catalog.lacking_page_records() if known else set()
        if lacking:  # an index built before cuts and page texts were kept: add them, no re-embedding
            store.catalog.fill_page_records(a for a in loaded.articles if a.id in lacking)
        wanted = {a.id for a in loaded.articles}
        scopes = [_scope(p, root) for p in paths]
        to_remove = [aid for aid, src in known.items() if aid not in wanted and _in_scope(src, scopes, root)]
        report.unchanged = len(loaded.articles) - len(to_add)
        reembedded = _refresh_stored_vectors(store, report)
        _embed_and_store(store, to_add, target, report, progress, on_progress)
        store.catalog.mark_removed(to_remove, target)
        report.removed = len(to_remove)
        if store.catalog.pending(committed) or not _lexical_is_current(store) or reembedded:
            _commit(store, target)
            report.generation = target
        else:
            report.generation = committed
    report.seconds = time.perf_counter() - started
    return report


def _refresh_stored_vectors(store: IndexStore, report: BuildReport) -> bool:
    """Store every vector anew when the index was built by another embedder (re-embedding its
    chunks) or laid its vectors out otherwise (regrouping the chunk vectors it keeps)."""
    recorded = store.recorded_embedder()
    if recorded is None:
        return False
    generation = store.catalog.generation()
    reembed = recorded != store.embedder.name or store.catalog.chunks_without_vector(generation) > 0
    if not reembed and store.recorded_layout() == LAYOUT:
        return False
    if recorded != store.embedder.name:
        why = f"The index holds {recorded} vectors; re-embedding its chunks with {store.embedder.name}"
    elif reembed:
        why = "The index keeps no vector per chunk (an older version); embedding its chunks"
    else:
        why = f"Regrouping the index's stored vectors ({LAYOUT})"
    print(f"{why} ...", file=sys.stderr)
    store.reset_vectors()
    # the rows are read in full first: the loop writes to the table they come from
    for batch in _by_article_batches(store.catalog.chunk_rows(generation), ARTICLES_PER_BATCH):
        if reembed:
            found = store.chunks([row[0] for row in batch])
            chunks = [found[row[0]] for row in batch]
            packed = store.upsert_chunks(chunks, store.embedder.embed_batch([c.text for c in chunks]))
            store.catalog.set_chunk_vectors([c.id for c in chunks], packed)
            report.chunks_reembedded += len(chunks)
        else:
            _regroup(store, batch)
    return True


def _regroup(store: IndexStore, batch: list[ChunkRow]) -> None:
    """Store the window vectors of a batch of whole articles from their chunks' stored vectors."""
    by_article: dict[str, list[tuple[int, bytes]]] = {}
    for _, article_id, index, _, packed in store.catalog.chunk_vectors_of({row[1] for row in batch}):
        by_article.setdefault(article_id, []).append((index, packed))  # type: ignore[arg-type]
    store.upsert_windows(
        [(a, unpack_vectors([packed for _, packed in sorted(rows)])) for a, rows in by_article.items()]
    )


def _embed_and_store(
    store: IndexStore,
    articles: list[Article],
    generation: int,
    report: BuildReport,
    progress: bool | None,
    on_progress: ProgressCallback | None,
) -> None:
    """Chunk, embed and store new articles batch by batch, recording each batch in the catalog."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=len(articles), unit="article", desc="Indexing", disable=not show or not articles)
    try:
        for offset in range(0, len(articles), ARTICLES_PER_BATCH):
            batch = articles[offset : offset + ARTICLES_PER_BATCH]
            chunked = [(article, chunk_article(article)) for article in batch]
            chunks = [c for _, article_chunks in chunked for c in article_chunks]
            vectors = store.embedder.embed_batch([c.text for c in chunks])
            packed = store.upsert_chunks(chunks, vectors)
            store.catalog.add(chunked, generation, packed)
            report.added += len(batch)
            report.chunks_embedded += len(chunks)
            bar.update(len(batch))
            bar.set_postfix(chunks=report.chunks_embedded)
            if on_progress is not None:
                on_progress(report.added, len(articles))
    finally:
        bar.close()


def _commit(store: IndexStore, generation: int) -> None:
    """Build the BM25 index for a generation, make it visible atomically, then clean up."""
    writer = LexicalIndexWriter()
    for rows in _by_article_batches(store.catalog.iter_chunk_rows(generation), COMMIT_ARTICLES_PER_BATCH):
        articles = store.catalog.get_articles({row[1] for row in rows})
        texts = [articles[aid].text[start:end] for _, aid, start, end in rows]
        writer.add(texts, [row[0] for row in rows], [row[1] for row in rows])
    lexical_dir = f"bm25/gen-{generation}"
    writer.save(store.index_dir / lexical_dir)
    _fsync_tree(store.index_dir / lexical_dir)
    passages_dir = f"passages/gen-{generation}"
    ShingleTable.build(_visible_articles(store, generation)).save(store.index_dir / passages_dir)
    _fsync_tree(store.index_dir / passages_dir)
    store.catalog.commit_generation(
        generation,
        lexical_dir=lexical_dir,
        passages_dir=passages_dir,
        embedder=store.embedder.name,
        dense_layout=LAYOUT,
    )
    store.delete_articles(store.catalog.purge_removed(generation))
    for kind in ("bm25", "passages"):
        for old in (store.index_dir / kind).iterdir():
            if old.name != f"gen-{generation}":
                shutil.rmtree(old, ignore_errors=True)


def _visible_articles(store: IndexStore, generation: int) -> Iterator[Article]:
    """The articles visible at a generation, with their texts, read a batch at a time."""
    ids = sorted(store.catalog.visible_ids(generation))
    for offset in range(0, len(ids), COMMIT_ARTICLES_PER_BATCH):
        yield from store.catalog.get_articles(ids[offset : offset + COMMIT_ARTICLES_PER_BATCH]).values()


def _by_article_batches(rows: Iterable[ChunkRow], articles_per_batch: int) -> Iterator[list[ChunkRow]]:
    """Group chunk rows (ordered article by article) into batches of whole articles."""
    batch: list[ChunkRow] = []
    seen: set[str] = set()
    for row in rows:
        if row[1] not in seen and len(seen) == articles_per_batch:
            yield batch
            batch, seen = [], set()
        seen.add(row[1])
        batch.append(row)
    if batch:
        yield batch


def _lexical_is_current(store: IndexStore) -> bool:
    """True when the committed BM25 index and passage table exist in the formats this version writes."""
    lexical_dir = store.catalog.meta("lexical_dir")
    passages_dir = store.catalog.meta("passages_dir")
    return (
        lexical_dir is not None
        and LexicalIndex.is_current(store.index_dir / lexical_dir)
        and passages_dir is not None
        and ShingleTable.is_current(store.index_dir / passages_dir)
    )


def _fsync_tree(directory: Path) -> None:
    """Flush every file of a directory to disk before the generation that names it commits."""
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _scope(path: Path, root: Path | None) -> Path:
    """The folder or file a build was given, resolved."""
    return Path(path).resolve()


def _in_scope(source: str, scopes: list[Path], root: Path | None = None) -> bool:
    """True when an article's source file lies in one of the paths a build was given."""
    file_part = Path(source.split("#", 1)[0])
    if not file_part.is_absolute():
        file_part = (root or Path.cwd()) / file_part
    resolved = file_part.resolve()
    return any(resolved == scope or resolved.is_relative_to(scope) for scope in scopes)
