"""Cuts: a quote is verbatim in the page as published, not only in the cleaned text.

Cleaning drops photo captions, related-link lines and gallery widgets between paragraphs; the
paragraphs it keeps then meet at a cut. A two-sentence window across a cut, or a quote across one,
never stood on the page, so `crosses_cut` flags it and `quote_is_verbatim` rejects it once the
page's text before cleaning is given.
"""

from __future__ import annotations

import gzip
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from assistant.pipeline.evidence import Quote
from assistant.pipeline.verify import quote_is_verbatim
from assistant.text import normalise
from index.build import build_index
from index.catalog import Catalog
from index.cleaning import clean_scraped_text, light_clean_with_cuts
from index.cuts import aligned_cuts, crosses_cut, cut_offsets, spans_without_cuts
from index.html_loader import load_html
from index.jsonl_loader import record_to_article
from index.models import Article, pack_text
from index.sentences import split_sentences
from index.store import CATALOG_FILE, IndexStore

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"

BEFORE = (
    "The port reopened on Friday after a two-week strike by dock workers. "
    "Union leaders said the new deal raised wages by six percent."
)
AFTER = (
    "Shipping companies welcomed the news on Saturday. "
    "The backlog of containers will take ten days to clear, the port authority said."
)
PHOTO_CAPTION = "Dock workers gather outside the port gates on Thursday. (Photo: AFP)"
MORE_LINE = "More:Harbour city votes on new ferry terminal after long debate"
GALLERY_CAPTION = (
    "Photos: Strike at the port Dock workers march through the city centre on Tuesday. Hide Caption 3 of 12"
)
LAST_BEFORE = "Union leaders said the new deal raised wages by six percent."
FIRST_AFTER = "Shipping companies welcomed the news on Saturday."


def _record(removed_line: str, tail: str = "") -> dict[str, str]:
    body = f"{BEFORE}\n\n{removed_line}\n\n{AFTER}{tail}"
    return {"outlet": "Harbour Herald", "title": "Port reopens after strike", "body": body}


def _quote(article: Article, text: str) -> Quote:
    start = article.text.index(text)
    return Quote(
        text=text, article_id=article.id, start=start, end=start + len(text),
        credit=article.credit(),
    )  # fmt: skip


# -- the helpers ---------------------------------------------------------------------------------
def test_crosses_cut_needs_text_on_both_sides() -> None:
    cuts = [10, 30]
    assert not crosses_cut(0, 10, cuts)  # ends where the cut is
    assert not crosses_cut(12, 30, cuts)  # starts after one cut, ends at the next
    assert not crosses_cut(10, 20, cuts)  # starts at the cut
    assert crosses_cut(5, 11, cuts)
    assert crosses_cut(0, 40, cuts)
    assert not crosses_cut(31, 40, cuts)
    assert not crosses_cut(0, 100, [])


def test_spans_without_cuts_splits_at_each_inner_cut() -> None:
    assert spans_without_cuts(0, 40, [10, 30]) == [(0, 10), (10, 30), (30, 40)]
    assert spans_without_cuts(12, 28, [10, 30]) == [(12, 28)]
    assert spans_without_cuts(0, 10, [10]) == [(0, 10)]
    assert spans_without_cuts(5, 8, []) == [(5, 8)]


def test_cut_offsets_point_at_the_end_of_the_paragraph_before() -> None:
    paragraphs = ["One.", "Two two.", "Three."]
    text = "\n\n".join(paragraphs)
    cuts = cut_offsets(paragraphs, {0, 2})  # nothing can stand before the first paragraph
    assert cuts == [text.index("\n\nThree")]
    assert cut_offsets(paragraphs, set()) == []


def test_adjacent_paragraphs_have_no_cut() -> None:
    text, captions, cuts = light_clean_with_cuts(f"{BEFORE}\n\n\n{AFTER}")
    assert cuts == [] and captions == []
    assert text == f"{BEFORE}\n\n{AFTER}"


def test_aligned_cuts_finds_text_the_extractor_dropped() -> None:
    page = f"Menu\n{BEFORE}\n{PHOTO_CAPTION}\n{AFTER}\nFooter"
    text = f"{BEFORE}\n\n{AFTER}"
    assert aligned_cuts(text, page) == [len(BEFORE)]
    assert aligned_cuts(text, f"{BEFORE}\n{AFTER}") == []
    assert aligned_cuts(text, "an unrelated page about something else entirely") is None


# -- the three known cases, from JSON lines ------------------------------------------------------
@pytest.mark.parametrize(
    "removed", [PHOTO_CAPTION, MORE_LINE, GALLERY_CAPTION], ids=["photo", "more", "gallery"]
)
def test_removed_line_leaves_a_cut_that_quotes_cannot_cross(removed: str) -> None:
    article = record_to_article(_record(removed), "feed.jsonl#1")
    original = article.original_text()
    assert original is not None and removed in original
    assert removed not in article.text
    assert article.text == f"{BEFORE}\n\n{AFTER}"
    assert article.cuts == [len(BEFORE)]
    _check_windows_and_quotes(article, original)


