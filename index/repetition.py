"""Boilerplate found by repetition: short lines that recur on unrelated pages of one site.

A site's template (newsletter prompts, promo links, author boxes, "this story has been updated"
notes) repeats word for word on page after page, whatever the story. Reporting repeats too, but
on pages of the same story (updates, follow-ups, a series sharing a background paragraph) or as
long wire copy. So a paragraph is boilerplate of a site when its normalised text stands on at
least MIN_PAGES pages of that site that are about different things (their other words overlap
little), and it is short and not a heading. The rule needs several pages of one site loaded
together; a single page is left to the line rules of index.boilerplate.

The numbers, and why:
- MIN_PAGES = 3: two pages sharing a line are often a story and its update; a third, unrelated
  page sharing it is a template.
- MIN_SITE_PAGES = 5: below that, the pages loaded are a hand-picked few (often one topic), and
  "repeated on most of them" says more about the selection than about the site.
- MAX_CHARS = 300 and MAX_SHARE = 0.5: a long repeated paragraph is wire copy or shared
  background, not furniture; a paragraph that is half of its article is the article.
- MIN_WORDS = 5, and never a paragraph that is one lone question: shorter repeated lines and
  question subheadings are headings, list items, datelines and short replies in transcripts
  ("Alabama", "Today's quote", "Thanks for having me.", "What is a blood moon?"), content that
  recurs by format; the little furniture among them (bare credits) is harmless to keep.
- SAME_STORY = 0.15: two pages are about the same thing when the cosine of their content words
  (each word weighted by its inverse page frequency on the site) reaches 0.15. Measured on two
  real news corpora (../shared/corpora): pages that share a background paragraph or a quote (one
  recall, one storm season, one merger) score 0.15 to 0.9 on each other; pages that share only a
  template line mostly score under 0.1. Repeated lines are left out of the comparison.

Deterministic for a given set of articles: pages are taken in content-hash order, never in the
order they were loaded, so an incremental build of the same files removes the same lines.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Sequence
from pathlib import Path
from urllib.parse import urlparse

from index.cuts import PARAGRAPH_SEPARATOR, cut_offsets
from index.loaders import duplicate_problem
from index.models import Article, LoadReport
from index.sitedata import agencies, stopwords

MIN_PAGES = 3
MIN_SITE_PAGES = 5
MAX_CHARS = 300
MIN_WORDS = 5
MAX_SHARE = 0.5
SAME_STORY = 0.15

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_TOKEN = re.compile(r"\S*[^\W_]\S*")  # a word as index.boilerplate.word_count counts them
_WORD = re.compile(r"[^\W_][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?…]")
_CLOSERS = "\"'”’»)] "
_CREDIT_SUFFIX = re.compile(r"\s*\(([^()]*)\)$")


def site_of(article: Article) -> str | None:
    """The site an article comes from: its outlet (without a wire credit), else its URL's host."""
    if article.outlet:
        name = " ".join(article.outlet.split()).casefold()
        credit = _CREDIT_SUFFIX.search(name)
        if credit and credit.group(1) in agencies() and credit.start():
            name = name[: credit.start()]
        return name
    if article.url:
        host = (urlparse(article.url).hostname or "").casefold().removeprefix("www.")
        return host or None
    return None


def normalise_paragraph(paragraph: str) -> str:
    """A paragraph as compared across pages: spaces collapsed, case folded, quotes and dashes plain."""
    folded = " ".join(paragraph.split()).casefold()
    return folded if folded.isascii() else folded.translate(_QUOTES)


def _removable(paragraph: str, text_length: int) -> bool:
    """True when a paragraph is short enough to be furniture rather than reporting."""
    length = len(paragraph)
    if length > MAX_CHARS or length >= MAX_SHARE * text_length:
        return False
    return len(_TOKEN.findall(paragraph)) >= MIN_WORDS and not _lone_question(paragraph)


def _lone_question(paragraph: str) -> bool:
    """True for a paragraph that is one question: a subheading ("What is a blood moon?")."""
    stripped = paragraph.rstrip(_CLOSERS)
    return stripped.endswith("?") and not _SENTENCE_END.search(stripped[:-1])


