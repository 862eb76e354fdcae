"""Markdown exports show markup from articles, questions and models as text: a viewer fetches nothing."""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from assistant import Answer, Citation, Comparison, OutletCoverage, comparison_markdown
from assistant.news.disagreement import Disagreement
from ui.export import export_markdown
from ui.render import Turn

IMAGE = "![status](http://127.0.0.1:9/canary.png)"
TAG = '<img src="http://127.0.0.1:9/c.png">'
LINK = "[the report](http://127.0.0.1:9/click)"
MARKUP = f"Turkey set up 12 posts {IMAGE} and {TAG}, see {LINK} & *more*."


class _Live(HTMLParser):
    """Collects the elements through which a rendered page would fetch or link anything."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"img", "a", "script", "iframe", "svg", "object", "embed"} or any(
            name in {"src", "href", "srcset"} for name, _ in attrs
        ):
            self.found.append(tag)


def live(html: str) -> list[str]:
    """The live elements (img, a, script, anything with src/href) in rendered HTML."""
    parser = _Live()
    parser.feed(html)
    return parser.found


def rendered(markdown: str) -> str:
    """The HTML a Markdown viewer (CommonMark, raw HTML allowed, as most are) makes of a text."""
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def shown(html: str) -> str:
    """What the reader sees of rendered HTML: tags dropped, entities decoded."""
    import html as html_lib
    import re

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


def citation(number: int = 1, **changes: object) -> Citation:
    """A citation whose quote, headline and outlet carry markup."""
    fields: dict[str, object] = {"number": number, "outlet": f"Wire {TAG}", "title": f"Posts {IMAGE}",
                                 "published": date(2020, 3, 2), "quote": MARKUP, "source": "a.txt",
                                 "start": 0, "end": len(MARKUP), "speaker": f"Spokesman {LINK}"}  # fmt: skip
    fields.update(changes)
    return Citation.model_validate(fields)


@pytest.mark.parametrize("where", ["quote", "title", "outlet", "speaker"])
def test_chat_export_shows_markup_as_text(where: str) -> None:
    cite = citation()
    answer = Answer(text=f"{MARKUP} [1]", prose=f"{MARKUP} [1]", citations=[cite], generator="local",
                    question=f"Posts? {IMAGE}")  # fmt: skip
    turns = [Turn(question=f"How many posts? {TAG}", answer=answer), Turn(question=LINK, error=IMAGE)]
    html = rendered(export_markdown(turns, exported=datetime(2024, 1, 2)))
    assert live(html) == [], html
    text = shown(html)
    assert str(getattr(cite, where)) in text, f"the {where} is not shown as written:\n{text}"
    assert f"How many posts? {TAG}" in text and IMAGE in text and "[1]" in text


def test_compare_export_shows_markup_as_text() -> None:
    a, b = citation(1), citation(2, quote=f"Turkey set up 10 posts {IMAGE}.", outlet="Other")
    comparison = Comparison(
        question=f"How many posts? {TAG}",
        outlets=[OutletCoverage(outlet=f"Wire {TAG}", answerability=0.9, citations=[a]),
                 OutletCoverage(outlet="Other", answerability=0.8, citations=[b])],
        silent=[f"Quiet {IMAGE}"],
        disagreements=[Disagreement(kind="number", first=f"12 {TAG}", second="10", first_citation=a,
                                    second_citation=b)],
    )  # fmt: skip
    html = rendered(comparison_markdown(comparison))
    assert live(html) == [], html
    text = shown(html)
    for expected in (MARKUP, f"Turkey set up 10 posts {IMAGE}.", f"Quiet {IMAGE}", f"12 {TAG}",
                     f"How many posts? {TAG}", f"Posts {IMAGE}"):  # fmt: skip
        assert expected in text, f"{expected!r} is not shown as written:\n{text}"


@pytest.mark.parametrize("line", ["# Not a heading", "1. Not a list", "- Not a list", "> Not a quote"])
def test_a_line_that_looks_like_a_block_stays_text(line: str) -> None:
    turns = [Turn(question="q", answer=Answer(text=line, prose=line, generator="local", question="q"))]
    html = rendered(export_markdown(turns, exported=datetime(2024, 1, 2)))
    assert line.replace(">", "&gt;") in html and "<h1>Not" not in html and "<li>" not in html
