"""The chat in a real headless Chromium over a copy of the seed index (Playwright)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Settings, load_settings
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
IDLIB = "How many military observation posts did Turkey establish in Idlib?"
ZEBRA = "How many zebra crossings did the council of Fooville paint?"
GOOD_JSONL = {
    "outlet": "Fooville Gazette",
    "title": "Fooville council paints 42 zebra crossings",
    "published": "2019-05-14",
    "body": (
        "The council of Fooville painted 42 new zebra crossings across the town centre in 2019, "
        "the mayor's office said on Tuesday.\n\nThe mayor said the crossings would make the "
        "streets of Fooville safer for children walking to school.\n\nResidents welcomed the new "
        "crossings, although some shopkeepers complained about the roadworks."
    ),
}


def chromium_or_skip() -> Path:
    """Debian's Chromium, or skip with the reason and the fix."""
    from tests.browser import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    return CHROMIUM


def copy_index(seed_index: Path, tmp: Path) -> Settings:
    """Settings for a private copy of the seed index (uploads then stay in tmp)."""
    index_dir = tmp / "index"
    shutil.copytree(seed_index, index_dir)
    return load_settings(index_dir=index_dir, corpus=[ROOT / "seeds"], llm="extractive")


@pytest.fixture(scope="module")
def settings(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Extractive settings over a copy of the seed index."""
    return copy_index(seed_index, tmp_path_factory.mktemp("ui-browser"))


@pytest.fixture(scope="module")
def url(settings: Settings) -> Iterator[str]:
    """The app served on a free loopback port for the whole module."""
    from tests.browser import running
    from ui.app import build_app

    with running(build_app(settings)) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    from tests.browser import launched_chromium

    with launched_chromium(chromium_or_skip()) as instance:
        yield instance


@pytest.fixture
def page(browser: Any, url: str) -> Iterator[Any]:
    """A fresh page on the app, with the question box ready."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(url)
    tab.wait_for_selector("#question textarea")
    yield tab
    context.close()


def shot(page: Any, name: str, full_page: bool = False) -> Path:
    """Save a screenshot under test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def ask(page: Any, question: str, turn: int, timeout: float = 90_000) -> Any:
    """Type a question, send it, and wait for the turn's final bubble (no summary still coming)."""
    page.fill("#question textarea", question)
    page.click("#ask")
    final = ".na-answer:not(.na-streaming):not(:has(.na-pending))"
    done = f"#na-turn-{turn} {final}, #na-turn-{turn} .na-error"
    return page.wait_for_selector(done, timeout=timeout)


def watch_streaming(page: Any) -> None:
    """Record whether an in-progress (streaming) answer bubble ever appears."""
    page.evaluate(
        """() => {
        window.__sawStreaming = false;
        new MutationObserver(() => {
          if (document.querySelector('#conversation .na-streaming')) window.__sawStreaming = true;
        }).observe(document.body, {childList: true, subtree: true});
    }"""
    )


def test_chat_cites_opens_the_article_follows_up_and_declines(page: Any) -> None:
    watch_streaming(page)
    bubble = ask(page, IDLIB, 0)
    assert page.evaluate("window.__sawStreaming") is True
    assert "na-answer-ok" in bubble.get_attribute("class")
    text = bubble.inner_text()
    assert "12 military observation posts" in text and "[1]" in text
    sources = page.locator("#na-turn-0 .na-sources").inner_text()
    assert sources.count("12 military observation posts") == 1  # each quote once, under its credit
    # The answer opens with its lead: the sentence that answers, with its marker, before the sources.
    lead = page.locator("#na-turn-0 .na-lead").inner_text()
    assert text.startswith(lead) and "12 military observation posts" in lead and "[1]" in lead
    source = page.locator("#na-turn-0 .na-cite").first
    assert "Devdiscourse (PTI)" in source.inner_text() and "2 Mar 2020" in source.inner_text()

    page.set_viewport_size({"width": 1400, "height": 1150})
    source.click()
    mark = page.wait_for_selector("#article-view mark")
    assert "12 military observation posts in Idlib" in mark.inner_text()
    assert "Kremlin says cooperation with Turkey" in page.inner_text("#article-view")
    page.wait_for_function(
        """() => {
        const mark = document.querySelector('#article-view mark');
        const box = mark.closest('.html-container').getBoundingClientRect();
        const r = mark.getBoundingClientRect();
        return r.top >= box.top - 1 && r.top < box.bottom && r.bottom > box.top;
    }"""
    )
    picture = shot(page, "ui-answer-with-article.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        shutil.copyfile(picture, ROOT / "docs" / "screenshot.png")

    follow = ask(page, "When was that agreed?", 1)
    assert "Searched for:" in follow.inner_text()
    assert "observation posts" in page.inner_text("#na-turn-1 .na-searched")

    declined = ask(page, "What is the capital of Australia?", 2)
    assert "na-decline" in declined.get_attribute("class")
    assert "not in the articles" in declined.inner_text().lower()
    assert "Closest articles" in declined.inner_text()
    page.click("#na-turn-2 .na-article-link >> nth=0")
    page.wait_for_selector("#article-view .na-article-head:not(:has-text('[1]'))")
    page.wait_for_function("document.querySelector('#article-view .html-container').scrollTop === 0")
    assert page.locator("#article-view mark").count() == 0
    shot(page, "ui-conversation.png", full_page=True)

    with page.expect_download() as info:
        page.click("#export-md")
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {IDLIB}" in markdown and "[1] Devdiscourse (PTI), 2 Mar 2020" in markdown
    with page.expect_download() as info:
        page.click("#export-json")
    exported = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert [t["answer"]["refused"] for t in exported["turns"]] == [False, False, True]

    page.click("#new-chat")
    page.wait_for_selector("#conversation .na-empty")
    assert "Click a source" in page.inner_text("#article-view")
    assert "Traceback" not in page.content()


def test_outlet_filter_and_bad_dates(page: Any) -> None:
    page.click("#outlets input")
    page.get_by_role("option", name="TASS").click()
    page.keyboard.press("Escape")
    bubble = ask(page, IDLIB, 0)
    outlets = page.locator("#na-turn-0 .na-cite .na-outlet").all_inner_texts()
    assert all(o == "TASS" for o in outlets), outlets
    assert "Devdiscourse" not in bubble.inner_text()
    page.get_by_label("Since").fill("March 2020")
    error = ask(page, IDLIB, 1)
    assert "na-error" in error.get_attribute("class")
    assert "is not a date: use YYYY-MM-DD" in error.inner_text()
    assert "Traceback" not in page.content()
    shot(page, "ui-filters-error.png")


def test_upload_indexes_good_files_and_reports_bad_ones(page: Any, tmp_path: Path) -> None:
    good = tmp_path / "fooville.jsonl"
    good.write_text(json.dumps(GOOD_JSONL) + "\n{not json\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    assert "Kremlin says cooperation" in page.inner_text("#articles")
    page.set_input_files("#upload input[type=file]", [str(good), str(empty)])
    page.wait_for_selector("#upload :text('empty')")
    page.click("#index-uploads")
    status = page.wait_for_selector("#upload-status .na-status", timeout=120_000)
    report = status.inner_text()
    assert "Indexed 2 articles" in report or "1 new" in report, report
    assert "empty.txt: empty file" in report and "fooville.jsonl:2: not valid JSON" in report
    page.wait_for_function("document.querySelector('#articles').innerText.includes('Fooville')")
    assert "Kremlin says cooperation" in page.inner_text("#articles")
    shot(page, "ui-corpus-upload.png", full_page=True)

    page.get_by_role("tab", name="Chat").click()
    bubble = ask(page, ZEBRA, 0)
    assert "42" in bubble.inner_text()
    credit = page.locator("#na-turn-0 .na-cite").first.inner_text()
    assert "Fooville Gazette" in credit and "14 May 2019" in credit


@pytest.mark.timeout(600)
def test_one_question_with_the_local_model(page: Any) -> None:
    try:
        Settings().model_path()
    except Exception as exc:  # the bundled model package is optional for this one test
        pytest.skip(f"no local model: {exc}")
    page.get_by_label("local model").check()
    page.evaluate(
        """() => {
        window.__quotesWhileWriting = false;
        new MutationObserver(() => {
          const early = document.querySelector('#conversation .na-answer:has(.na-pending) .na-quote');
          if (early) window.__quotesWhileWriting = true;
        }).observe(document.body, {childList: true, subtree: true});
    }"""
    )
    bubble = ask(page, IDLIB, 0, timeout=400_000)
    assert page.evaluate("window.__quotesWhileWriting") is True, "the quotes did not come before the summary"
    assert "na-error" not in bubble.get_attribute("class"), bubble.inner_text()
    if page.locator("#na-turn-0 .na-summary").count():  # a summary that verified is credited to the model
        assert "local" in page.inner_text("#na-turn-0 .na-meta")
    sources = page.locator("#na-turn-0 .na-cite").all_inner_texts()
    assert sources and any("Devdiscourse (PTI)" in s and "2 Mar 2020" in s for s in sources)
    shot(page, "ui-local-model.png")
