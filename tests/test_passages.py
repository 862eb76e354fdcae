"""The shingle index alone (no models): spans, near-verbatim matches, copies; and bench-source's parts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from assistant.retrieval.source import find_source
from benchmarks import source as bench
from benchmarks.report import write_reports
from index.models import Article
from index.passages import PassageIndex

BRIDGE = (
    "The city council voted on Tuesday to close the old harbour bridge to lorries after engineers "
    "found cracks in two of its steel supports. Repairs are expected to take at least six months."
)
MARKET = (
    "Shares in the country's largest grocer fell sharply on Monday after it warned that profits "
    "would shrink this year as shoppers switched to cheaper discount chains across the north."
)


def _article(key: str, text: str, outlet: str, published: date | None = None) -> Article:
    return Article(
        id=key, source=f"{key}.txt", outlet=outlet, title=key.title(), text=text, published=published
    )


def test_a_verbatim_passage_gets_its_exact_span() -> None:
    index = PassageIndex.of([_article("bridge", BRIDGE, "Gazette"), _article("market", MARKET, "Wire")])
    passage = "close the old harbour bridge to lorries after engineers found cracks"
    [match] = index.search(passage)
    assert match.article_id == "bridge" and match.exact and match.coverage == 1.0
    assert BRIDGE[match.start : match.end] == passage


def test_words_dropped_still_find_the_span_but_not_exact() -> None:
    index = PassageIndex.of([_article("bridge", BRIDGE, "Gazette"), _article("market", MARKET, "Wire")])
    [match] = index.search(
        "Shares in the largest grocer fell sharply on Monday after it warned that profits would"
    )
    assert match.article_id == "market" and not match.exact
    assert MARKET[match.start : match.end] == (
        "Shares in the country's largest grocer fell sharply on Monday after it warned that profits would"
    )


def test_unrelated_text_and_short_phrases_find_nothing() -> None:
    index = PassageIndex.of([_article("bridge", BRIDGE, "Gazette")])
    assert index.search("The orchestra opened its season with a new symphony on Tuesday evening.") == []
    assert index.search("old harbour bridge") == []
    assert index.search("") == []


def test_copies_are_grouped_under_the_earliest_and_undated_go_last() -> None:
    later = _article("later", BRIDGE + " Send photos to the newsdesk.", "Gazette", date(2024, 5, 3))
    first = _article("first", BRIDGE, "Wire", date(2024, 5, 2))
    undated = _article("undated", "Breaking: " + BRIDGE, "Aggregator")
    other = _article(
        "other", MARKET + " Repairs are expected to take at least six months.", "Wire", date(2020, 1, 1)
    )
    index = PassageIndex.of([later, undated, first, other])
    matches = find_source("“Repairs are expected to take at least six months.”", passages=index)
    assert [m.article_id for m in matches] == ["other", "first"]
    assert [c.article_id for c in matches[1].copies] == ["later", "undated"]


def test_bench_draws_the_same_sentences_and_drops_every_seventh_word() -> None:
    articles = [_article("bridge", BRIDGE, "Gazette"), _article("market", MARKET, "Wire")]
    assert bench.draw_sentences(articles, 5, 1) == bench.draw_sentences(articles, 5, 1)
    assert bench.drop_words("one two three four five six seven eight") == "one two three four five six eight"


def test_bench_section_is_replaced_in_results_md_and_kept_by_the_main_report(tmp_path: Path) -> None:
    latency = {"p50_ms": 1.0, "p95_ms": 2.0}
    row = {"right_first": 199, "earlier_first": 1, "n": 200, "share": 0.995, "share_with_earlier": 1.0,
           "once_n": 190, "once_right_first": 190, "once_share": 1.0,
           "latency": latency, "misses": []}  # fmt: skip
    results = {"verbatim": row, "dropped": row, "seed": 1, "articles": 10, "corpus": "c.jsonl",
               "date": "today", "machine": {"cores": 2}, "load_s": 1.0, "build_s": 1.0}  # fmt: skip
    (tmp_path / "results.md").write_text("# Benchmark results\n")
    bench.write(results, tmp_path)
    bench.write(results, tmp_path)
    text = (tmp_path / "results.md").read_text()
    assert text.count(bench.SECTION_START) == 1
    assert "| verbatim | 99.5% (199/200) | 100.0% (200/200) | 100.0% (190/190) | 1.0 ms | 2.0 ms |" in text
    write_reports({"meta": {}}, tmp_path)
    assert "| verbatim | 99.5% (199/200)" in (tmp_path / "results.md").read_text()


def test_a_sentence_another_article_reprints_is_not_counted_as_printed_once() -> None:
    reprint = _article("reprint", "Wire copy follows. " + BRIDGE.upper(), "Herald")
    articles = [_article("bridge", BRIDGE, "Gazette"), _article("market", MARKET, "Wire"), reprint]
    drawn = [(articles[0], BRIDGE), (articles[1], MARKET)]
    assert bench.printed_once(articles, drawn) == [False, True]


def test_every_seventh_word_dropped_is_still_found() -> None:
    index = PassageIndex.of([_article("bridge", BRIDGE, "Gazette"), _article("market", MARKET, "Wire")])
    [match] = index.search(bench.drop_words(BRIDGE))
    assert match.article_id == "bridge" and not match.exact and match.coverage >= 0.8
    assert BRIDGE[match.start : match.end] == BRIDGE.removesuffix(".")


def test_run_hashes_are_the_same_in_every_process() -> None:
    import subprocess
    import sys

    from index.passages import shingle_hashes, text_words

    words = text_words(BRIDGE).words
    code = (
        "import sys; from index.passages import shingle_hashes, text_words; "
        f"print(shingle_hashes(text_words({BRIDGE!r}).words).tolist())"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=Path(__file__).resolve().parents[1],
        ).stdout  # fmt: skip
        assert out.strip() == str(shingle_hashes(words).tolist())


def test_a_built_index_traces_passages_through_its_table_on_disk(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    from index.build import build_index
    from index.diskarray import DiskArray
    from index.store import IndexStore
    from tests.conftest import ROOT, SEEDS

    store = IndexStore(tmp_path / "index", fake_embedder)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    passages = store.passages()
    assert isinstance(passages._table.hashes, DiskArray) and len(passages) == 5
    article = store.articles(with_text=True)[2]
    sentence = article.text[:200].rsplit(" ", 1)[0]
    [first, *_] = passages.search(sentence)
    assert first.article_id == article.id and first.exact
    assert article.text[first.start : first.end] == sentence


def test_an_index_without_a_passage_table_gets_one_at_the_next_build(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from index.build import build_index
    from index.store import IndexStore
    from tests.conftest import ROOT, SEEDS

    store = IndexStore(tmp_path / "index", fake_embedder)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    with store.catalog._transaction() as db:  # as a catalog committed before the tables were written
        db.execute("DELETE FROM meta WHERE key='passages_dir'")
    shutil.rmtree(tmp_path / "index" / "passages")
    assert len(store.passages()) == 5  # built in memory meanwhile
    report = build_index(store, [SEEDS], root=ROOT, progress=False)
    assert report.chunks_embedded == 0 and report.generation == 2
    assert (tmp_path / "index" / store.catalog.meta("passages_dir") / "hashes.npy").exists()


def test_fenced_lookups_find_the_same_rows_as_a_plain_search(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from index import passages

    monkeypatch.setattr(passages, "FENCE_EVERY", 4)
    rng = np.random.default_rng(7)
    hashes = np.sort(rng.integers(-20, 20, size=203)).astype(np.int64)  # many repeats across blocks
    zeros = np.zeros(len(hashes), dtype=np.int32)
    table = passages.ShingleTable(hashes, zeros, zeros, np.array(["a"]), passages.fences_of(hashes))
    wanted = np.arange(-25, 26, dtype=np.int64)
    left, counts = table.rows(wanted)
    assert left.tolist() == np.searchsorted(hashes, wanted, side="left").tolist()
    assert (left + counts).tolist() == np.searchsorted(hashes, wanted, side="right").tolist()


def test_a_saved_table_read_from_disk_finds_the_same_rows(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from index import passages
    from index.diskarray import DiskArray

    monkeypatch.setattr(passages, "FENCE_EVERY", 4)
    rng = np.random.default_rng(11)
    hashes = np.sort(rng.integers(-30, 30, size=301)).astype(np.int64)
    docs = rng.integers(0, 3, size=len(hashes)).astype(np.int32)
    positions = np.arange(len(hashes), dtype=np.int32)
    ids = np.array(["a", "b", "c"])
    built = passages.ShingleTable(hashes, docs, positions, ids, passages.fences_of(hashes))
    built.save(tmp_path / "table")
    loaded = passages.ShingleTable.load(tmp_path / "table")
    assert isinstance(loaded.hashes, DiskArray) and isinstance(loaded.docs, DiskArray)
    wanted = np.arange(-35, 36, dtype=np.int64)
    for (left, counts), (left2, counts2) in [(built.rows(wanted), loaded.rows(wanted))]:
        assert left.tolist() == left2.tolist() and counts.tolist() == counts2.tolist()
    taken = passages._take_runs(loaded.docs, *loaded.rows(wanted))
    expected = np.concatenate([docs[hashes == w] for w in wanted.tolist()])
    assert taken.tolist() == expected.tolist()


def test_containment_hashes_each_article_once_while_it_is_compared() -> None:
    from index.passages import ShingleTable

    words = " ".join(f"word{i}" for i in range(60))
    articles = {
        "a": _article("a", words, "Outlet A"),
        "b": _article("b", words + " and a closing line of its own here", "Outlet B"),
        "c": _article("c", "an unrelated text about a storm that hit the coast on Monday night", "Outlet C"),
    }
    fetched: list[str] = []

    def fetch(ids: list[str]) -> dict[str, Article]:
        fetched.extend(ids)
        return {i: articles[i] for i in ids}

    index = PassageIndex(ShingleTable.build(articles.values()), fetch)
    assert index.containment("a", "b") == 1.0 and index.containment("b", "a") < 1.0
    assert index.containment("a", "c") == 0.0 and index.containment("c", "b") == 0.0
    assert sorted(fetched) == ["a", "b", "c"]
