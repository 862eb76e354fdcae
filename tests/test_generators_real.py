"""The real generators: bundled Gemma through llama.cpp, and a real llama_cpp.server endpoint."""

from __future__ import annotations

import os
import sys
import time
from http.server import BaseHTTPRequestHandler

import pytest

from assistant.api import get_engine
from assistant.config import bundled_gguf, load_settings
from assistant.generators.local import from_settings as local_from_settings
from assistant.pipeline.evidence import Quote
from index.models import Credit
from tests.conftest import SEEDS
from tests.servers import fake_endpoint, free_port, llama_cpp_server, rss_mb
from tests.verified import assert_verified

pytestmark = pytest.mark.integration

SUMMARIES = 25  # enough for a leak of a few hundred KB a summary to stand out from noise
MAX_GROWTH_MB = 8
QUESTION = "How many military observation posts did Turkey establish in Idlib?"


def test_local_generator_answers_with_verified_quotes(seed_settings) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(seed_settings)
    answer = engine.ask(QUESTION, llm="local")
    assert answer.generator == "local"
    assert_verified(answer, engine)
    assert "12" in answer.text
    assert answer.citations[0].outlet == "Devdiscourse (PTI)"


def test_openai_generator_against_real_llama_cpp_server(seed_index) -> None:  # type: ignore[no-untyped-def]
    model = bundled_gguf()
    assert model is not None, "the bundled GGUF package is not installed"
    with llama_cpp_server(model) as base_url:
        settings = load_settings(index_dir=seed_index, corpus=[SEEDS], llm="openai", openai_base_url=base_url)
        engine = get_engine(settings)
        answer = engine.ask(QUESTION)
        assert answer.generator == "openai"
        assert_verified(answer, engine)
        assert "12" in answer.text
        assert answer.note is None or "failed" not in answer.note


def test_endpoint_down_gives_extractive_answer_with_note(seed_index) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(
        index_dir=seed_index,
        llm="openai",
        openai_base_url=f"http://127.0.0.1:{free_port()}/v1",
        openai_timeout=2,
    )
    engine = get_engine(settings)
    answer = engine.ask(QUESTION)
    assert answer.fallback and answer.note and "failed" in answer.note
    assert_verified(answer, engine)


def _slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)
    handler.send_response(200)
    handler.end_headers()


def _garbage(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    handler.wfile.write(b"data: {not json at all\n\n")


@pytest.mark.parametrize("behaviour", [_slow, _garbage], ids=["slow", "garbage"])
def test_slow_or_garbage_endpoint_falls_back(seed_index, behaviour) -> None:  # type: ignore[no-untyped-def]
    with fake_endpoint(behaviour) as base_url:
        settings = load_settings(
            index_dir=seed_index, llm="openai", openai_base_url=base_url, openai_timeout=1,
            openai_retries=1,
        )  # fmt: skip
        engine = get_engine(settings)
        started = time.monotonic()
        answer = engine.ask(QUESTION)
        assert time.monotonic() - started < 15
        assert answer.fallback and answer.note
        assert_verified(answer, engine)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_local_summaries_leave_memory_flat(seed_settings) -> None:  # type: ignore[no-untyped-def]
    """A chat server writes thousands of summaries: each must give back what it took."""
    generator = local_from_settings(seed_settings)
    text = "The minister said on Tuesday that the talks would resume next week in the capital."
    quotes = [Quote(text=text, article_id="a1", start=0, end=len(text), credit=Credit(outlet="Example"))]
    question = "When will the talks resume?"
    for _ in range(5):  # the model, its buffers and the first sampler are loaded
        assert "".join(generator.stream(question, quotes))
    before = rss_mb(os.getpid())
    for _ in range(SUMMARIES):
        "".join(generator.stream(question, quotes))
    grown = rss_mb(os.getpid()) - before
    # Leaking the sampler chain of every summary grew 40 of them by 69 MB (25: 40 MB); freed, by about 1.
    assert grown < MAX_GROWTH_MB, f"{SUMMARIES} summaries grew the process by {grown:.0f} MB"
