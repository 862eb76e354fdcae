"""Prompt templates shipped as package data and rendered with the numbered quotes."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from assistant.types import Quote

MAX_QUOTE_CHARS = 280


@cache
def load_prompt(name: str) -> dict[str, Any]:
    """Load assistant/prompts/<name>.yaml."""
    text = resources.files("assistant.prompts").joinpath(f"{name}.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def credit(quote: Quote) -> str:
    """'TASS, 28 Dec 2016' (or 'date not stated')."""
    when = quote.published.strftime("%-d %b %Y") if quote.published else "date not stated"
    return f"{quote.outlet or 'Unknown outlet'}, {when}"


def _quote_text(text: str) -> str:
    """One line of quote text, trimmed for a small model's context."""
    text = " ".join(text.split()).replace('"', "'")
    return text if len(text) <= MAX_QUOTE_CHARS else text[: MAX_QUOTE_CHARS - 1] + "…"


def render_answer_prompt(question: str, quotes: list[Quote]) -> tuple[str, str]:
    """Return (instructions, few-shot prompt ending in 'Answer:') for numbered quotes."""
    spec = load_prompt("answer")
    line = spec["quote_line"]
    shots = [
        spec["block"].format(
            quotes="\n".join(line.format(**q) for q in example["quotes"]),
            question=example["question"],
        )
        + f" {example['answer']}"
        for example in spec["examples"]
    ]
    block = spec["block"].format(
        quotes="\n".join(
            line.format(number=i, credit=credit(q), text=_quote_text(q.text))
            for i, q in enumerate(quotes, start=1)
        ),
        question=" ".join(question.split()),
    )
    return str(spec["instructions"]), "\n\n".join([*shots, block])
