"""Window vectors: fewer HNSW vectors than chunks, while dense search still ranks single chunks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from index.build import build_index
from index.store import IndexStore
from index.windows import (
    CHUNKS_PER_WINDOW,
    LAYOUT,
    pack_vector,
    unpack_vectors,
    window_count,
    window_of,
    window_vectors,
)
from tests.conftest import ROOT, SEEDS


def test_windows_cover_every_chunk_in_order_and_differ_in_size_by_one_at_most() -> None:
    for n in range(1, 40):
        windows = [window_of(i, n) for i in range(n)]
        assert windows == sorted(windows)
        assert set(windows) == set(range(window_count(n)))
        sizes = [windows.count(w) for w in set(windows)]
        assert max(sizes) <= CHUNKS_PER_WINDOW and max(sizes) - min(sizes) <= 1


def test_a_window_vector_is_the_normalised_mean_of_its_chunks() -> None:
    vectors = np.eye(6, dtype=np.float32)[:5]
    windows = window_vectors(vectors)
    assert windows.shape == (window_count(5), 6)
    assert np.allclose(np.linalg.norm(windows, axis=1), 1.0)
    first = [i for i in range(5) if window_of(i, 5) == 0]
    assert np.allclose(windows[0][first], 1 / np.sqrt(len(first)))


def test_packed_vectors_keep_their_direction() -> None:
    vector = np.random.default_rng(0).normal(size=384).astype(np.float32)
    back = unpack_vectors([pack_vector(vector)])[0]
    assert float(back @ vector / np.linalg.norm(back) / np.linalg.norm(vector)) > 0.9999


def _built(tmp_path: Path, embedder) -> IndexStore:  # type: ignore[no-untyped-def]
    store = IndexStore(tmp_path / "index", embedder)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    return store


def test_the_hnsw_index_holds_one_vector_per_window(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = _built(tmp_path, fake_embedder)
    counts = store.catalog.chunk_counts()
    assert store.collection.count() == sum(window_count(n) for n in counts.values())
    assert store.collection.count() < sum(counts.values())
    assert store.catalog.chunks_without_vector() == 0


def test_dense_search_ranks_a_window_s_chunks_by_their_own_vectors(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = _built(tmp_path, fake_embedder)
    rows = store.catalog.chunk_rows()
    found = store.chunks([row[0] for row in rows])
    for chunk_id, *_ in rows:
        hit = store.dense_search(fake_embedder.embed_batch([found[chunk_id].text])[0], 3)[0]
        assert hit.chunk_id == chunk_id and hit.score > 0.99


def test_an_index_laid_out_otherwise_is_regrouped_without_re_embedding(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = _built(tmp_path, fake_embedder)
    windows = store.collection.count()
    with store.catalog._transaction() as db:
        db.execute("UPDATE meta SET value='one HNSW vector per chunk' WHERE key='dense_layout'")
    assert "run `news-assistant index`" in (store.embedder_mismatch() or "")
    report = build_index(store, [SEEDS], root=ROOT, progress=False)
    assert report.chunks_embedded == 0 and report.chunks_reembedded == 0
    assert store.recorded_layout() == LAYOUT and store.embedder_mismatch() is None
    assert store.collection.count() == windows


def test_an_index_without_chunk_vectors_is_re_embedded(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SEEDS, tmp_path / "corpus")
    store = IndexStore(tmp_path / "index", fake_embedder)
    first = build_index(store, [tmp_path / "corpus"], root=tmp_path, progress=False)
    with store.catalog._transaction() as db:  # as an index written before chunk vectors were kept
        db.execute("UPDATE chunks SET vector=NULL")
        db.execute("DELETE FROM meta WHERE key='dense_layout'")
    report = build_index(store, [tmp_path / "corpus"], root=tmp_path, progress=False)
    assert report.chunks_reembedded == first.chunks_embedded and report.chunks_embedded == 0
    assert store.catalog.chunks_without_vector() == 0
    chunk = next(iter(store.chunks([store.catalog.chunk_rows()[0][0]]).values()))
    assert store.dense_search(fake_embedder.embed_batch([chunk.text])[0], 1)[0].chunk_id == chunk.id


def test_a_removed_article_takes_its_windows_with_it(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SEEDS, tmp_path / "corpus")
    store = IndexStore(tmp_path / "index", fake_embedder)
    build_index(store, [tmp_path / "corpus"], root=tmp_path, progress=False)
    next((tmp_path / "corpus").glob("*.txt")).unlink()
    build_index(store, [tmp_path / "corpus"], root=tmp_path, progress=False)
    counts = store.catalog.chunk_counts()
    assert len(counts) == 4
    assert store.collection.count() == sum(window_count(n) for n in counts.values())


# More windows than Chroma's default sync threshold (1000), with several of its batches (100) past it.
MANY_WINDOWS = 1600
NEAREST_IN_A_NEW_PROCESS = """
import json, sys
import numpy as np
from index.store import IndexStore
from tests.fakes import HashEmbedder
store = IndexStore(sys.argv[1], HashEmbedder())
queries = np.random.default_rng(7).standard_normal((50, 32)).astype(np.float32)
print(json.dumps(store.collection.query(query_embeddings=queries, n_results=30, include=[])["ids"]))
"""


def _nearest_in_a_new_process(index_dir: Path) -> str:
    """The nearest windows of fixed queries, as a newly started process finds them."""
    done = subprocess.run(
        [sys.executable, "-c", NEAREST_IN_A_NEW_PROCESS, str(index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_every_process_finds_the_same_nearest_windows(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = IndexStore(tmp_path / "index", fake_embedder)
    vectors = np.random.default_rng(0).standard_normal((MANY_WINDOWS, 1, 32)).astype(np.float32)
    articles = [(f"article-{n}", vectors[n]) for n in range(MANY_WINDOWS)]
    for start in range(0, MANY_WINDOWS, 250):  # in batches, as a build stores them
        store.upsert_windows(articles[start : start + 250])
    store.close()
    assert len({_nearest_in_a_new_process(tmp_path / "index") for _ in range(3)}) == 1