def _check_windows_and_quotes(article: Article, original: str) -> None:
    """Sentence windows across the cut are flagged, quotes across it fail, the others pass."""
    spans = split_sentences(article.text)
    windows = [(s, e) for (s, _), (_, e) in itertools.pairwise(spans)]
    across = [w for w in windows if crosses_cut(*w, article.cuts)]
    assert [article.text[s:e] for s, e in across] == [f"{LAST_BEFORE}\n\n{FIRST_AFTER}"]
    assert all(crosses_cut(*w, article.cuts) == (w in across) for w in windows)
    spanning = _quote(article, f"{LAST_BEFORE}\n\n{FIRST_AFTER}")
    assert quote_is_verbatim(spanning, article.text)  # the cleaned text alone cannot tell
    assert not quote_is_verbatim(spanning, article.text, original)
    inside = _quote(article, BEFORE)
    assert quote_is_verbatim(inside, article.text, original)
    assert quote_is_verbatim(_quote(article, AFTER), article.text, original)
    for start, end in windows:
        if (start, end) not in across:
            assert quote_is_verbatim(_quote(article, article.text[start:end]), article.text, original)


# -- the same cases in the other formats ----------------------------------------------------------
@pytest.mark.parametrize(
    "removed", [PHOTO_CAPTION, MORE_LINE, GALLERY_CAPTION], ids=["photo", "more", "gallery"]
)
def test_scraped_text_page_keeps_raw_text_and_cuts(removed: str) -> None:
    raw = f"Port reopens after strike\n\nBy Ana Ruiz\n\n{BEFORE}\n\n{removed}\n\n{AFTER}\n"
    article = clean_scraped_text(raw, "port.txt")
    assert article.original_text() == raw
    assert removed not in article.text and article.text.endswith(AFTER)
    assert article.cuts == [article.text.index(f"\n\n{FIRST_AFTER}")]
    _check_windows_and_quotes(article, raw)


def test_html_figure_caption_dropped_by_the_extractor_is_a_cut() -> None:
    page = f"""<html><head><title>Port reopens</title></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Port reopens after strike</h1>
    <p>{BEFORE}</p>
    <figure><img src="port.jpg"><figcaption>{PHOTO_CAPTION}</figcaption></figure>
    <p>{AFTER}</p>
    </article></body></html>"""
    article = load_html(page, "port.html")
    original = article.original_text()
    assert original is not None and PHOTO_CAPTION in original and "<p>" not in original
    assert article.text == f"{BEFORE}\n\n{AFTER}"
    assert article.cuts == [len(BEFORE)]
    _check_windows_and_quotes(article, original)


def test_html_more_line_kept_by_the_extractor_but_cleaned_is_a_cut() -> None:
    page = f"""<html><body><article><h1>Port reopens after strike</h1>
    <p>{BEFORE}</p><p><strong>More:</strong> <a href="/ferry">Harbour city votes on ferry terminal</a></p>
    <p>{AFTER}</p></article></body></html>"""
    article = load_html(page, "port.html")
    assert "ferry" not in article.text
    assert article.cuts == [len(BEFORE)]
    _check_windows_and_quotes(article, article.original_text() or "")


def test_photo_gallery_with_nothing_else_keeps_its_captions_as_text() -> None:
    body = "\n".join(
        f"Photos: Port life Workers unload ship number {n}. Hide Caption {n} of 3" for n in (1, 2, 3)
    )
    article = record_to_article({"title": "Port life in pictures", "body": body}, "feed.jsonl#2")
    assert article.text.count("Hide Caption") == 3 and article.cuts == []


# -- the catalog keeps cuts and page texts --------------------------------------------------------
def _corpus(folder: Path) -> Path:
    folder.mkdir()
    removed = (PHOTO_CAPTION, MORE_LINE, GALLERY_CAPTION)
    lines = [json.dumps(_record(line, f" Day {n}.")) for n, line in enumerate(removed)]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plain = f"Strike ends at the port\n\n{BEFORE}\n\n{PHOTO_CAPTION}\n\n{AFTER} It was calm.\n"
    (folder / "port.txt").write_text(plain, encoding="utf-8")
    return folder


