"""The "Compare outlets" view in a real headless Chromium over a copy of the seed index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Settings
from tests.browser import BROWSER_MARKS
from tests.test_ui_browser import chromium_or_skip, copy_index, shot

pytestmark = BROWSER_MARKS
KREMLIN_TURKEY = "What did the Kremlin say about its contacts with Turkey on Syria?"


@pytest.fixture(scope="module")
def url(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a copy of the seed index, served on a free loopback port."""
    from tests.browser import running
    from ui.app import build_app

    settings: Settings = copy_index(seed_index, tmp_path_factory.mktemp("compare-browser"))
    with running(build_app(settings)) as address:
        yield address


def test_compare_view_shows_a_column_per_outlet_the_chart_and_exports(url: str) -> None:
    chromium_or_skip()
    from tests.browser import watched_page

    with watched_page(url) as watch:
        page = watch.page
        page.get_by_role("tab", name="Compare outlets").click()
        page.fill("#compare-question textarea", KREMLIN_TURKEY)
        page.click("#compare-run")
        page.wait_for_selector("#compare-view .nc-columns", timeout=120_000)
        columns = page.locator("#compare-view .nc-column")
        outlets = {columns.nth(i).get_attribute("data-outlet") for i in range(columns.count())}
        assert outlets == {"Sputnik International", "TASS", "Devdiscourse (PTI)", "Press TV"}
        # At 1400 px, beside the article panel, the four columns stand in one row and need no
        # horizontal scrolling.
        tops = {round(columns.nth(i).bounding_box()["y"]) for i in range(columns.count())}
        assert len(tops) == 1
        assert page.evaluate(
            "() => { const c = document.querySelector('#compare-view .nc-columns');"
            " return c.scrollWidth <= c.clientWidth; }"
        )
        tass = page.locator('#compare-view .nc-column[data-outlet="TASS"]')
        assert "28 Dec 2016" in tass.inner_text() and tass.locator("blockquote").count() >= 1
        assert "Nothing relevant from:" in page.locator("#compare-view .nc-silent").inner_text()
        assert page.locator("#compare-view svg.nc-chart rect").count() >= 2
        assert "Peskov said" in tass.inner_text()
        assert "Where the outlets differ:" in page.locator("#compare-view .nc-differ").inner_text()
        tass.locator(".na-cite").first.click()
        page.wait_for_selector("#compare-article mark")
        assert "TASS" in page.inner_text("#compare-article .na-article-head")
        table = page.locator("#compare-view .nc-table").inner_text()
        assert "Press TV" in table and "total" in table
        shot(page, "compare-view.png", full_page=True)
        with page.expect_download() as download:
            page.click("#compare-export-md")
        markdown = Path(download.value.path()).read_text(encoding="utf-8")
        assert markdown.startswith("# Outlets compared:") and "## TASS" in markdown
        outside = [
            u for u in watch.requests if not u.startswith(url.rstrip("/")) and not u.startswith("data:")
        ]
        assert outside == []
