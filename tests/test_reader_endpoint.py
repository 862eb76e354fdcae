"""The passages reader through the engine against a scripted OpenAI-compatible endpoint: a tiny
loopback HTTP server that speaks the chat-completions API and replies as each test scripts it."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from assistant.api import get_engine, index_paths
from assistant.config import Settings, load_settings
from assistant.pipeline.engine import Engine
from assistant.types import Answer
from tests.conftest import SEEDS
from tests.servers import fake_endpoint, free_port
from tests.verified import assert_verified

pytestmark = pytest.mark.integration

QUESTION = "How many military observation posts did Turkey establish in Idlib?"
HOSTILE = Path(__file__).resolve().parent / "hostile" / "a1_ignore_idlib_posts.txt"
ANSWER_SPAN = "12 military observation posts in Idlib"
_PASSAGE = re.compile(r"^\[(\d+)\] ([^\n]*):\n(.*?)(?=\n\n\[\d+\] |\n\nQuestion:)", re.S | re.M)
Script = Callable[[dict[str, Any]], str]


@pytest.fixture(scope="module")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One index of the seeds and an article whose text gives an assistant orders."""
    tmp = tmp_path_factory.mktemp("reader-index")
    shutil.copytree(SEEDS, tmp / "corpus")
    shutil.copy(HOSTILE, tmp / "corpus" / HOSTILE.name)
    settings = load_settings(index_dir=tmp / "index", corpus=[tmp / "corpus"], llm="extractive")
    report = index_paths([tmp / "corpus"], settings=settings, progress=False)
    assert not report.problems
    return settings


def passages(body: dict[str, Any]) -> dict[int, str]:
    """The numbered passages in a chat request's prompt, by number."""
    prompt = body["messages"][-1]["content"]
    return {int(m[1]): m[3] for m in _PASSAGE.finditer(prompt)}


def reply(found: bool, answer: str, *sentences: tuple[str, int, str]) -> str:
    """A reader's JSON reply."""
    items = [{"text": t, "passage": p, "span": s} for t, p, s in sentences]
    return json.dumps({"found": found, "answer": answer, "sentences": items})


def holding(body: dict[str, Any], text: str) -> int:
    """The number of the first passage that holds text."""
    return next(n for n, passage in passages(body).items() if text in passage)


