"""Loaders: every format, mixed folders, and bad input reported instead of raised."""

from __future__ import annotations

import gzip
import json
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from index.boilerplate import is_chrome, normalise_line
from index.loaders import load_paths
from index.models import Article

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
CORPUS = Path("../shared/corpora/news_distractors_3k.jsonl.gz")

RECORDS = [
    {
        "id": "a1",
        "url": "https://example.com/a1",
        "outlet": "Example Times",
        "title": "Council approves new bridge",
        "published_at": "2021-06-01",
        "authors": ["Ann Lee Bo Chan", "Ann Lee", "Bo Chan"],
        "body": "SPRINGFIELD — The council approved the bridge on Monday.\n\nWork starts in May.",
    },
    {
        "id": "a2",
        "url": "https://example.com/a2",
        "outlet": "Example Times",
        "title": "Storm closes schools",
        "published_at": "2021-06-02",
        "authors": [],
        "body": "Schools  closed on Tuesday as a storm hit the coast.\n\nSubscribe\n\n"
        "They reopen on Thursday.",
    },
]

HTML_PAGE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Port reopens after strike | Harbour Herald</title>
<meta property="og:site_name" content="Harbour Herald">
<meta property="og:title" content="Port reopens after strike">
<meta property="article:published_time" content="2019-04-05T08:00:00Z">
<meta name="author" content="Maria Costa">
<link rel="canonical" href="https://harbour.example/port-reopens">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Port reopens after strike</h1>
<p>The city port reopened on Friday after a two-week strike by dock workers ended with a new
pay deal, the port authority said in a statement.</p>
<figure><img src="ship.jpg">
<figcaption>A ship waits outside the port. (Photo by Ana Ruiz)</figcaption></figure>
<p>Union leaders said the agreement raised wages by six percent over two years and promised
talks on working hours, which had been the main point of dispute.</p>
<p>Shipping companies welcomed the reopening and said the backlog of containers would take
about ten days to clear, according to the statement from the port authority.</p>
</article>
<footer>Copyright 2019 Harbour Herald. All rights reserved.</footer>
</body></html>
"""

HTML_FALLBACKS = """<html><head><title>Mayor resigns</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Mayor resigns",
 "datePublished": "2018-11-20", "publisher": {"@type": "Organization", "name": "Valley Post"}}
