"""Boilerplate by general signals: lines repeated across a site's pages, outlet knowledge as data."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from index import sitedata
from index.build import build_index
from index.cuts import PARAGRAPH_SEPARATOR, cut_offsets
from index.loaders import load_paths
from index.models import Article, LoadReport
from index.repetition import (
    MAX_CHARS,
    MIN_SITE_PAGES,
    normalise_paragraph,
    repeated_lines,
    site_of,
    strip_repeated,
    strip_site_repetition,
)
from index.store import IndexStore
from tests.conftest import ROOT
from tests.fakes import HashEmbedder

SEEDS = ROOT / "seeds"
INDEX_CODE = sorted((ROOT / "index").rglob("*.py"))

# Six unrelated stories of one invented site: their words barely overlap.
STORIES = [
    [
        "The harbour authority reopened the northern pier after dredging crews cleared silt.",
        "Fishing boats queued at dawn to unload mackerel and crab at the refurbished quay.",
        "Harbourmasters expect tanker traffic to double before the autumn storms arrive.",
    ],
    [
        "Voters in the mountain district elected a new mayor after a recount of paper ballots.",
        "Councillors will swear her in at the town hall once the returning officer certifies it.",
        "Turnout reached sixty percent, the highest since the district was founded.",
    ],
    [
        "The home side won the cup final with a late penalty in front of a sold-out stadium.",
        "Supporters celebrated in the square until midnight, waving scarves and flares.",
        "The captain dedicated the trophy to the youth academy coaches.",
    ],
    [
        "A family bakery marked its hundredth year by giving away loaves of rye bread.",
        "Its wood-fired ovens still burn beech logs cut in the nearby forest.",
        "Grandchildren of the founder now knead the dough before sunrise.",
    ],
    [
        "Engineers closed the suspension bridge after inspectors found corroded cables.",
        "Commuters face detours through the tunnel for six weeks while crews replace anchors.",
        "Freight lorries must use the ring road and pay a temporary toll.",
    ],
    [
        "The city museum unveiled a restored medieval tapestry depicting a royal hunt.",
        "Conservators spent three years repairing silk threads and faded dyes.",
        "Visitors can see the tapestry in the east gallery from Saturday.",
    ],
]
CHROME = "Sign up for the Daily Planet morning briefing, delivered to your inbox."


def _article(
    paragraphs: list[str], source: str, outlet: str | None = "Daily Planet", **extra: object
) -> Article:
    text = PARAGRAPH_SEPARATOR.join(paragraphs)
    return Article(id=Article.make_id(text), source=source, outlet=outlet, text=text, **extra)  # type: ignore[arg-type]


def _site(
    with_line: dict[int, str], outlet: str = "Daily Planet", stories: list[list[str]] = STORIES
) -> list[Article]:
    """One page per story; the pages in with_line get that line as their second paragraph."""
    pages = []
    for number, story in enumerate(stories):
        paragraphs = list(story)
        if number in with_line:
            paragraphs.insert(1, with_line[number])
        pages.append(_article(paragraphs, f"{outlet.replace(' ', '_')}/{number}.txt", outlet))
    return pages


# -- repetition across a site's pages ---------------------------------------------------------------
def test_line_on_three_unrelated_pages_is_removed_with_a_cut() -> None:
    pages = _site({0: CHROME, 2: CHROME, 4: CHROME})
    found = repeated_lines(pages)
    assert found == {"daily planet": {normalise_paragraph(CHROME)}}
    stripped = strip_repeated(pages[0], found["daily planet"])
    assert stripped.text == PARAGRAPH_SEPARATOR.join(STORIES[0])
    assert stripped.cuts == [len(STORIES[0][0])], "a quote must not run across the removed line"
    assert stripped.id == Article.make_id(stripped.text) != pages[0].id
    assert (stripped.source, stripped.outlet) == (pages[0].source, pages[0].outlet)
    assert strip_repeated(pages[1], found["daily planet"]) is pages[1]  # nothing to remove


def test_line_on_two_pages_is_kept() -> None:
    assert repeated_lines(_site({0: CHROME, 3: CHROME})) == {}


def test_line_repeated_across_different_sites_is_kept() -> None:
    pages = _site({0: CHROME, 2: CHROME}, "Daily Planet") + _site({1: CHROME, 5: CHROME}, "Evening Star")
    assert repeated_lines(pages) == {}


def test_long_repeated_paragraph_is_kept() -> None:
    wire = (
        "The regional water board said on Monday that reservoirs stood at forty percent of capacity, "
        "the lowest level recorded in a decade, and asked households to limit garden watering, car "
        "washing and other outdoor use until the autumn rains refill the upland lakes that supply "
        "most of the valley's towns and farms."
    )
    assert len(wire) > MAX_CHARS
    assert repeated_lines(_site({0: wire, 1: wire, 2: wire, 3: wire})) == {}


def test_shared_paragraph_of_one_story_is_kept() -> None:
    background = "The bridge carried forty thousand vehicles a day before the closure."
    updates = [
        [
            f"Update {n}: engineers kept the suspension bridge shut after inspectors found corroded cables.",
            background,
            "Commuters face detours through the tunnel while crews replace the anchors.",
        ]
        for n in range(3)
    ]
    pages = _site({}, stories=STORIES[:3] + updates)
    assert len(pages) >= MIN_SITE_PAGES
    assert repeated_lines(pages) == {}, "pages of one story share reporting, not a template"


def test_headings_and_short_lines_are_kept() -> None:
    heading = "What is a blood moon?"
    credit = "Contributing: Example Wire"
    pages = _site({0: heading, 2: heading, 4: heading}) + _site(
        {1: credit, 3: credit, 5: credit}, "Evening Star"
    )
    assert repeated_lines(pages) == {}


def test_small_sites_are_left_alone() -> None:
    pages = _site({0: CHROME, 1: CHROME, 2: CHROME}, stories=STORIES[: MIN_SITE_PAGES - 1])
    assert repeated_lines(pages) == {}


def test_an_article_made_only_of_repeated_lines_is_kept_whole() -> None:
    chrome = [
        CHROME,
        "Share this story with a friend by email today.",
        "Follow the Daily Planet on every platform.",
    ]
    page = _article(chrome, "x.txt")
    assert strip_repeated(page, {normalise_paragraph(line) for line in chrome}) is page


def test_site_is_the_outlet_without_a_wire_credit_else_the_host() -> None:
    assert site_of(_article(["a"], "a", "Daily Planet (AFP)")) == "daily planet"
    assert site_of(_article(["a"], "a", "The Week (UK)")) == "the week (uk)"
    assert site_of(_article(["a"], "a", None, url="https://www.planet.example/news/1")) == "planet.example"
    assert site_of(_article(["a"], "a", None)) is None


# -- cuts --------------------------------------------------------------------------------------------
def test_existing_cuts_move_with_the_text() -> None:
    a, b, c, d = STORIES[0] + STORIES[1][:1]
    paragraphs = [CHROME, a, b, CHROME, c, d]
    old_cuts = cut_offsets(paragraphs, {2, 5})  # removed text stood before b and before d
    page = _article(paragraphs, "p.txt", cuts=old_cuts)
    stripped = strip_repeated(page, {normalise_paragraph(CHROME)})
    assert stripped.text.split(PARAGRAPH_SEPARATOR) == [a, b, c, d]
    # no cut at the start; the old cut before b stays; the removed line leaves one before c
    assert stripped.cuts == cut_offsets([a, b, c, d], {1, 2, 3})


def test_a_cut_beside_a_removed_line_merges_with_it() -> None:
    a, b, c = STORIES[0]
    paragraphs = [a, b, CHROME, c]
    for before in ({2}, {3}, {2, 3}):
        page = _article(paragraphs, "p.txt", cuts=cut_offsets(paragraphs, before))
        stripped = strip_repeated(page, {normalise_paragraph(CHROME)})
        assert stripped.cuts == cut_offsets([a, b, c], {2})


def test_a_cut_inside_a_kept_paragraph_keeps_its_place() -> None:
    a, b = f"{STORIES[0][0]} {STORIES[0][1]}", STORIES[0][2]
    page = _article([CHROME, a, b], "p.txt", cuts=[len(CHROME) + 2 + a.index("Fishing")])
    stripped = strip_repeated(page, {normalise_paragraph(CHROME)})
    assert stripped.text.startswith(a) and stripped.cuts == [a.index("Fishing")]


# -- the whole load ----------------------------------------------------------------------------------
def test_strip_site_repetition_is_deterministic_and_keeps_every_article() -> None:
    pages = _site({0: CHROME, 2: CHROME, 4: CHROME})
    twin = _article(STORIES[0], "twin.txt")  # page 0 without the line: the same text once stripped
    report = LoadReport(articles=[*pages, twin])
    first = strip_site_repetition(report)
    shuffled = list(report.articles)
    random.Random(7).shuffle(shuffled)
    second = strip_site_repetition(LoadReport(articles=shuffled))
    assert {a.source: a.text for a in first.articles} == {a.source: a.text for a in second.articles}
    assert len(first.articles) == len(report.articles) and not first.duplicates
    assert len({a.id for a in first.articles}) == len(first.articles)
    assert sum(CHROME in a.text for a in first.articles) == 1, "only the page that would collide keeps it"


def test_seeds_are_untouched_by_repetition() -> None:
    loaded = load_paths([SEEDS], root=ROOT)
    assert strip_site_repetition(loaded).articles == loaded.articles


def test_build_removes_lines_repeated_across_a_site(tmp_path: Path, fake_embedder: HashEmbedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [
        {"outlet": "Daily Planet", "title": f"Story {n}", "published_at": f"2021-06-0{n + 1}",
         "body": "\n\n".join(page.text.split(PARAGRAPH_SEPARATOR))}
        for n, page in enumerate(_site({0: CHROME, 2: CHROME, 4: CHROME}))
    ]  # fmt: skip
    (corpus / "planet.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert sum(CHROME in a.text for a in load_paths([corpus], root=tmp_path).articles) == 3
    store = IndexStore(tmp_path / "index", fake_embedder)
    report = build_index(store, [corpus], root=tmp_path, progress=False)
    assert report.added == 6
    stored = store.articles(with_text=True)
    assert len(stored) == 6 and not any(CHROME in a.text for a in stored)
    assert sum(bool(a.cuts) for a in stored) == 3
    remembered = json.loads((tmp_path / "index" / "site_lines.json").read_text(encoding="utf-8"))
    assert remembered["sites"]["daily planet"]["lines"] == [normalise_paragraph(CHROME)]
    again = build_index(store, [corpus], root=tmp_path, progress=False)
    assert (again.added, again.removed, again.chunks_embedded) == (0, 0, 0)
    store.close()


# -- outlet knowledge is data, not code ---------------------------------------------------------------
def test_outlet_data_loads() -> None:
    names = [s.name for s in sitedata.outlet_signatures()]
    assert len(names) == len(set(names)) >= 5 and all(s.patterns for s in sitedata.outlet_signatures())
    assert sitedata.agencies() and sitedata.photo_credits()
    furniture = sitedata.furniture()
    assert furniture.labels and furniture.chrome and furniture.footer
    assert {"the", "and", "of"} <= sitedata.stopwords()


def _code() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in INDEX_CODE}


def test_index_code_names_no_outlet() -> None:
    """Outlet and agency names live in index/data/outlets.yaml, never in index/ code."""
    hits = []
    for name in sitedata.outlet_names():
        flags = 0 if len(name) < 4 else re.IGNORECASE  # short names only as written ("AP", "RT")
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])", flags)
        hits += [f"{path}: {name}" for path, text in _code().items() if pattern.search(text)]
    assert hits == []


def test_index_code_quotes_no_seed() -> None:
    """No four-word run of a seed page and no name the seeds are about appears in index/ code."""
    token = re.compile(r"[a-z0-9]+")

    def runs(text: str) -> set[str]:
        words = token.findall(text.casefold())
        return {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}

    seeds = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    seed_runs = set().union(*map(runs, seeds))
    code = _code()
    assert {
        path: sorted(runs(text) & seed_runs) for path, text in code.items() if runs(text) & seed_runs
    } == {}

    # names the seeds are about: capitalised in two seeds or more, never written in lower case
    capitalised: Counter[str] = Counter()
    lower: set[str] = set()
    for text in seeds:
        words = re.findall(r"(?<![\w.])[A-Za-z][a-z]{3,}\b(?!\.\w)", text)  # not in a host name
        capitalised.update({w for w in words if w[0].isupper()})
        lower |= {w for w in words if w[0].islower()}
    everywhere = "\n".join(code.values())
    calendar = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)")
    names = {
        w
        for w, seen in capitalised.items()
        if seen >= 2 and w.lower() not in lower and not calendar.match(w.lower())
        and not re.search(rf"\b{w.lower()}\b", everywhere)  # an ordinary word the code uses ("photo")
    }  # fmt: skip
    assert {"Kremlin", "Peskov", "Syria"} <= names
    assert sorted(n for n in names if re.search(rf"\b{n}\b", everywhere)) == []


@pytest.mark.parametrize("name", ["outlets.yaml", "chrome.yaml", "stopwords_en.txt"])
def test_data_files_ship_with_the_package(name: str) -> None:
    assert (ROOT / "index" / "data" / name).is_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"index\.data"\s*=\s*\[[^\]]*"\*\.yaml"[^\]]*"\*\.txt"', pyproject)


def test_a_sites_lines_are_remembered_while_its_pages_are_unchanged(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from index import repetition

    pages = _site({0: CHROME, 1: CHROME, 2: CHROME, 3: CHROME})
    memo = repetition.SiteLinesMemo(tmp_path / "site_lines.json")
    first = repeated_lines(pages, memo)
    memo.save()
    assert first == {"daily planet": {normalise_paragraph(CHROME)}}

    def compared(pages: list[Article]) -> set[str]:
        raise AssertionError("an unchanged site's pages were compared again")

    with monkeypatch.context() as patched:
        patched.setattr(repetition, "_site_lines", compared)
        again = repetition.SiteLinesMemo(tmp_path / "site_lines.json")
        assert repeated_lines(list(reversed(pages)), again) == first

    fewer = pages[1:]  # a page gone: the site is compared again, and its line is still found
    changed = repetition.SiteLinesMemo(tmp_path / "site_lines.json")
    assert repeated_lines(fewer, changed) == repeated_lines(fewer)


def test_an_unreadable_memo_is_recomputed_not_trusted(tmp_path: Path) -> None:
    from index import repetition

    pages = _site({0: CHROME, 1: CHROME, 2: CHROME, 3: CHROME})
    (tmp_path / "site_lines.json").write_text("{not json", encoding="utf-8")
    memo = repetition.SiteLinesMemo(tmp_path / "site_lines.json")
    assert repeated_lines(pages, memo) == repeated_lines(pages)
    memo.save()
    assert "daily planet" in json.loads((tmp_path / "site_lines.json").read_text(encoding="utf-8"))["sites"]
