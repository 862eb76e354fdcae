"""Pasted passages in the chat: offering "find where this comes from" for them."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import source_passage

FIND_SOURCE_LABEL = "Find where this comes from"
# Text this long in the question box reads as a pasted passage rather than a question, so the
# button is offered; a question mark at the end keeps it a question.
OFFER_WORDS = 12


def offer_source(text: str | None) -> Any:
    """Show the find-the-source button when the question box holds a pasted passage."""
    words = (text or "").split()
    return gr.update(visible=len(words) >= OFFER_WORDS and not words[-1].endswith("?"))


def as_source_question(text: str) -> str:
    """The question box's text as a where-is-this-from question (unchanged if it already is one)."""
    text = (text or "").strip()
    if not text or source_passage(text) is not None:
        return text
    return f"Where is this from: “{text.strip(chr(34) + '“”')}”"
