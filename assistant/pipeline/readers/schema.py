"""The structured reply a reader asks for: a JSON schema, its llama.cpp grammar, and its parser.

    {"found": true, "answer": "...", "sentences": [{"text": "...", "passage": 2, "span": "..."}]}

`found` is the model's own word on whether the passages answer; each sentence names the passage it
comes from and a span copied from it, which is checked verbatim before the sentence is shown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from assistant.pipeline.readers.base import ReadingError

# A reader's answer is a direct answer and a few supporting sentences: more than this many is a
# model repeating itself, and the grammar caps it so a small model cannot loop to the token limit.
MAX_SENTENCES = 4

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "found": {"type": "boolean"},
        "answer": {"type": "string"},
        "sentences": {
            "type": "array",
            "maxItems": MAX_SENTENCES,
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "passage": {"type": "integer"},
                    "span": {"type": "string"},
                },
                "required": ["text", "passage", "span"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["found", "answer", "sentences"],
    "additionalProperties": False,
}


class Sentence(BaseModel):
    """One sentence of the reply: its text, the passage it comes from, and the span it copies."""

    text: str
    passage: int
    span: str


class Reply(BaseModel):
    """The parsed reply."""

    found: bool = True
    answer: str = ""
    sentences: list[Sentence] = Field(default_factory=list)


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def parse_reply(raw: str) -> Reply:
    """The reply as a Reply; ReadingError for text that is not (or not all of) the asked-for JSON."""
    text = _FENCE.sub("", raw.strip())
    start = text.find("{")
    if start < 0:
        raise ReadingError(f"the model's reply holds no JSON object: {raw[:120]!r}")
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
        return Reply.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise ReadingError(
            f"the model's reply is not the asked-for JSON ({_short(exc)}): {raw[:120]!r}"
        ) from exc


def grammar(schema: dict[str, Any] | None = None) -> str:
    """The llama.cpp GBNF grammar that makes a local model's reply follow the schema."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(json.dumps(schema or SCHEMA)))


def _short(error: Exception) -> str:
    """The first line of an error's message."""
    return str(error).splitlines()[0][:120]
