"""The chat as a new reader meets it, in a real headless Chromium: each new answer scrolled into
view, a usable question box and a reachable article on a narrow screen, exports greyed out until
there is a chat; and the screenshots in docs/screenshots/ (chat, compare, corpus at two widths)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Settings
from tests.browser import BROWSER_MARKS
from tests.test_ui_browser import ARTIFACTS, ask, chromium_or_skip, copy_index

pytestmark = BROWSER_MARKS
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDE, NARROW = 1400, 420  # a laptop window and a phone held upright
HEIGHT = 900
QUESTIONS = [
    "What did Peskov say about a ceasefire in Syria?",
    "How many observation posts did Turkey set up in Idlib?",
    "Did Russia and the US agree to coordinate more on Syria?",
]
COMPARE = "What did the Kremlin say about its contacts with Turkey on Syria?"

# Where an element's top edge sits: in the window, and in the chat panel's scrolled box.
TOP_IN_VIEW = """(selector) => {
  const node = document.querySelector(selector);
  const r = node.getBoundingClientRect();
  let box = node.parentElement;
  while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowY)) box = box.parentElement;
  const b = box ? box.getBoundingClientRect() : {top: 0, bottom: window.innerHeight};
  return {inWindow: r.top >= 0 && r.top < window.innerHeight - 40,
          inPanel: r.top >= b.top - 1 && r.top < b.bottom - 40};
}"""


@pytest.fixture(scope="module")
def url(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as `chat` serves it (page CSS included) over a copy of the seed index."""
    from tests.browser import running
    from ui.app import build_app
    from ui.styles import PAGE_CSS

    settings: Settings = copy_index(seed_index, tmp_path_factory.mktemp("ui-polish"))
    with running(build_app(settings), css=PAGE_CSS) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    from tests.browser import launched_chromium

    with launched_chromium(chromium_or_skip()) as instance:
        yield instance


def open_page(browser: Any, url: str, width: int) -> Any:
    """A fresh page on the app at this window width, the question box ready."""
    context = browser.new_context(viewport={"width": width, "height": HEIGHT}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


def save(page: Any, name: str, full_page: bool = False) -> None:
    """Screenshot into test-artifacts/, and into docs/screenshots/ when UPDATE_DOCS_SCREENSHOTS is set."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / name)


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_each_new_answer_starts_in_view(browser: Any, url: str, width: int) -> None:
    page = open_page(browser, url, width)
    for turn, question in enumerate(QUESTIONS):
        ask(page, question, turn)
        seen = page.evaluate(TOP_IN_VIEW, f"#na-turn-{turn} .na-answer")
        assert seen == {"inWindow": True, "inPanel": True}, (turn, seen)
    save(page, f"chat-{width}.png")
    page.context.close()


def test_narrow_screen_keeps_the_question_box_and_the_article_in_reach(browser: Any, url: str) -> None:
    page = open_page(browser, url, NARROW)
    box = page.locator("#question textarea").bounding_box()
    button = page.locator("#ask").bounding_box()
    # Ask takes at most a quarter of the row, the question box most of the rest (was 160 px each).
    assert button["width"] <= NARROW / 4 and box["width"] >= 2.5 * button["width"], (box, button)
    examples = page.locator("text=Example questions").locator("xpath=../..").inner_text()
    assert "..." not in examples and "…" not in examples, examples

    ask(page, QUESTIONS[0], 0)
    before = page.evaluate("window.scrollY")
    page.locator("#na-turn-0 .na-cite").first.click()
    mark = page.wait_for_selector("#article-view mark")
    page.wait_for_function(
        """() => {
        const r = document.querySelector('#article-view mark').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
    }"""
    )
    assert "Peskov" in mark.inner_text()
    assert page.evaluate("window.scrollY") == before  # the page stays at the answer
    save(page, f"chat-{NARROW}-article.png")

    page.get_by_role("button", name="Close the article and go back").click()
    answer = page.evaluate(TOP_IN_VIEW, "#na-turn-0 .na-answer")
    assert answer["inWindow"] and page.evaluate("window.scrollY") == before
    assert not page.locator("#article-view .na-drawer").count()
    page.locator("#na-turn-0 .na-cite").first.click()  # the same source again
    page.wait_for_selector("#article-view .na-drawer mark")
    page.keyboard.press("Escape")
    assert not page.locator("#article-view .na-drawer").count()
    page.context.close()


def test_exports_are_greyed_out_until_there_is_a_chat(browser: Any, url: str) -> None:
    page = open_page(browser, url, WIDE)
    for button in ("#export-md", "#export-json"):
        assert page.locator(button).is_disabled()
    ask(page, QUESTIONS[1], 0)
    page.wait_for_function("!document.querySelector('#export-md').disabled")
    with page.expect_download() as info:
        page.click("#export-md")
    assert QUESTIONS[1] in Path(info.value.path()).read_text(encoding="utf-8")
    page.click("#new-chat")
    page.wait_for_selector("#conversation .na-empty")
    page.wait_for_function("document.querySelector('#export-json').disabled")
    assert page.locator("#export-md").is_disabled()
    page.context.close()


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_compare_and_corpus_views(browser: Any, url: str, width: int) -> None:
    page = open_page(browser, url, width)
    page.get_by_role("tab", name="Compare outlets").click()
    assert page.locator("#compare-export-md").is_disabled()
    page.fill("#compare-question textarea", COMPARE)
    page.click("#compare-run")
    page.wait_for_selector("#compare-view .nc-columns", timeout=120_000)
    assert not page.locator("#compare-export-md").is_disabled()
    save(page, f"compare-{width}.png", full_page=width == WIDE)

    page.get_by_role("tab", name="Corpus").click()
    cell = page.locator("#articles .cell-wrap").first
    cell.wait_for()
    font = cell.evaluate("node => getComputedStyle(node).fontFamily")
    assert "mono" not in font.lower(), font
    source = page.locator("#articles tbody tr").first.locator(".cell-wrap").last
    assert source.evaluate("node => node.scrollWidth <= node.clientWidth + 1")  # not cut off
    save(page, f"corpus-{width}.png", full_page=True)
    page.context.close()
