"""Read saved HTML news pages: trafilatura for the body, htmldate for the date, own fallbacks."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

from index.cleaning import article_from_body
from index.cuts import aligned_cuts, merge_cuts, original_page_text
from index.jsonl_loader import parse_day
from index.models import Article, pack_text

_BLOCKS = {"p", "h2", "h3", "h4", "li", "blockquote"}
_DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
)
_OUTLET_METAS = ("og:site_name", "publisher", "article:publisher", "application-name")


def _name(value: str | None) -> str | None:
    """Return a display name, or None for empty values and URLs (article:publisher often is one)."""
    if not value or value.strip().lower().startswith(("http://", "https://", "www.")):
        return None
    return " ".join(value.split())


_SKIPPED = {"script", "style", "nav", "footer", "aside", "figcaption", "noscript"}
_UNSEEN = {"script", "style", "template", "title"}  # text a reader of the page never sees
# Elements that start a new line of the page's visible text.
_LINE_BREAKS = _BLOCKS | {
    "address", "article", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h5", "h6", "header", "hr", "main", "nav", "ol", "pre", "section", "table",
    "td", "th", "tr", "ul", "aside", "form", "button", "option", "summary", "details",
}  # fmt: skip


class _PageParser(HTMLParser):
    """Collects meta tags, the <title>, the first <h1>, JSON-LD blocks and paragraph text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.canonical: str | None = None
        self.time: str | None = None
        self.json_ld: list[Any] = []
        self.paragraphs: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self._skipping: list[str] = []
        self._ld: list[str] | None = None
        self.visible: list[str] = []  # the page's visible text, line by line, in page order
        self._line: list[str] = []
        self._unseen: list[str] = []

    def visible_text(self) -> str:
        """The text a reader sees on the page (hidden elements already dropped), one block a line."""
        self._break_line()
        return "\n".join(self.visible)

    def _break_line(self) -> None:
        line = " ".join("".join(self._line).split())
        if line:
            self.visible.append(line)
        self._line = []

    def _track_visible_start(self, tag: str) -> None:
        if tag in _UNSEEN:
            self._unseen.append(tag)
        elif tag in _LINE_BREAKS:
            self._break_line()
            if tag == "li":
                self._line.append("- ")  # as text extractors render list items

    def _track_visible_end(self, tag: str) -> None:
        if self._unseen and self._unseen[-1] == tag:
            self._unseen.pop()
        elif tag in _LINE_BREAKS:
            self._break_line()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        self._track_visible_start(tag)
        if tag == "meta":
            key = values.get("property") or values.get("name") or values.get("itemprop") or ""
            if key and values.get("content"):
                self.meta.setdefault(key.lower(), values["content"].strip())
        elif tag == "link" and "canonical" in values.get("rel", "").lower():
            self.canonical = self.canonical or values.get("href") or None
        elif tag == "time" and values.get("datetime"):
            self.time = self.time or values["datetime"]
        if tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._ld = []
        elif tag in _SKIPPED:
            self._skipping.append(tag)
        elif tag in _BLOCKS or tag in ("title", "h1"):
            if self._open and self._open[-1][0] == "p":
                self._close_block()
            self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        self._track_visible_end(tag)
        if tag == "script" and self._ld is not None:
            with contextlib.suppress(ValueError):
                self.json_ld.append(json.loads("".join(self._ld)))
            self._ld = None
        elif self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()
        elif self._open and self._open[-1][0] == tag:
            self._close_block()

    def handle_data(self, data: str) -> None:
        if not self._unseen and self._ld is None:
            self._line.append(data)
        if self._ld is not None:
            self._ld.append(data)
        elif self._open and (not self._skipping or self._open[-1][0] in ("title", "h1")):
            self._open[-1][1].append(data)

    def _close_block(self) -> None:
        tag, parts = self._open.pop()
        text = " ".join("".join(parts).split())
        if tag == "title":
            self.title = self.title or text
        elif tag == "h1":
            self.h1 = self.h1 or text
        elif text:
            self.paragraphs.append(text)


