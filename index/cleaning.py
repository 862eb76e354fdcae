"""Turn a scraped news page (plain text) into an Article: body only, metadata from the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from index.boilerplate import (
    AGENCIES,
    detect_outlet,
    ends_sentence,
    is_caption,
    is_chrome,
    is_footer_marker,
    is_gallery_caption,
    is_headline_like,
    mostly_foreign_script,
    normalise_line,
    unwrap_lines,
    word_count,
)
from index.cuts import PARAGRAPH_SEPARATOR, cut_offsets, original_page_text
from index.dates import find_date, has_time, is_date_line
from index.models import Article, pack_text

_BULLET = re.compile(r"^[•·▪◦|]\s*")
_LABEL = re.compile(
    r"^(?P<label>first published|published|last updated|updated|created|posted|modified|date)"
    r"\b\s*(?:on|at)?\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^By\s+(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|al|bin))*"
    r"(?:\s*,\s*[A-Z][\w .'’-]*)?)$"
)
_URL = re.compile(r"^https?://\S+$")
_BODY_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’-]+(?:[ -][A-Z][A-Z.'’-]+){0,3})"
    r"(?:\s*\((?P<credit>[A-Za-z][\w .-]{1,30})\))?"
    r"(?:\s*[—–-]\s|,\s+[A-Z][a-z]{2,}\.?\s+\d{1,2}\b|,\s+[A-Z][\w.]*(?: [A-Z][\w.]*)?\s*[—–-]\s)"
)
_TIMEZONES = {"UTC", "GMT", "IST", "EST", "EDT", "CST", "CDT", "PST", "PDT", "CET", "CEST", "MSK"}
_TIMEZONES |= {"BST", "ET", "PT", "AM", "PM", "GMT+3", "UTC+3"}
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or that the their this to"
    " was were will with after over says said say not no new"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[^\W_][\w'’-]*")
_MAX_HEADER_LINES = 25
_STANDFIRST_PARAGRAPHS = 2  # metadata lines may follow a standfirst, so look this far in
_UPDATE_LABELS = ("updated", "last updated", "modified")


class NotAnArticleError(ValueError):
    """Raised when a scraped page has no article text left after the page chrome is removed."""


# A byline ("By Jane Roe and John Doe, Staff Reporters") is a short credit, not a sentence that
# happens to begin with "By".
MAX_BYLINE_WORDS = 8
# A bulleted header item this short and without digits is a section tag ("World", "Middle East").
MAX_TAG_WORDS = 4
# Header metadata (a date, a timestamp, a label) is one short line; longer lines are prose that
# mentions a date.
MAX_META_CHARS = 200
MAX_META_WORDS = 12
# The headline search stops at a line this long: the body has begun.
MAX_HEADER_LINE_WORDS = 40
# Some outlets' headlines run long; 25 words covers them without taking in a paragraph.
MAX_TITLE_WORDS = 25
# Of title-like lines not repeated on the page, the first with this many words is the headline;
# shorter ones are section labels.
MIN_PLAIN_TITLE_WORDS = 4
# The page's opening characters are enough to tell a Latin-script page from one in another script.
SCRIPT_SAMPLE_CHARS = 20_000


@dataclass
class _Meta:
    """Metadata gathered from the page header: dates, dateline, credit, byline, URL."""

    dayfirst: bool = True
    published: date | None = None
    rank: int = 99
    dateline: str | None = None
    byline: str | None = None
    url: str | None = None
    bullets: list[str] = field(default_factory=list)

    def absorb(self, line: str) -> None:
        """Take whatever metadata a header line states."""
        bulleted = _BULLET.match(line) is not None
        item = _BULLET.sub("", line).strip()
        if not item or item == "|":
            return
        if _URL.match(item) and self.url is None:
            self.url = item
            return
        if (byline := _BYLINE.match(item)) and word_count(item) <= MAX_BYLINE_WORDS:
            self.byline = self.byline or byline["name"].strip()
            return
        labelled = _LABEL.match(item)
        found = None
        if labelled or is_date_line(item):
            found = find_date(labelled["rest"] if labelled else item, self.dayfirst)
        if found:
            rank = 1
            if labelled:
                rank = 2 if labelled["label"].lower() in _UPDATE_LABELS else 0
            if rank < self.rank:
                self.published, self.rank = found, rank
        elif bulleted and word_count(item) <= MAX_TAG_WORDS and not any(ch.isdigit() for ch in item):
            self.bullets.append(item)
        if has_time(item) and self.dateline is None:
            self.dateline = _trailing_place(item)


def _trailing_place(line: str) -> str | None:
    """Return the upper-case place name that ends a timestamp line ("... UTC+3 METROPOLIS")."""
    words: list[str] = []
    for token in reversed(line.split()):
        bare = token.replace(".", "").replace("-", "").replace("'", "")
        if not (bare.isalpha() and bare.isupper()) or token in _TIMEZONES:
            break
        words.insert(0, token)
    place = " ".join(words)
    return place if len(place) >= 3 else None


def _is_meta_line(line: str) -> bool:
    """Return True for header lines that carry metadata: bullets, bylines, timestamps."""
    if len(line) > MAX_META_CHARS:
        return False
    if _BULLET.match(line) or _URL.match(line):
        return True
    if _BYLINE.match(line) and word_count(line) <= MAX_BYLINE_WORDS:
        return True
    if word_count(line) > MAX_META_WORDS:
        return False
    label = _LABEL.match(line)
    if label and (has_time(label["rest"]) or find_date(label["rest"])):
        return True
    return is_date_line(line) and (has_time(line) or not ends_sentence(line))


def _kind(line: str, title: str | None, outlet: str | None, latin_page: bool, galleries: bool = False) -> str:
    """Classify one normalised line of a page (with galleries, photo-gallery captions are text)."""
    if not line:
        return "blank"
    if is_footer_marker(line):
        return "footer"
    if is_caption(line, outlet) and not (galleries and is_gallery_caption(line)):
        return "caption"
    if is_chrome(line) or (latin_page and mostly_foreign_script(line)):
        return "chrome"
    if title and line.casefold() == title.casefold():
        return "title"
    if _is_meta_line(line):
        return "meta"
    if is_headline_like(line):
        return "headline"
    return "body"


def _find_title(lines: list[str], outlet: str | None) -> int | None:
    """Return the index of the headline: a repeated title-like line, else the first one."""
    candidates: list[int] = []
    seen = 0
    for index, line in enumerate(lines):
        if not line:
            continue
        seen += 1
        if seen > _MAX_HEADER_LINES or word_count(line) > MAX_HEADER_LINE_WORDS:
            break
        if outlet and line.casefold() == outlet.casefold():
            continue
        kind = _kind(line, None, outlet, True)
        titled = is_headline_like(line.rstrip("?!"), max_words=MAX_TITLE_WORDS) and word_count(line) >= 2
        if titled and kind in ("headline", "body"):
            candidates.append(index)
    folded = [lines[i].casefold() for i in candidates]
    for index in candidates:
        if folded.count(lines[index].casefold()) > 1:
            return index
    for index in candidates:
        if word_count(lines[index]) >= MIN_PLAIN_TITLE_WORDS:
            return index
    return candidates[0] if candidates else None


def _content_words(text: str) -> set[str]:
    words = (w.casefold().strip("'’") for w in _WORD.findall(text))
    return {w for w in words if len(w) > 2 and w not in _STOPWORDS}


def _next_body(kinds: list[str]) -> list[int]:
    """For each line, the index of the next body line before any footer marker, else -1."""
    result = [-1] * len(kinds)
    upcoming = -1
    for index in range(len(kinds) - 1, -1, -1):
        result[index] = upcoming
        if kinds[index] == "body":
            upcoming = index
        elif kinds[index] == "footer":
            upcoming = -1
    return result


def _introduces(headline: str, following: str) -> bool:
    """Return True when a short line is a subheading of the paragraph that follows it."""
    words = _content_words(headline)
    return bool(words) and len(words & _content_words(following)) >= len(words) / 2


def _latin_page(raw: str) -> bool:
    return not mostly_foreign_script(raw[:SCRIPT_SAMPLE_CHARS])


def clean_scraped_text(raw: str, source: str, url: str | None = None) -> Article:
    """Clean a scraped plain-text news page into an Article (raises NotAnArticleError if empty)."""
    lines = unwrap_lines([normalise_line(line) for line in raw.splitlines()])
    signature = detect_outlet(raw)
    outlet = signature.name if signature else None
    meta = _Meta(dayfirst=signature.dayfirst if signature else True, url=url)
    latin = _latin_page(raw)
    title_index = _find_title(lines, outlet)
    title = lines[title_index] if title_index is not None else None
    start = title_index + 1 if title_index is not None else 0
    for line in lines[: title_index or 0]:
        if line and not is_caption(line, outlet):
            meta.absorb(line)
    kinds = [_kind(line, title, outlet, latin) for line in lines[start:]]
    body = lines[start:]
    header_meta = replace(meta, bullets=list(meta.bullets))
    paragraphs, captions, cut_before = _collect_body(body, kinds, meta)
    if not any(word_count(p) for p in paragraphs) and any(map(is_gallery_caption, captions)):
        meta = header_meta  # a photo gallery and nothing else: its captions are its text
        kinds = [_kind(line, title, outlet, latin, galleries=True) for line in body]
        paragraphs, captions, cut_before = _collect_body(body, kinds, meta)
    if not any(word_count(p) for p in paragraphs):
        raise NotAnArticleError(
            f"{source}: no article text left after removing page chrome (menus, captions, "
            "related links); check that the file is a news article page"
        )
    article = _build(paragraphs, captions, title, outlet, meta, source)
    article.cuts = cut_offsets(paragraphs, cut_before)
    article.original_zlib = pack_text(original_page_text(raw))
    return article


def _collect_body(body: list[str], kinds: list[str], meta: _Meta) -> tuple[list[str], list[str], set[int]]:
    """Sort the lines after the headline into paragraphs, captions and metadata (absorbed into
    meta); also return the indices of the paragraphs that removed lines preceded on the page."""
    paragraphs: list[str] = []
    captions: list[str] = []
    cut_before: set[int] = set()
    removed = started = False
    following = _next_body(kinds)
    for index, (line, kind) in enumerate(zip(body, kinds, strict=True)):
        if kind == "footer" and started:
            break
        kept = False
        if kind == "caption":
            captions.append(line)
        elif kind in ("meta", "chrome", "footer", "title") or (kind == "headline" and not started):
            if not started or (kind == "meta" and len(paragraphs) < _STANDFIRST_PARAGRAPHS):
                meta.absorb(line)
        elif kind == "headline":
            if following[index] >= 0 and _introduces(line, body[following[index]]):
                paragraphs.append(line)
                kept = True
        elif kind == "body":
            paragraphs.append(line)
            started = kept = True
        if kept and removed:
            cut_before.add(len(paragraphs) - 1)
        removed = (removed or bool(line)) and not kept
    return paragraphs, captions, cut_before


def _build(
    paragraphs: list[str],
    captions: list[str],
    title: str | None,
    outlet: str | None,
    meta: _Meta,
    source: str,
) -> Article:
    """Assemble the Article, settling outlet, credit and dateline."""
    agency: str | None = None
    if meta.bullets:
        first = meta.bullets[0]
        if first.casefold() in AGENCIES:
            agency = AGENCIES[first.casefold()]
        else:
            meta.byline = meta.byline or first
        if len(meta.bullets) > 1 and meta.dateline is None:
            meta.dateline = meta.bullets[1]
    place, credit = body_dateline(paragraphs)
    meta.dateline = meta.dateline or place
    if credit and credit.casefold() in AGENCIES:
        agency = agency or AGENCIES[credit.casefold()]
    elif credit and (outlet is None or credit.casefold() not in outlet.casefold()):
        outlet = credit  # the page's own dateline credit beats a fingerprint found elsewhere
    if agency and outlet and agency.casefold() not in outlet.casefold():
        outlet = f"{outlet} ({agency})"
    outlet = outlet or agency
    text = PARAGRAPH_SEPARATOR.join(paragraphs)
    return Article(
        id=Article.make_id(text),
        source=source,
        outlet=outlet,
        title=title,
        published=meta.published,
        dateline=meta.dateline,
        byline=meta.byline,
        url=meta.url,
        text=text,
        captions=captions,
    )


def body_dateline(paragraphs: list[str]) -> tuple[str | None, str | None]:
    """Return the dateline place and bracketed credit opening the body ("METROPOLIS (Daily Planet) —")."""
    for paragraph in paragraphs[:3]:
        match = _BODY_DATELINE.match(paragraph)
        if match and sum(ch.isalpha() for ch in match["place"]) >= 3:
            credit = (match["credit"] or "").strip() or None
            return match["place"], credit
    return None, None


def article_from_body(
    body: str,
    source: str,
    *,
    outlet: str | None,
    title: str | None,
    published: date | None,
    byline: str | None,
    url: str | None,
    empty_message: str,
    original: str | None = None,
) -> Article:
    """Clean a body taken from structured data (JSON, HTML extraction) into an Article.

    The page text before cleaning is kept with it: `original` when given, else the body itself.
    Raises NotAnArticleError(empty_message) when no article text is left.
    """
    text, captions, cuts = light_clean_with_cuts(body, outlet, title)
    if not text:
        raise NotAnArticleError(empty_message)
    return Article(
        id=Article.make_id(text),
        source=source,
        outlet=outlet,
        title=title,
        published=published,
        dateline=body_dateline(text.split(PARAGRAPH_SEPARATOR))[0],
        byline=byline,
        url=url,
        text=text,
        captions=captions,
        cuts=cuts,
        original_zlib=pack_text(original_page_text(body if original is None else original)),
    )


def light_clean(text: str, outlet: str | None = None, title: str | None = None) -> tuple[str, list[str]]:
    """Normalise whitespace, drop chrome lines and title repeats, set captions apart."""
    cleaned, captions, _ = light_clean_with_cuts(text, outlet, title)
    return cleaned, captions


def light_clean_with_cuts(
    text: str, outlet: str | None = None, title: str | None = None
) -> tuple[str, list[str], list[int]]:
    """Like light_clean, and also return the cuts: where removed lines stood (see index.cuts)."""
    lines = unwrap_lines([normalise_line(line) for line in text.splitlines()])
    paragraphs, captions, cut_before = _light_pieces(lines, outlet, title, galleries=False)
    if not paragraphs and any(map(is_gallery_caption, captions)):
        # a photo gallery and nothing else: its captions are its text
        paragraphs, captions, cut_before = _light_pieces(lines, outlet, title, galleries=True)
    return PARAGRAPH_SEPARATOR.join(paragraphs), captions, cut_offsets(paragraphs, cut_before)


def _light_pieces(
    lines: list[str], outlet: str | None, title: str | None, galleries: bool
) -> tuple[list[str], list[str], set[int]]:
    """Paragraphs, captions and the indices of the paragraphs that removed lines preceded."""
    paragraphs: list[str] = []
    captions: list[str] = []
    cut_before: set[int] = set()
    removed = False
    repeat = " ".join(title.split()).casefold() if title else None
    for line in lines:
        if not line:
            continue
        if is_chrome(line) or line.casefold() == repeat:
            removed = True
        elif is_caption(line, outlet) and not (galleries and is_gallery_caption(line)):
            captions.append(line)
            removed = True
        else:
            if removed:
                cut_before.add(len(paragraphs))
            paragraphs.append(line)
            removed = False
    return paragraphs, captions, cut_before