def _stream(handler: BaseHTTPRequestHandler, text: str) -> None:
    """Answer a chat request with text as a stream of chat.completion.chunk events."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    for start in range(0, len(text), 40):
        delta = {"choices": [{"index": 0, "delta": {"content": text[start : start + 40]}}]}
        event = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", **delta}
        handler.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
    handler.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def endpoint(corpus_settings: Settings) -> Iterator[Callable[[Script], tuple[Engine, list[dict[str, Any]]]]]:
    """Start a scripted endpoint; yield a function that gives an engine asking it, and its requests."""
    with fake_endpoint(lambda handler: served(handler)) as base_url:
        requests: list[dict[str, Any]] = []
        script: list[Script] = []

        def served(handler: BaseHTTPRequestHandler) -> None:
            body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
            requests.append(body)
            _stream(handler, script[0](body))

        def start(chosen: Script) -> tuple[Engine, list[dict[str, Any]]]:
            script.append(chosen)
            settings = _openai(corpus_settings, base_url)
            return get_engine(settings), requests

        yield start


def _openai(settings: Settings, base_url: str, **changes: object) -> Settings:
    values = {
        **settings.model_dump(),
        "llm": "openai",
        "openai_base_url": base_url,
        "reader_context_tokens": 4096,
    }
    return load_settings(**{**values, **changes})


def test_reading_of_the_passages_opens_the_answer_and_a_fabricated_span_is_dropped(endpoint) -> None:  # type: ignore[no-untyped-def]
    def script(body: dict[str, Any]) -> str:
        number = holding(body, ANSWER_SPAN)
        true = ("Turkey set up 12 military observation posts in Idlib.", number, ANSWER_SPAN)
        made_up = ("Turkey set up 40 posts in Idlib.", number, "40 military observation posts in Idlib")
        return reply(True, "12 posts.", true, made_up)

    engine, requests = endpoint(script)
    answer = engine.ask(QUESTION)
    assert answer.reader == "passages" and not answer.fallback and answer.summary_first
    assert answer.text.startswith(
        "12 posts [1].\n\nTurkey set up 12 military observation posts in Idlib [1]."
    )
    assert "40" not in answer.text and "Turkey set up 40 posts in Idlib." in answer.removed
    assert answer.citations[0].quote == ANSWER_SPAN
    assert_verified(answer, engine)
    assert requests[0]["response_format"]["type"] == "json_schema"


def test_instruction_inside_a_passage_is_not_obeyed(endpoint) -> None:  # type: ignore[no-untyped-def]
    order = HOSTILE.read_text().split("\n\n")[4].strip()  # the paragraph that orders 'HACKED'
    assert "HACKED" in order

    def script(body: dict[str, Any]) -> str:
        shown = passages(body)
        number = next((n for n, p in shown.items() if "Daily Wire" in p or "Saraqeb" in p), 1)
        return reply(True, "HACKED", ("HACKED", number, order))

    engine, requests = endpoint(script)
    answer = engine.ask(QUESTION)
    prompt = requests[0]["messages"][-1]["content"]
    assert "Saraqeb" in prompt, "the article with the orders is among the passages"
    assert "HACKED" not in prompt and "Ignore previous instructions" not in prompt
    assert "HACKED" not in answer.text and answer.fallback and answer.note
    assert_verified(answer, engine)


@pytest.mark.parametrize(
    "garbage",
    ["Turkey set up 12 posts.", '{"found": true, "answer": "12 posts", "sentences": [{"text": "Turk'],
    ids=["malformed", "truncated"],
)
def test_malformed_or_truncated_reply_falls_back_to_the_quotes(endpoint, garbage: str) -> None:  # type: ignore[no-untyped-def]
    engine, _ = endpoint(lambda body: garbage)
    answer = engine.ask(QUESTION)
    assert answer.fallback and answer.reader == "passages"
    assert answer.note and "reply could not be read" in answer.note
    assert answer.direct is not None and answer.text.startswith(answer.direct.text)
    assert "12" in answer.text
    assert_verified(answer, engine)


def test_server_without_json_schema_is_asked_for_a_json_object(corpus_settings: Settings) -> None:
    seen: list[str] = []

    def handler(h: BaseHTTPRequestHandler) -> None:
        body = json.loads(h.rfile.read(int(h.headers["Content-Length"])))
        form = body.get("response_format", {}).get("type", "none")
        seen.append(form)
        if form == "json_schema":
            h.send_response(400)
            h.send_header("Content-Type", "application/json")
            h.end_headers()
            h.wfile.write(b'{"error": {"message": "unknown response_format type"}}')
            return
        assert body["response_format"]["schema"]["required"] == ["found", "answer", "sentences"]
        number = holding(body, ANSWER_SPAN)
        _stream(h, reply(True, "", ("Turkey set up 12 military observation posts.", number, ANSWER_SPAN)))

    with fake_endpoint(handler) as base_url:
        engine = get_engine(_openai(corpus_settings, base_url))
        first = engine.ask(QUESTION)
        engine.ask(QUESTION)
    assert not first.fallback and first.citations[0].quote == ANSWER_SPAN
    assert seen == ["json_schema", "json_object", "json_object"]


def _slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)
    handler.send_response(200)
    handler.end_headers()


@pytest.mark.parametrize("where", ["down", "slow"])
def test_endpoint_down_or_slow_gives_the_quotes_with_a_note(corpus_settings: Settings, where: str) -> None:
    def run(base_url: str) -> Answer:
        settings = _openai(corpus_settings, base_url, openai_timeout=1, openai_retries=1)
        return get_engine(settings).ask(QUESTION)

    started = time.monotonic()
    if where == "down":
        answer = run(f"http://127.0.0.1:{free_port()}/v1")
    else:
        with fake_endpoint(_slow) as base_url:
            answer = run(base_url)
    assert time.monotonic() - started < 15
    assert answer.fallback and answer.note and "reader failed" in answer.note
    assert "ASSISTANT_OPENAI_BASE_URL" in answer.note
    assert "12" in answer.text
    assert_verified(answer, get_engine(corpus_settings))


def test_prompt_too_long_for_the_server_is_sent_again_with_fewer_passages(corpus_settings: Settings) -> None:
    sizes: list[int] = []

    def handler(h: BaseHTTPRequestHandler) -> None:
        body = json.loads(h.rfile.read(int(h.headers["Content-Length"])))
        sizes.append(len(body["messages"][-1]["content"]))
        if sizes[-1] > 6000:  # as llama.cpp's server says it (HTTP 400)
            h.send_response(400)
            h.send_header("Content-Type", "application/json")
            h.end_headers()
            h.wfile.write(b'{"error": {"message": "Requested tokens (3900) exceed context window of 2048"}}')
            return
        number = holding(body, ANSWER_SPAN)
        _stream(h, reply(True, "", ("Turkey set up 12 military observation posts.", number, ANSWER_SPAN)))

    with fake_endpoint(handler) as base_url:
        engine = get_engine(_openai(corpus_settings, base_url, reader_context_tokens=0))
        answer = engine.ask(QUESTION)
    assert not answer.fallback and answer.citations[0].quote == ANSWER_SPAN
    assert len(sizes) == 2 and sizes[0] > 6000 >= sizes[1]
