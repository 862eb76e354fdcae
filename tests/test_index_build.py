"""Incremental, crash-safe builds: nothing re-embedded, changes replaced, kills survived."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.build import IndexLockedError, build_index, writer_lock
from index.store import IndexStore, SearchFilter
from tests.conftest import ROOT, SEEDS


def _store(directory: Path, embedder) -> IndexStore:  # type: ignore[no-untyped-def]
    return IndexStore(directory, embedder)


def _copy_seeds(target: Path) -> Path:
    corpus = target / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


def test_build_then_rebuild_embeds_nothing(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = _copy_seeds(tmp_path)
    store = _store(tmp_path / "index", fake_embedder)
    first = build_index(store, [corpus], root=tmp_path, progress=False)
    assert first.added == 5 and first.chunks_embedded > 5
    second = build_index(store, [corpus], root=tmp_path, progress=False)
    assert second.added == 0 and second.chunks_embedded == 0 and second.unchanged == 5
    assert second.generation == first.generation
    assert len(store.articles()) == 5


def test_changed_article_replaced_and_removed_article_dropped(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = _copy_seeds(tmp_path)
    store = _store(tmp_path / "index", fake_embedder)
    build_index(store, [corpus], root=tmp_path, progress=False)
    tass = corpus / "001_dc96f93586912206.txt"
    tass.write_text(tass.read_text().replace("Wednesday", "Thursday"))
    (corpus / "004_80a8fa572f98a536.txt").unlink()
    report = build_index(store, [corpus], root=tmp_path, progress=False)
    assert report.added == 1 and report.removed == 2
    texts = {a.source: a.text for a in store.articles(with_text=True)}
    assert len(texts) == 4
    assert "Thursday" in texts["corpus/001_dc96f93586912206.txt"]
    hits = store.lexical_search("Kerry harbinger truce", 5)
    assert all(store.article_meta(h.article_id) is not None for h in hits)
    assert not any("Kerry" in c.text for c in store.chunks([h.chunk_id for h in hits]).values())


def test_search_filters_by_outlet_and_date(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    store = _store(tmp_path / "index", fake_embedder)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    tass_only = store.allowed_articles(SearchFilter(outlets=("TASS",)))
    assert tass_only is not None and len(tass_only) == 1
    hits = store.lexical_search("Peskov Turkey", 10, tass_only)
    assert hits and {h.article_id for h in hits} == tass_only
    dated = store.allowed_articles(SearchFilter(since=date(2020, 1, 1)))
    assert dated is not None and {store.article_meta(a).outlet for a in dated} == {"Devdiscourse (PTI)"}


def test_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    with (
        writer_lock(tmp_path),
        pytest.raises(IndexLockedError, match="Another indexing run"),
        writer_lock(tmp_path),
    ):
        pass


_PAUSING_BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.fakes import HashEmbedder
from index.build import build_index
from index.store import IndexStore

POINT, BATCH = {point!r}, {batch}
seen = {{"embedding": 0, "upserted": 0, "recorded": 0}}


def reached(point):
    seen[point] += 1
    if point == POINT and seen[point] == BATCH:
        print("paused", point, flush=True)
        sys.stdin.readline()  # hold still, mid-build, until the parent kills this process


class Embedder(HashEmbedder):
    def embed_batch(self, texts):
        reached("embedding")
        return super().embed_batch(texts)


store = IndexStore(Path({index!r}), Embedder())
upsert = store.upsert_chunks


def upsert_then_pause(chunks, vectors):
    upsert(chunks, vectors)
    reached("upserted")


store.upsert_chunks = upsert_then_pause
build_index(
    store, [Path({corpus!r})], root=Path({base!r}), progress=False, on_progress=lambda *_: reached("recorded")
)
print("finished", flush=True)
"""


