"""The generator interface: one method that streams answer text over numbered quotes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from assistant.types import Quote


class GenerationError(RuntimeError):
    """A generator could not produce text (model missing, endpoint down, timeout, garbage)."""


class ContextExceeded(GenerationError):
    """The prompt did not fit the model's context; `limit` is the context the server stated, if any."""

    def __init__(self, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class Generator(Protocol):
    """Writes an answer citing the quotes as [1], [2], ... ; the caller verifies every word."""

    name: str
    prose_leads: bool  # its verified prose opens the answer in place of the lead built from the quotes

    def stream(self, question: str, quotes: list[Quote]) -> Iterator[str]:
        """Yield pieces of answer text as they are produced."""
        ...