def _content_words(paragraphs: Iterable[str]) -> set[str]:
    """The words of a text that say what it is about (no stop words, numbers or short words)."""
    stop = stopwords()
    words = {w.strip("'’") for w in _WORD.findall("\n".join(paragraphs).casefold())}
    return {w for w in words if len(w) > 2 and not w.isdigit() and w not in stop}


class _Topics:
    """What a site's pages are about: content words weighted by how rare they are on the site."""

    def __init__(self, pages: list[list[str]], skip: Container[str]) -> None:
        self._pages = pages
        self._skip = skip
        frequency: Counter[str] = Counter()
        for index in range(len(pages)):
            frequency.update(self._words(index))
        self._weight = {w: math.log(len(pages) / n) ** 2 for w, n in frequency.items()}
        self._cache: dict[int, tuple[set[str], float]] = {}

    def _words(self, index: int) -> set[str]:
        """A page's content words, leaving out its repeated lines (they say nothing of its topic)."""
        paragraphs = self._pages[index]
        return _content_words(
            p for p in paragraphs if len(p) > MAX_CHARS or normalise_paragraph(p) not in self._skip
        )

    def _vector(self, index: int) -> tuple[set[str], float]:
        if index not in self._cache:
            words = self._words(index)
            self._cache[index] = words, math.sqrt(sum(self._weight[w] for w in words))
        return self._cache[index]

    def same_story(self, a: int, b: int) -> bool:
        """True when two pages are about the same thing (cosine of their weighted words)."""
        (words_a, norm_a), (words_b, norm_b) = self._vector(a), self._vector(b)
        if not norm_a or not norm_b:
            return False
        shared = sum(self._weight[w] for w in words_a & words_b)
        return shared >= SAME_STORY * norm_a * norm_b


def _site_lines(pages: list[Article]) -> set[str]:
    """The boilerplate lines of one site's pages (see the module docstring)."""
    pages = sorted(pages, key=lambda a: (a.id, a.source))
    split = [page.text.split(PARAGRAPH_SEPARATOR) for page in pages]
    carried: dict[str, list[int]] = defaultdict(list)
    for index, (page, paragraphs) in enumerate(zip(pages, split, strict=True)):
        for line in {normalise_paragraph(p) for p in paragraphs if _removable(p, len(page.text))}:
            carried[line].append(index)
    candidates = {line: found for line, found in carried.items() if len(found) >= MIN_PAGES}
    if not candidates:
        return set()
    topics = _Topics(split, candidates)
    lines: set[str] = set()
    for line, found in candidates.items():
        unrelated: list[int] = []
        for index in found:
            if not any(topics.same_story(index, other) for other in unrelated):
                unrelated.append(index)
                if len(unrelated) >= MIN_PAGES:
                    lines.add(line)
                    break
    return lines


class SiteLinesMemo:
    """Each site's repeated lines from the last build, kept in a JSON file beside the index.

    The lines of a site depend only on its pages, so they are reused while the site's set of page
    ids (content hashes) is the same: re-indexing an unchanged corpus does not compare its pages
    again. A missing, unreadable or older file is simply recomputed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sites: dict[str, dict[str, object]] = {}
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("rule") == _RULE:
                self._sites = saved["sites"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._sites = {}
        self._used: dict[str, dict[str, object]] = {}

    def lines(self, site: str, pages: list[Article]) -> set[str]:
        """The site's repeated lines: remembered when its pages are unchanged, else found again."""
        key = _fingerprint(pages)
        entry = self._sites.get(site)
        if entry is not None and entry.get("pages") == key and isinstance(entry.get("lines"), list):
            lines = {str(line) for line in entry["lines"]}  # type: ignore[union-attr]
        else:
            lines = _site_lines(pages)
        self._used[site] = {"pages": key, "lines": sorted(lines)}
        return lines

    def save(self) -> None:
        """Write the sites seen in this build (atomically: a crash leaves the old file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"rule": _RULE, "sites": self._used}), encoding="utf-8")
        os.replace(temporary, self.path)


# Saved lines are reused only under the same rule: its numbers, and a version for its logic.
_RULE = f"2:{MIN_PAGES}:{MIN_SITE_PAGES}:{MAX_CHARS}:{MIN_WORDS}:{MAX_SHARE}:{SAME_STORY}"


def _fingerprint(pages: list[Article]) -> str:
    """A digest of a site's page ids (content hashes), whatever order they were loaded in."""
    digest = hashlib.blake2b(digest_size=16)
    for article_id in sorted(page.id for page in pages):
        digest.update(article_id.encode())
    return digest.hexdigest()