def _kill_build_at(tmp_path: Path, corpus: Path, index: Path, point: str, batch: int = 2) -> None:
    """Run a build in a child, wait until it says it paused at `point` of a batch, then SIGKILL it."""
    script = _PAUSING_BUILD.format(
        root=str(ROOT), point=point, batch=batch, index=str(index), corpus=str(corpus), base=str(tmp_path)
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.split() == ["paused", point]:
                break
        else:
            pytest.fail(f"the build ended without pausing at {point} of batch {batch}")
    finally:
        process.kill()
        process.wait()


@pytest.mark.integration
def test_killed_build_leaves_previous_index_and_next_run_completes(
    tmp_path: Path,
    fake_embedder,  # type: ignore[no-untyped-def]
) -> None:
    corpus = _copy_seeds(tmp_path)
    index = tmp_path / "index"
    store = _store(index, fake_embedder)
    build_index(store, [corpus], root=tmp_path, progress=False)
    before = {a.id for a in store.articles()}
    extra = tmp_path / "corpus" / "extra.jsonl"
    records = [
        {
            "id": f"x{i}",
            "url": f"https://example.com/{i}",
            "outlet": "Example News",
            "title": f"Extra story {i}",
            "published_at": f"2021-05-0{1 + i % 8}",
            "authors": [],
            "body": f"Story number {i} says the harbour reopened after {i} days of repairs. "
            "Officials said traffic would return to normal within a week.",
        }
        for i in range(200)
    ]
    extra.write_text("".join(json.dumps(r) + "\n" for r in records))
    # killed while embedding, between storing vectors and recording them, and after recording
    for point in ("embedding", "upserted", "recorded"):
        _kill_build_at(tmp_path, corpus, index, point)
        reopened = _store(index, fake_embedder)
        assert {a.id for a in reopened.articles()} == before, "a killed build changed what readers see"
        assert reopened.lexical_search("Peskov Astana", 3)
        reopened.close()
    finished = _store(index, fake_embedder)
    report = build_index(finished, [corpus], root=tmp_path, progress=False)
    assert report.generation > 0
    assert len(finished.articles()) == 205
    ids = finished.collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids))
    rerun = build_index(finished, [corpus], root=tmp_path, progress=False)
    assert rerun.chunks_embedded == 0


def test_changed_article_replaced_even_when_paths_are_spelled_differently(
    tmp_path: Path,
    fake_embedder,  # type: ignore[no-untyped-def]
) -> None:
    corpus = _copy_seeds(tmp_path)
    store = _store(tmp_path / "index", fake_embedder)
    build_index(store, [corpus], root=tmp_path, progress=False)
    tass = corpus / "001_dc96f93586912206.txt"
    tass.write_text(tass.read_text().replace("Wednesday", "Thursday"))
    respelled = tmp_path / "index" / ".." / "corpus"
    report = build_index(store, [respelled], root=tmp_path, progress=False)
    assert report.added == 1 and report.removed == 1
    texts = [a.text for a in store.articles(with_text=True)]
    assert len(texts) == 5
    assert sum("Peskov told reporters on Thursday" in t for t in texts) == 1
    assert not any("Peskov told reporters on Wednesday" in t for t in texts)


class _RenamedEmbedder:
    """The fake embedder's vectors, reversed, under another name: a different model."""

    dimension = 256

    def __init__(self, inner, name: str) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name = name

    def embed_batch(self, texts: list[str]):  # type: ignore[no-untyped-def]
        return self.inner.embed_batch(texts)[:, ::-1].copy()


def test_another_embedder_re_embeds_every_stored_chunk(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = _copy_seeds(tmp_path)
    first = build_index(_store(tmp_path / "index", fake_embedder), [corpus], root=tmp_path, progress=False)
    other = _RenamedEmbedder(fake_embedder, "other-model")
    store = _store(tmp_path / "index", other)
    assert "holds hash-256 vectors" in (store.embedder_mismatch() or "")
    report = build_index(store, [corpus], root=tmp_path, progress=False)
    assert report.chunks_reembedded == first.chunks_embedded and report.added == 0
    assert "re-embedded" in report.summary()
    assert store.recorded_embedder() == "other-model" and store.embedder_mismatch() is None
    chunk = next(iter(store.chunks([row[0] for row in store.catalog.chunk_rows()[:1]]).values()))
    hit = store.dense_search(other.embed_batch([chunk.text])[0], 1)[0]
    assert hit.chunk_id == chunk.id and hit.score > 0.99
    again = build_index(store, [corpus], root=tmp_path, progress=False)
    assert again.chunks_reembedded == 0 and again.chunks_embedded == 0


def test_index_without_a_recorded_embedder_holds_the_original_minilm(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    store = _store(tmp_path / "index", fake_embedder)
    assert store.recorded_embedder() is None
    build_index(store, [SEEDS], root=ROOT, progress=False)
    with store.catalog._transaction() as db:
        db.execute("DELETE FROM meta WHERE key='embedder'")
    assert store.recorded_embedder() == "all-MiniLM-L6-v2"
