"""Pasting a passage in the chat, in a real headless Chromium over a copy of the seed index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Settings
from tests.browser import BROWSER_MARKS
from tests.test_ui_browser import chromium_or_skip, copy_index, shot

pytestmark = BROWSER_MARKS
# A Press TV sentence as a reader would paste it, one word changed ("welcomed" -> "greeted").
PASTED = (
    "Putin said as he greeted Turkish counterpart Recep Tayyip Erdogan at the start of talks "
    "focusing on Syria in the Kremlin on Friday."
)


@pytest.fixture
def page(seed_index: Path, tmp_path: Path) -> Iterator[Any]:
    """The app over a copy of the seed index, open in Chromium with the question box ready."""
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, running
    from ui.app import build_app

    settings: Settings = copy_index(seed_index, tmp_path)
    with running(build_app(settings)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(30_000)
        tab.goto(url)
        tab.wait_for_selector("#question textarea")
        yield tab
        browser.close()


def test_pasting_a_passage_offers_to_find_its_source(page: Any) -> None:
    assert not page.locator("#find-source").is_visible()
    page.fill("#question textarea", "What did Putin say about Turkey?")
    page.wait_for_timeout(500)
    assert not page.locator("#find-source").is_visible()

    page.fill("#question textarea", PASTED)
    page.wait_for_selector("#find-source", state="visible")
    page.click("#find-source")
    bubble = page.wait_for_selector("#na-turn-0 .na-answer:not(.na-streaming), #na-turn-0 .na-error")
    text = bubble.inner_text()
    assert "This passage comes from Press TV, “Putin hails closer Moscow-Ankara ties on Syria crisis”" in text
    assert "with a few words different" in text
    assert page.locator("#na-turn-0 .na-sources").count() == 0, "the quote is shown once, under its match"
    match = page.locator("#na-turn-0 .na-match").first
    assert "Press TV" in match.locator(".na-outlet").inner_text()
    assert "near-verbatim" in match.locator(".na-kind").inner_text()
    assert "as he welcomed Turkish counterpart" in match.locator("mark").inner_text()

    page.click("#na-turn-0 .na-cite")
    mark = page.wait_for_selector("#article-view mark")
    assert mark.inner_text().startswith("Putin said as he welcomed Turkish counterpart")
    shot(page, "ui-find-source.png")
    assert "Traceback" not in page.content()
