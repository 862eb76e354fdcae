"""Test helpers that run the UI for real: a loopback server and Debian's Chromium (not shipped)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The marks every browser test module carries: deselectable as `browser`, and quiet about the
# warnings gradio and pandas raise on the way.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword"),
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: gr.Blocks, **launch: Any) -> Iterator[str]:
    """Serve an app on a free loopback port in a background thread (plus launch options); yield its URL."""
    port = free_port()
    app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@dataclass
class WatchedPage:
    """A Chromium page and what it did: dialogs opened, console/page errors, URLs requested."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextmanager
def launched_chromium(path: Path = CHROMIUM) -> Iterator[Any]:
    """Headless Debian Chromium at `path` with the flags this machine needs, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(url: str) -> Iterator[WatchedPage]:
    """Open url in headless Debian Chromium, recording dialogs (dismissed), errors and requests."""
    with launched_chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        watch = WatchedPage(page)

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: watch.errors.append(str(e)))
        page.on("request", lambda r: watch.requests.append(r.url))
        page.goto(url)
        yield watch