def _json_ld_items(blocks: list[Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for block in blocks:
        queue = block if isinstance(block, list) else [block]
        for item in queue:
            if isinstance(item, dict):
                items.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    items.extend(g for g in graph if isinstance(g, dict))
    return items


def _ld_value(items: list[dict[str, Any]], key: str) -> str | None:
    for item in items:
        value = item.get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _trafilatura_fields(html: str, url: str | None) -> dict[str, Any]:
    """Return body text and metadata as trafilatura sees them ({} when it finds nothing)."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        document = trafilatura.bare_extraction(
            html, url=url, include_comments=False, with_metadata=True, include_tables=False
        )
    except Exception:  # odd markup can trip trafilatura; the own parser is the fallback
        return {}
    if document is None:
        return {}
    if isinstance(document, dict):
        return document
    return {k: getattr(document, k, None) for k in ("text", "title", "sitename", "author", "url")}


def _htmldate(html: str) -> date | None:
    """Return the publication date htmldate finds in the page markup, or None."""
    try:
        from htmldate import find_date

        found = find_date(html, original_date=True, extensive_search=False)
    except Exception:  # htmldate raises assorted errors on odd markup
        return None
    return parse_day(found)


_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](px|pt|em|rem)?\s*(;|$)|"
    r"opacity\s*:\s*0(\.0*)?\s*(;|$)|color\s*:\s*(#fff(fff)?|white)\b",
    re.I,
)


def drop_hidden(html: str) -> str:
    """Remove elements a reader never sees (hidden by style or attribute): no hidden text is kept."""
    try:
        from lxml import etree
        from lxml import html as lxml_html

        tree = lxml_html.fromstring(html)
    except (ImportError, ValueError, etree.ParserError):
        return html
    hidden = tree.xpath(
        "//*[@hidden or @aria-hidden='true' or contains(translate(@class, 'HIDEN', 'hiden'), 'hidden')]"
    )
    hidden += [el for el in tree.xpath("//*[@style]") if _HIDDEN_STYLE.search(el.get("style", ""))]
    if not hidden:
        return html
    for element in hidden:
        if element.getparent() is not None:
            element.drop_tree()
    return lxml_html.tostring(tree, encoding="unicode")


def load_html(html: str, source: str, url: str | None = None) -> Article:
    """Extract the article of an HTML page into an Article (NotAnArticleError when none)."""
    html = drop_hidden(html)
    page = _PageParser()
    page.feed(html)
    page.close()
    items = _json_ld_items(page.json_ld)
    meta = page.meta
    url = url or page.canonical or meta.get("og:url")
    fields = _trafilatura_fields(html, url)
    outlet = _name(fields.get("sitename"))
    outlet = outlet or next((_name(meta[k]) for k in _OUTLET_METAS if _name(meta.get(k))), None)
    outlet = outlet or _name(_ld_value([i.get("publisher") or {} for i in items], "name"))
    title = _name(fields.get("title") or meta.get("og:title") or page.h1 or page.title)
    if title and outlet:
        title = re.sub(rf"\s+[|–—-]\s+{re.escape(outlet)}$", "", title) or title
    published = _htmldate(html)
    for candidate in [meta.get(k) for k in _DATE_METAS] + [_ld_value(items, "datePublished")]:
        published = published or parse_day(candidate)
    published = published or parse_day(page.time)
    byline = fields.get("author") or meta.get("author") or _ld_value(items, "author")
    body = fields.get("text") or "\n".join(page.paragraphs)
    visible = page.visible_text()
    article = article_from_body(
        body or "",
        source,
        outlet=outlet,
        title=title,
        published=published,
        byline=byline,
        url=fields.get("url") or url,
        empty_message=f"{source}: no article text found in the HTML page; check that it is a news article",
        original=visible,
    )
    # The extractor drops page text too (figure captions, asides): find where, on the page.
    found = aligned_cuts(article.text, visible)
    if found is None:  # the page's own text does not hold the body: keep the body as found
        article.original_zlib = pack_text(original_page_text(body))
    else:
        article.cuts = merge_cuts(article.cuts, found)
    return article
