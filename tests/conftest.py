"""Shared fixtures: an offline guard, fake models for unit tests, and real-model fixtures."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPORA = ROOT.parent / "shared" / "corpora" / "news_distractors_3k.jsonl.gz"
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: object) -> bool:
    """True for loopback and Unix-socket addresses."""
    if isinstance(address, (str, bytes)):
        return True
    host = str(address[0]) if isinstance(address, tuple) and address else ""
    return host in ("localhost", "::1", "0.0.0.0") or host.startswith("127.")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection beyond this machine's loopback."""

    def guarded_connect(self: socket.socket, address: object) -> None:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return _real_connect(self, address)  # type: ignore[arg-type]

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return _real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture
def fake_embedder():  # type: ignore[no-untyped-def]
    """A deterministic bag-of-words embedder for fast unit tests."""
    from tests.fakes import HashEmbedder

    return HashEmbedder()


@pytest.fixture(scope="session")
def minilm():  # type: ignore[no-untyped-def]
    """The real bundled MiniLM embedder, loaded once per test session."""
    from index.embedding import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, minilm) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """A real index of the seeds (Chroma on disk, BM25, MiniLM), built once per session."""
    from index.build import build_index
    from index.store import IndexStore

    directory = tmp_path_factory.mktemp("seed-index")
    store = IndexStore(directory, minilm)
    build_index(store, [SEEDS], root=ROOT, progress=False)
    store.close()
    yield directory


@pytest.fixture
def seed_settings(seed_index: Path):  # type: ignore[no-untyped-def]
    """Settings pointing at the session's real seed index."""
    from assistant.config import load_settings

    return load_settings(index_dir=seed_index, corpus=[SEEDS])
