"""The passages reader with the bundled Gemma 3 270M behind a real `llama_cpp.server`: the server
takes the schema as a grammar, the structured replies are parsed, every span is verified, and the
drops and fallbacks are counted (a 270M base model rarely cites a span exactly: see docs/reader.md)."""

from __future__ import annotations

import pytest

from assistant.api import get_engine
from assistant.config import bundled_gguf, load_settings
from assistant.pipeline.engine import NO_ANSWER_READ, NOTHING_VERIFIED
from tests.conftest import SEEDS
from tests.servers import llama_cpp_server
from tests.test_reader_endpoint import assert_verified

pytestmark = pytest.mark.integration

QUESTIONS = [
    "How many military observation posts did Turkey establish in Idlib?",
    "What did the Kremlin say about cooperation with the United States on Syria?",
]


def test_gemma_reads_the_passages_through_a_real_server(seed_index) -> None:  # type: ignore[no-untyped-def]
    model = bundled_gguf()
    assert model is not None, "the bundled GGUF package is not installed"
    counts = dict.fromkeys(["asked", "read", "said_absent", "none_verified", "dropped", "verified"], 0)
    with llama_cpp_server(model) as base_url:
        settings = load_settings(
            index_dir=seed_index, corpus=[SEEDS], llm="openai", openai_base_url=base_url, openai_timeout=300,
            reader="passages", reader_context_tokens=1024, reader_max_tokens=300,
        )  # fmt: skip
        engine = get_engine(settings)
        for question in QUESTIONS:
            answer = engine.ask(question)
            counts["asked"] += 1
            assert answer.reader == "passages"
            assert_verified(answer, engine)
            counts["dropped"] += len(answer.removed)
            if answer.fallback:
                assert answer.note in (NO_ANSWER_READ, NOTHING_VERIFIED), "the reply was parsed"
                counts["said_absent" if answer.note == NO_ANSWER_READ else "none_verified"] += 1
                assert answer.direct is not None and answer.text.startswith(answer.direct.text)
            else:
                counts["read"] += 1
                counts["verified"] += answer.prose.count("[") if answer.prose else 0
        generator = engine.generator("openai")
    # llama.cpp's Python server takes a schema as `json_object` (it refuses `json_schema`).
    assert getattr(generator, "structured_format", None) == "json_object"
    print(f"\npassages reader, Gemma 3 270M via llama_cpp.server: {counts}")
    assert counts["read"] + counts["said_absent"] + counts["none_verified"] == counts["asked"]


def test_local_model_reply_is_held_to_the_schema_by_a_grammar() -> None:
    from assistant.config import load_settings
    from assistant.generators.local import from_settings
    from assistant.pipeline.readers.passages import PassagesReader
    from tests.test_readers import ARTICLE, _request

    assert bundled_gguf() is not None, "the bundled GGUF package is not installed"
    generator = from_settings(load_settings(llm="local"))
    reading = PassagesReader(max_tokens=300).read(_request(), generator)  # raises unless the JSON parses
    assert reading is not None
    for quote in reading.quotes:
        assert ARTICLE[quote.start : quote.end] == quote.text
    print(f"\nlocal Gemma, passages: {reading.sentences} sentences, {len(reading.removed)} dropped")