</script></head><body>
<h1>Mayor resigns</h1>
<p>The mayor resigned on Tuesday evening, citing health reasons, after twelve years in office
and three consecutive election victories in the valley.</p>
<p>Her deputy will lead the council until an election is held, officials said.</p>
</body></html>
"""


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def _seed_copy(tmp_path: Path, name: str = "000_85f44ecf95467035.txt") -> Path:
    target = tmp_path / name
    shutil.copyfile(SEEDS / name, target)
    return target


def test_seed_folder_loads_five_articles_with_relative_sources() -> None:
    report = load_paths([Path("seeds")])
    assert report.problems == [] and report.duplicates == []
    assert [a.source for a in report.articles] == sorted(f"seeds/{p.name}" for p in SEEDS.glob("*.txt"))
    assert [a.outlet for a in report.articles] == [
        "Sputnik International",
        "TASS",
        "Devdiscourse (PTI)",
        "Press TV",
        "Press TV",
    ]


def test_sources_are_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "sub").mkdir(parents=True)
    shutil.copyfile(SEEDS / "001_dc96f93586912206.txt", tmp_path / "corpus" / "sub" / "tass.txt")
    report = load_paths([tmp_path / "corpus"], root=tmp_path)
    assert [a.source for a in report.articles] == ["corpus/sub/tass.txt"]
    # A root in another tree, not the working directory: the checkout may sit anywhere, even
    # directly beside pytest's temporary folders, where the corpus would count as beside it.
    outside = load_paths([tmp_path / "corpus"], root=tmp_path / "elsewhere" / "project")
    assert outside.articles[0].source == str(tmp_path / "corpus" / "sub" / "tass.txt")


def test_jsonl_plain_and_gz(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in RECORDS]
    for name in ("news.jsonl", "news.jsonl.gz"):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        report = load_paths([_write_jsonl(folder / name, lines)], root=folder)
        assert report.problems == []
        first, second = report.articles
        assert first.source == f"{name}#1" and second.source == f"{name}#2"
        assert first.outlet == "Example Times"
        assert first.title == "Council approves new bridge"
        assert first.published == date(2021, 6, 1)
        assert first.byline == "Ann Lee, Bo Chan"
        assert first.url == "https://example.com/a1"
        assert first.dateline == "SPRINGFIELD"
        assert first.text == (
            "SPRINGFIELD — The council approved the bridge on Monday.\n\nWork starts in May."
        )
        assert second.text == "Schools closed on Tuesday as a storm hit the coast.\n\n" + (
            "They reopen on Thursday."
        )
        assert first.id == Article.make_id(first.text)


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "news.json"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    report = load_paths([path], root=tmp_path)
    assert [a.source for a in report.articles] == ["news.json#1", "news.json#2"]


def test_jsonl_broken_lines_are_reported_by_line_number(tmp_path: Path) -> None:
    lines = [
        json.dumps(RECORDS[0]),
        '{"title": "cut off", "body": "The text',
        "",
        json.dumps({"title": "No body here", "outlet": "X"}),
        "[1, 2, 3]",
        json.dumps(RECORDS[1]),
    ]
    path = _write_jsonl(tmp_path / "broken.jsonl", lines)
    report = load_paths([path], root=tmp_path)
    assert [a.source for a in report.articles] == ["broken.jsonl#1", "broken.jsonl#6"]
    assert [(p.source, p.line) for p in report.problems] == [
        ("broken.jsonl", 2),
        ("broken.jsonl", 4),
        ("broken.jsonl", 5),
    ]
    assert "not valid JSON" in report.problems[0].message
    assert "body" in report.problems[1].message
    assert "JSON object" in report.problems[2].message
    assert str(report.problems[0]).startswith("broken.jsonl:2: ")


def test_corrupt_gzip_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"body": "x"}\n')[:15])
    report = load_paths([path], root=tmp_path)
    assert report.articles == []
    assert "could not read" in report.problems[0].message


def test_html_page_uses_metadata_and_drops_chrome(tmp_path: Path) -> None:
    path = tmp_path / "port.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    report = load_paths([path], root=tmp_path)
    assert report.problems == []
    (article,) = report.articles
    assert article.source == "port.html"
    assert article.outlet == "Harbour Herald"
    assert article.title == "Port reopens after strike"
    assert article.published == date(2019, 4, 5)
    assert article.byline == "Maria Costa"
    assert article.url == "https://harbour.example/port-reopens"
    assert article.text.startswith("The city port reopened on Friday after a two-week strike")
    assert "about ten days to clear, according to the statement from the port authority." in (article.text)
    for chrome in ("Home", "Sport", "Copyright", "A ship waits outside the port"):
        assert chrome not in article.text


def test_html_fallback_metadata_from_json_ld(tmp_path: Path) -> None:
    path = tmp_path / "mayor.htm"
    path.write_text(HTML_FALLBACKS, encoding="utf-8")
    (article,) = load_paths([path], root=tmp_path).articles
    assert article.title == "Mayor resigns"
    assert article.published == date(2018, 11, 20)
    assert article.outlet == "Valley Post"
    assert "Her deputy will lead the council until an election is held, officials said." in (article.text)


def test_html_own_fallbacks_when_trafilatura_and_htmldate_find_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import html_loader

    monkeypatch.setattr(html_loader, "_trafilatura_fields", lambda html, url: {})
    monkeypatch.setattr(html_loader, "_htmldate", lambda html: None)
    (tmp_path / "port.html").write_text(HTML_PAGE, encoding="utf-8")
    (tmp_path / "mayor.html").write_text(HTML_FALLBACKS, encoding="utf-8")
    undated = HTML_FALLBACKS.replace('"datePublished": "2018-11-20", ', "")
    undated = undated.replace("twelve years", "ten years")
    (tmp_path / "undated.html").write_text(undated, encoding="utf-8")
    report = load_paths([tmp_path], root=tmp_path)
    mayor, port, undated_article = report.articles
    assert (port.outlet, port.title, port.published) == (
        "Harbour Herald",
        "Port reopens after strike",
        date(2019, 4, 5),
    )
    assert port.text.startswith("The city port reopened on Friday")
    for chrome in ("Home", "Sport", "Copyright", "A ship waits outside the port"):
        assert chrome not in port.text
    assert (mayor.outlet, mayor.title, mayor.published) == (
        "Valley Post",
        "Mayor resigns",
        date(2018, 11, 20),
    )
    assert undated_article.published is None


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    body = "Москва и Анкара продолжают переговоры по Сирии, заявил представитель Кремля. " * 4
    page = (
        '<html><head><meta charset="windows-1251"><title>Переговоры</title></head>'
        f"<body><article><h1>Переговоры</h1><p>{body}</p><p>{body}</p></article></body></html>"
    )
    (tmp_path / "ru.html").write_bytes(page.encode("cp1251"))
    (article,) = load_paths([tmp_path], root=tmp_path).articles
    assert "Москва и Анкара продолжают переговоры" in article.text


def test_mixed_folder_is_sorted_and_recursive(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    (folder / "b_sub").mkdir(parents=True)
    shutil.copyfile(SEEDS / "003_79d67f101bb9e229.txt", folder / "c_presstv.txt")
    (folder / "b_sub" / "port.html").write_text(HTML_PAGE, encoding="utf-8")
    _write_jsonl(folder / "a_news.jsonl.gz", [json.dumps(r) for r in RECORDS])
    (folder / "d_notes.pdf").write_bytes(b"%PDF-1.4 not really")
    (folder / ".hidden.txt").write_text("ignored", encoding="utf-8")
    report = load_paths([folder], root=tmp_path)
    assert [a.source for a in report.articles] == [
        "mixed/a_news.jsonl.gz#1",
        "mixed/a_news.jsonl.gz#2",
        "mixed/b_sub/port.html",
        "mixed/c_presstv.txt",
    ]
    (problem,) = report.problems
    assert problem.source == "mixed/d_notes.pdf"
    assert "unsupported file type .pdf" in problem.message
    again = load_paths([folder], root=tmp_path)
    assert [a.id for a in again.articles] == [a.id for a in report.articles]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    report = load_paths([tmp_path / "nope"], root=tmp_path)
    assert report.articles == []
    assert report.problems[0].source == "nope"
    assert "no such file" in report.problems[0].message


def test_empty_binary_and_whitespace_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n \t\n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "empty.jsonl").write_bytes(b"\n\n")
    report = load_paths([tmp_path], root=tmp_path)
    assert report.articles == []
    messages = {p.source: p.message for p in report.problems}
    assert set(messages) == {"blank.txt", "empty.jsonl", "empty.txt", "image.txt"}
    assert messages["empty.txt"].startswith("empty file")
    assert messages["blank.txt"].startswith("empty file")
    assert messages["empty.jsonl"].startswith("empty file")
    assert "binary file" in messages["image.txt"]


def test_non_utf8_text(tmp_path: Path) -> None:
    prose = (
        "Caf\xe9 owners protest new rules\n\n"
        "Owners of the caf\xe9 said the \x93new rules\x94 would hurt trade, the mayor\x92s "
        "office confirmed on Monday.\n"
    )
    (tmp_path / "cp1252.txt").write_bytes(prose.encode("latin-1"))
    (tmp_path / "garbage.txt").write_bytes(bytes(range(128, 256)) * 40)
    report = load_paths([tmp_path], root=tmp_path)
    (article,) = report.articles
    assert article.title == "Café owners protest new rules"
    assert "the “new rules” would hurt trade, the mayor’s office" in article.text
    (problem,) = report.problems
    assert problem.source == "garbage.txt"
    assert "not UTF-8" in problem.message and "re-save" in problem.message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    text = (SEEDS / "001_dc96f93586912206.txt").read_text(encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (article,) = load_paths([tmp_path], root=tmp_path).articles
    assert article.published == date(2016, 12, 28)


def test_same_article_under_two_names_is_loaded_once(tmp_path: Path) -> None:
    _seed_copy(tmp_path)
    shutil.copyfile(tmp_path / "000_85f44ecf95467035.txt", tmp_path / "zz_copy.txt")
    report = load_paths([tmp_path], root=tmp_path)
    assert [a.source for a in report.articles] == ["000_85f44ecf95467035.txt"]
    (duplicate,) = report.duplicates
    assert duplicate.source == "zz_copy.txt"
    assert "000_85f44ecf95467035.txt" in duplicate.message
    assert report.problems == []


def test_same_file_given_twice_is_loaded_once(tmp_path: Path) -> None:
    path = _seed_copy(tmp_path)
    report = load_paths([tmp_path, path], root=tmp_path)
    assert len(report.articles) == 1 and report.duplicates == []


def test_ten_megabyte_file_loads_quickly(tmp_path: Path) -> None:
    paragraph = (
        "Officials met on Monday to discuss the harbour, and said that talks would continue "
        "next week after a long session in the capital. "
    )
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Harbour talks continue into the night\n\n")
        number = 0
        while handle.tell() < 10 * 1024 * 1024:
            number += 1
            handle.write(f"Paragraph {number}. {paragraph * 3}\n\n")
    started = time.perf_counter()
    report = load_paths([path], root=tmp_path)
    elapsed = time.perf_counter() - started
    assert elapsed < 10
    assert report.problems == []
    (article,) = report.articles
    assert article.title == "Harbour talks continue into the night"
    assert article.text.count("\n\n") == number - 1


def test_file_over_the_size_limit_is_reported(tmp_path: Path) -> None:
    path = _seed_copy(tmp_path)
    report = load_paths([path], root=tmp_path, max_bytes=1000)
    assert report.articles == []
    (problem,) = report.problems
    assert "over the 0.001 MB limit" in problem.message
    assert "split it" in problem.message


def test_page_without_article_text_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "menu.txt").write_text("Left Menu\nSubscribe\nNewsfeed\n", encoding="utf-8")
    report = load_paths([tmp_path], root=tmp_path)
    assert report.articles == []
    assert report.problems[0].source == "menu.txt"
    assert "no article text" in report.problems[0].message


@pytest.mark.skipif(not (REPO / CORPUS).exists(), reason="shared corpus not present")
def test_first_200_lines_of_the_shared_corpus(tmp_path: Path) -> None:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(200)]
    records = [json.loads(line) for line in lines]
    sample = _write_jsonl(tmp_path / "first200.jsonl.gz", [line.rstrip("\n") for line in lines])
    report = load_paths([sample], root=tmp_path)
    assert report.problems == []
    loaded = {int(a.source.rsplit("#", 1)[1]): a for a in report.articles}
    dupes = {p.line for p in report.duplicates}
    assert len(loaded) + len(dupes) == 200
    dropped = total = 0
    for number, record in enumerate(records, start=1):
        if number in dupes:
            continue
        article = loaded[number]
        assert article.outlet == record["outlet"]
        assert article.title == " ".join(record["title"].split())
        assert article.published == date.fromisoformat(record["published_at"])
        assert article.url == record["url"]
        lines = [normalise_line(line) for line in record["body"].splitlines()]
        for line in filter(None, lines):
            if is_chrome(line):
                dropped += 1
            else:
                assert line in article.text or line in "\n".join(article.captions)
            total += 1
    assert dropped < 0.02 * total


def test_unreadable_file_and_loader_bug_become_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import loaders

    _seed_copy(tmp_path, "001_dc96f93586912206.txt")
    _seed_copy(tmp_path, "003_79d67f101bb9e229.txt")
    _seed_copy(tmp_path, "004_80a8fa572f98a536.txt")
    real_read = Path.read_bytes
    real_clean = loaders.clean_scraped_text

    def read_bytes(self: Path) -> bytes:
        if self.name.startswith("001"):
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def clean(raw: str, source: str) -> Article:
        if source.startswith("003"):
            raise RuntimeError("boom")
        return real_clean(raw, source)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(loaders, "clean_scraped_text", clean)
    report = load_paths([tmp_path], root=tmp_path)
    assert [a.source for a in report.articles] == ["004_80a8fa572f98a536.txt"]
    unreadable, bug = report.problems
    assert unreadable.source == "001_dc96f93586912206.txt"
    assert "could not read the file" in unreadable.message
    assert bug.source == "003_79d67f101bb9e229.txt"
    assert "RuntimeError: boom" in bug.message


def test_jsonl_file_of_garbage_stops_early(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "noise.jsonl", [f"not json {i}" for i in range(500)])
    report = load_paths([path], root=tmp_path)
    assert report.articles == []
    assert len(report.problems) == 21
    assert "stopped reading after 20 bad lines" in report.problems[-1].message


def test_html_title_tag_fallback_drops_the_site_suffix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import html_loader

    monkeypatch.setattr(html_loader, "_trafilatura_fields", lambda html, url: {})
    page = HTML_PAGE.replace('<meta property="og:title" content="Port reopens after strike">', "")
    page = page.replace("<h1>Port reopens after strike</h1>", "")
    (tmp_path / "port.html").write_text(page, encoding="utf-8")
    (article,) = load_paths([tmp_path], root=tmp_path).articles
    assert article.title == "Port reopens after strike"
    assert article.outlet == "Harbour Herald"


def test_source_of_a_sibling_folder_is_relative(tmp_path: Path) -> None:
    from index.loaders import source_name

    (tmp_path / "project").mkdir()
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "news.jsonl"
    assert source_name(target, tmp_path / "project") == "../shared/news.jsonl"
    assert source_name(tmp_path / "project" / "seeds" / "a.txt", tmp_path / "project") == "seeds/a.txt"