def repeated_lines(articles: Sequence[Article], memo: SiteLinesMemo | None = None) -> dict[str, set[str]]:
    """Map each site to the normalised lines that repeat on MIN_PAGES unrelated pages of it."""
    by_site: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        site = site_of(article)
        if site is not None:
            by_site[site].append(article)
    find = memo.lines if memo is not None else (lambda _site, pages: _site_lines(pages))
    found = {site: find(site, pages) for site, pages in by_site.items() if len(pages) >= MIN_SITE_PAGES}
    return {site: lines for site, lines in found.items() if lines}


def strip_repeated(article: Article, lines: set[str]) -> Article:
    """Remove the paragraphs found in lines, recording cuts where they stood and a new id."""
    paragraphs = article.text.split(PARAGRAPH_SEPARATOR)
    drop = [
        bool(lines) and normalise_paragraph(p) in lines and _removable(p, len(article.text))
        for p in paragraphs
    ]
    if not any(drop) or all(drop):
        return article
    starts = _starts(paragraphs)
    after, inside = _place_cuts(paragraphs, starts, article.cuts)
    kept: list[str] = []
    cut_before: set[int] = set()
    moved: list[int] = []  # cuts inside a kept paragraph, at their new offsets
    position = 0
    pending = False  # removed text or a cut stands between the last kept paragraph and the next
    for index, paragraph in enumerate(paragraphs):
        if drop[index]:
            pending = True
        else:
            if pending and kept:
                cut_before.add(len(kept))
            moved += [position + offset for offset in inside.get(index, ())]
            kept.append(paragraph)
            position += len(paragraph) + len(PARAGRAPH_SEPARATOR)
            pending = False
        pending = pending or index in after
    text = PARAGRAPH_SEPARATOR.join(kept)
    cuts = sorted(set(cut_offsets(kept, cut_before)) | set(moved))
    return article.model_copy(update={"id": Article.make_id(text), "text": text, "cuts": cuts})


def _starts(paragraphs: list[str]) -> list[int]:
    """The offset where each paragraph starts in the text they join into."""
    starts: list[int] = []
    position = 0
    for paragraph in paragraphs:
        starts.append(position)
        position += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    return starts


def _place_cuts(
    paragraphs: list[str], starts: list[int], cuts: Sequence[int]
) -> tuple[set[int], dict[int, list[int]]]:
    """Sort cuts into the paragraphs they follow and, for any inside a paragraph, its offset there."""
    after: set[int] = set()
    inside: dict[int, list[int]] = defaultdict(list)
    for cut in cuts:
        index = bisect_left(starts, cut) - 1  # the last paragraph starting before the cut
        if index < 0:
            continue
        offset = cut - starts[index]
        if offset < len(paragraphs[index]):
            inside[index].append(offset)
        else:
            after.add(index)
    return after, inside


def strip_site_repetition(report: LoadReport, memo: SiteLinesMemo | None = None) -> LoadReport:
    """Remove every site's repeated lines from the loaded articles (see the module docstring),
    reusing the lines a memo holds for sites whose pages did not change.

    An article that would become identical to another is kept as loaded: its repeated lines are
    what tells the two apart, and a build must not lose an article to a rule about templates.
    """
    found = repeated_lines(report.articles, memo)
    if not found:
        return report
    loaded = report.articles
    stripped = [strip_repeated(a, found.get(site_of(a) or "", set())) for a in loaded]
    while True:  # undo stripping wherever it makes two articles one, whatever their order
        owners = Counter(article.id for article in stripped)
        clashes = [
            i for i, article in enumerate(stripped) if owners[article.id] > 1 and article is not loaded[i]
        ]
        if not clashes:
            break
        for index in clashes:
            stripped[index] = loaded[index]
    articles: list[Article] = []
    duplicates = list(report.duplicates)
    first: dict[str, str] = {}
    for article in stripped:
        if article.id in first:  # only when the report already held two articles with one id
            duplicates.append(duplicate_problem(article, first[article.id]))
            continue
        first[article.id] = article.source
        articles.append(article)
    return report.model_copy(update={"articles": articles, "duplicates": duplicates})
