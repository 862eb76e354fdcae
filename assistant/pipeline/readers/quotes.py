"""The quotes reader: today's path, where the generator writes from the chosen quotes."""

from __future__ import annotations

from typing import Any

from assistant.pipeline.readers.base import Reading, ReadRequest


class QuotesReader:
    """Leaves the writing to the generator over the quotes the evidence model chose."""

    name = "quotes"

    def read(self, request: ReadRequest, generator: object) -> Reading | None:
        """Nothing to read here: the engine's quotes path writes the answer."""
        return None


def from_settings(settings: Any) -> QuotesReader:
    """The registry's factory: today's path, the generator writes from the chosen quotes."""
    return QuotesReader()
