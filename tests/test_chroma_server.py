"""The same pipeline against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.api import ask, get_engine, index_paths
from assistant.config import load_settings
from index.store import IndexError_
from index.windows import window_count
from tests.conftest import SEEDS
from tests.servers import free_port, wait_for

pytestmark = pytest.mark.integration


def _chroma_command() -> list[str]:
    """The `chroma` executable of this environment."""
    executable = Path(sys.executable).with_name("chroma")
    return [str(executable if executable.exists() else shutil.which("chroma") or "chroma")]


def test_index_and_answer_through_chroma_server(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*_chroma_command(), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, server)
        settings = load_settings(
            index_dir=tmp_path / "catalog", corpus=[SEEDS], chroma_host="127.0.0.1", chroma_port=port
        )
        report = index_paths([SEEDS], settings=settings, progress=False)
        assert report.added == 5 and report.chunks_embedded > 0
        answer = ask(
            "How many military observation posts did Turkey establish in Idlib?",
            llm="extractive",
            settings=settings,
        )
        assert not answer.refused and "12 military observation posts" in answer.text
        assert answer.citations[0].outlet == "Devdiscourse (PTI)"
        store = get_engine(settings).store
        windows = sum(window_count(n) for n in store.catalog.chunk_counts().values())
        assert store.collection.count() == windows < report.chunks_embedded
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(index_dir=tmp_path / "catalog", chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(IndexError_, match="Could not open the Chroma server"):
        index_paths([SEEDS], settings=settings, progress=False)