def test_cuts_and_original_survive_build_and_reopen(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    from index.loaders import load_paths

    corpus = _corpus(tmp_path / "corpus")
    loaded = {a.id: a for a in load_paths([corpus], root=tmp_path).articles}
    assert len(loaded) == 4 and all(a.cuts for a in loaded.values())
    store = IndexStore(tmp_path / "index", fake_embedder)
    report = build_index(store, [corpus], root=tmp_path, progress=False)
    assert report.added == 4
    store.close()

    reopened = IndexStore(tmp_path / "index", fake_embedder)
    for article_id, article in loaded.items():
        stored = reopened.article(article_id)
        assert stored is not None and stored.cuts == article.cuts and stored.text == article.text
        meta = reopened.article_meta(article_id)
        assert meta is not None and (meta.title, meta.outlet) == (article.title, article.outlet)
        assert reopened.original_text(article_id) == article.original_text()
    assert {a.id: a.cuts for a in reopened.articles(with_text=True)} == {i: a.cuts for i, a in loaded.items()}
    assert reopened.catalog.get_articles(loaded)[next(iter(loaded))].cuts
    batch = reopened.original_texts([*loaded, "no-such-id"])
    assert batch == {i: a.original_text() for i, a in loaded.items()}
    assert reopened.original_text("no-such-id") is None


def test_removed_article_takes_its_original_along(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path / "corpus")
    store = IndexStore(tmp_path / "index", fake_embedder)
    build_index(store, [corpus], root=tmp_path, progress=False)
    plain = next(a for a in store.articles() if a.source.endswith("port.txt"))
    (corpus / "port.txt").unlink()
    build_index(store, [corpus], root=tmp_path, progress=False)
    assert store.original_text(plain.id) is None
    assert store.catalog.original_text(plain.id) is None  # purged, not only hidden


_OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, outlet TEXT, title TEXT, published TEXT,
    dateline TEXT, byline TEXT, url TEXT, text TEXT NOT NULL, captions TEXT NOT NULL,
    n_chunks INTEGER NOT NULL, added_gen INTEGER NOT NULL, removed_gen INTEGER
);
CREATE TABLE chunks (
    id TEXT PRIMARY KEY, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
INSERT INTO meta VALUES ('generation', '1');
INSERT INTO articles VALUES ('a1', 'old.txt', 'TASS', 'Old', '2016-12-28', NULL, NULL, NULL,
    'Old text.', '[]', 0, 1, NULL);
"""


def test_catalog_written_before_cuts_still_opens(tmp_path: Path) -> None:
    path = tmp_path / CATALOG_FILE
    with sqlite3.connect(path) as db:
        db.executescript(_OLD_SCHEMA)
    db.close()
    catalog = Catalog(path)
    assert catalog.get_articles(["a1"])["a1"].cuts == []
    assert [a.cuts for a in catalog.articles()] == [[]]
    assert catalog.original_text("a1") is None and catalog.original_texts(["a1"]) == {}
    assert catalog.lacking_page_records() == {"a1"}
    article = Article(
        id="a1", source="old.txt", text="Old text.", cuts=[3], original_zlib=pack_text("Old\ntext.")
    )
    assert catalog.fill_page_records([article]) == 1
    assert catalog.get_articles(["a1"])["a1"].cuts == [3]
    assert catalog.original_text("a1") == "Old\ntext."
    assert catalog.lacking_page_records() == set()
    catalog.close()
    assert Catalog(path).get_articles(["a1"])["a1"].cuts == [3]  # reopening migrates nothing twice


def test_rebuild_fills_cuts_of_an_index_built_before_them(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path / "corpus")
    store = IndexStore(tmp_path / "index", fake_embedder)
    build_index(store, [corpus], root=tmp_path, progress=False)
    with sqlite3.connect(tmp_path / "index" / CATALOG_FILE) as db:  # as an older version wrote it
        db.execute("UPDATE articles SET cuts=NULL")
        db.execute("DELETE FROM originals")
    db.close()
    assert all(store.article(a.id).cuts == [] for a in store.articles())  # type: ignore[union-attr]
    report = build_index(store, [corpus], root=tmp_path, progress=False)
    assert report.chunks_embedded == 0 and report.added == 0
    for article in store.articles():
        assert store.article(article.id).cuts  # type: ignore[union-attr]
        assert store.original_text(article.id)


# -- opt-in: the real pages these cases come from ---------------------------------------------------
@pytest.mark.parametrize("name", ["news_distractors_3k.jsonl.gz", "rtqa_dev/corpus.jsonl.gz"])
def test_shared_corpus_windows_are_verbatim_unless_they_cross_a_cut(name: str) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip("shared corpus not present")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in itertools.islice(handle, 150)]
    crossing = 0
    for number, record in enumerate(records):
        try:
            article = record_to_article(record, f"{name}#{number}")
        except ValueError:
            continue
        page = normalise(article.original_text() or "").casefold()  # the body, invisible marks out
        spans = split_sentences(article.text)
        for start, end in [*spans, *((s, e) for (s, _), (_, e) in itertools.pairwise(spans))]:
            verbatim = normalise(article.text[start:end]).casefold() in page
            assert verbatim != crosses_cut(start, end, article.cuts), article.text[start:end]
            crossing += not verbatim
    assert crossing > 0
