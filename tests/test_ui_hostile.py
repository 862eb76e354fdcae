"""An article carrying <script> and <img onerror> is indexed and cited without any script running."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Settings, index_paths, load_settings
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE_TXT = f"""Fooville Gazette

Fooville council paints zebra crossings {IMG}

Published: 14 May 2019

FOOVILLE, May 14 - The council of Fooville painted 42 new zebra crossings across the town centre \
in 2019, the mayor's office said on Tuesday.

The mayor promised more crossings next year. {SCRIPT} Residents welcomed the plan {IMG} although \
shopkeepers complained about the roadworks.

Officials said the crossings would make the streets of Fooville safer for children walking to \
school.
"""
HOSTILE_JSONL = {
    "outlet": f"Evil Times {IMG}",
    "title": f"Harbour news {SCRIPT}",
    "published": "2018-07-01",
    "body": f"The harbour of Barport reopened after repairs. {SCRIPT} Fishermen returned. {IMG}",
}


@pytest.fixture(scope="module")
def settings(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the seed index with the hostile articles indexed into it."""
    tmp = tmp_path_factory.mktemp("ui-hostile")
    shutil.copytree(seed_index, tmp / "index")
    settings = load_settings(index_dir=tmp / "index", corpus=[ROOT / "seeds"], llm="extractive")
    txt = tmp / "hostile.txt"
    txt.write_text(HOSTILE_TXT, encoding="utf-8")
    jsonl = tmp / "hostile.jsonl"
    jsonl.write_text(json.dumps(HOSTILE_JSONL) + "\n", encoding="utf-8")
    report = index_paths([txt, jsonl], settings=settings)
    assert report.added == 2, report.summary()
    return settings


@pytest.fixture(scope="module")
def url(settings: Settings) -> Iterator[str]:
    """The app over the hostile index on a free loopback port."""
    from tests.browser import running
    from ui.app import build_app

    with running(build_app(settings)) as address:
        yield address


def test_hostile_article_is_cited_and_shown_as_text(url: str) -> None:
    from tests.browser import CHROMIUM, watched_page

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with watched_page(url) as watch:
        page = watch.page
        page.wait_for_selector("#question textarea")

        page.fill("#question textarea", "How many zebra crossings did the council of Fooville paint?")
        page.click("#ask")
        bubble = page.wait_for_selector("#na-turn-0 .na-answer:not(.na-streaming)", timeout=90_000)
        assert "42 new zebra crossings" in bubble.inner_text()
        credit = page.locator("#na-turn-0 .na-cite").first
        assert IMG in credit.inner_text()  # the headline's markup is shown, as text
        credit.click()
        page.wait_for_selector("#article-view mark")
        article = page.inner_text("#article-view")
        assert SCRIPT in article and IMG in article
        assert "42 new zebra crossings" in page.inner_text("#article-view mark")

        page.fill("#question textarea", "When did the harbour of Barport reopen after repairs?")
        page.click("#ask")
        page.wait_for_selector("#na-turn-1 .na-answer:not(.na-streaming)", timeout=90_000)
        page.get_by_role("tab", name="Corpus").click()
        page.wait_for_function(
            "document.querySelector('#articles').innerText.includes('Barport') "
            "|| document.querySelector('#articles').innerText.includes('Harbour')"
        )
        page.get_by_role("tab", name="Chat").click()
        page.click("#outlets input")
        page.get_by_role("option", name=f"Evil Times {IMG}").wait_for()
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-hostile.png"), full_page=True)

        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("#conversation img, #article-view img, #conversation script").count() == 0
    assert watch.dialogs == []
    assert watch.errors == []
    assert [r for r in watch.requests if r.rstrip("/").endswith("/x")] == []
