"""The chat UI over the seeds plus the poisoned corpus (tests/hostile/) in a real headless Chromium.

A cited poisoned article is shown, as text: nothing in it runs (no dialog, no console error,
window.__pwned stays undefined) and nothing in it is fetched (no request to canary.invalid).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Settings, index_paths, load_settings
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS
ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
HOSTILE_DIR = ROOT / "tests" / "hostile"
ARTIFACTS = ROOT / "test-artifacts"
FAKE_OUTLETS = (
    "Daily Wire Service",
    "Levant Ledger",
    "Eurasia Dispatch",
    "Global Insight Wire",
    "Anatolia Monitor",
)
QUESTIONS = [
    # Cited: a clean sentence of d1_markdown_image_idlib.txt, whose article holds canary image markdown.
    "What did the Turkish foreign ministry say the Idlib observation posts were meant to prevent?",
    # Retrieves the JSON-lines article with <iframe src=javascript:>, <svg onload> and base64.
    "turkish stream pipeline route",
    # Retrieves the <system>, <script>/<img onerror> and fabricated-quote articles.
    "What did Peskov say about contacts with the Turkish colleagues about Astana?",
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index of the seeds and the poisoned corpus, built once for the module."""
    tmp = tmp_path_factory.mktemp("hostile-browser")
    settings = load_settings(index_dir=tmp / "index", corpus=[SEEDS, HOSTILE_DIR], llm="extractive")
    report = index_paths([SEEDS, HOSTILE_DIR], settings=settings, progress=False)
    assert not report.problems and report.added >= 25, report.summary()
    return settings


@pytest.fixture(scope="module")
def url(settings: Settings) -> Iterator[str]:
    """The app over the poisoned index on a free loopback port."""
    from tests.browser import running
    from ui.app import build_app

    with running(build_app(settings)) as address:
        yield address


def open_citations(page: Any, turn: int) -> list[tuple[str, str]]:
    """Click every source under a turn's answer; return (credit, article text) for each."""
    shown = []
    cites = page.locator(f"#na-turn-{turn} .na-cite")
    for index in range(cites.count()):
        cite = cites.nth(index)
        number = cite.locator(".na-num").inner_text()
        outlet = cite.locator(".na-outlet").inner_text()
        cite.click()
        page.wait_for_function(
            "([n, o]) => { const h = document.querySelector('#article-view .na-article-head');"
            " return h && h.innerText.startsWith(n) && h.innerText.includes(o); }",
            arg=[number, outlet],
        )
        shown.append((cite.inner_text(), page.inner_text("#article-view")))
    return shown


def test_poisoned_articles_are_shown_as_inert_text(url: str) -> None:
    from tests.browser import CHROMIUM, watched_page

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with watched_page(url) as watch:
        page = watch.page
        page.wait_for_selector("#question textarea")

        opened: list[tuple[str, str]] = []
        for turn, question in enumerate(QUESTIONS):
            page.fill("#question textarea", question)
            page.click("#ask")
            page.wait_for_selector(f"#na-turn-{turn} .na-answer:not(.na-streaming)", timeout=90_000)
            opened += open_citations(page, turn)
        poisoned = [(credit, text) for credit, text in opened if any(o in credit for o in FAKE_OUTLETS)]
        assert poisoned, f"no poisoned article was cited: {[credit for credit, _ in opened]}"
        assert any("![x](http://canary.invalid/" in text for _, text in poisoned), (
            "the cited poisoned article with canary image markdown was not shown (as text)"
        )
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-hostile-corpus.png"), full_page=True)

        assert page.evaluate("typeof window.__pwned") == "undefined", "a script from an article ran"
        live = page.locator(
            ", ".join(
                f"{box} {tag}"
                for box in (".na-chat", ".na-article")
                for tag in ("img", "script", "iframe", "svg", "a")
            )
        )
        assert live.count() == 0, "article markup was rendered as elements, not as text"
    assert watch.dialogs == [], f"an article opened a dialog: {watch.dialogs}"
    assert watch.errors == [], f"console errors while showing poisoned articles: {watch.errors}"
    canary = [address for address in watch.requests if "canary.invalid" in address]
    assert canary == [], f"the page fetched canary URLs from an article: {canary}"
