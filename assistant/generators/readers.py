"""The reader registry, beside the generators': a decorator registers a factory (Settings ->
Reader) under a name. The built-in readers live in pipeline/readers/ and are named like entry points
("module:factory"), imported when first created, so config can check a reader's name here without
loading them; Settings and Reader are typed as Any for the same reason (this sits below both)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.generators.registry import entry_point

Factory = Callable[[Any], Any]  # Settings -> Reader


@dataclass(frozen=True)
class ReaderBackend:
    """A registered reader: its name, a label for people and its factory."""

    name: str
    label: str
    factory: Factory


_READERS: dict[str, ReaderBackend] = {}
# The reader each generator uses unless ASSISTANT_READER says otherwise: whichever measured better
# for it (docs/reader.md). A capable hosted model reads the passages; the bundled Gemma 3 270M
# writes better from the chosen quotes, and the extractive generator has no model to read with.
DEFAULTS = {"openai": "passages"}
FALLBACK = "quotes"


def register(name: str, *, label: str) -> Callable[[Factory], Factory]:
    """Register a reader factory under a name."""
    key = name.strip().lower()

    def decorate(factory: Factory) -> Factory:
        if key in _READERS:
            raise ValueError(f"a reader named {key!r} is already registered")
        _READERS[key] = ReaderBackend(key, label, factory)
        return factory

    return decorate


def names() -> tuple[str, ...]:
    """The registered reader names, in registration order."""
    return tuple(_READERS)


def label(name: str) -> str:
    """The label shown to people for this reader."""
    return _READERS[name].label


def default_for(generator: str) -> str:
    """The reader a generator uses when no reader is set."""
    return DEFAULTS.get(generator, FALLBACK)


def create(name: str, settings: Any) -> Any:
    """Build the named reader; ValueError naming the registered ones for an unknown name."""
    key = name.strip().lower()
    if key not in _READERS:
        raise ValueError(f"unknown reader {name!r}: use one of {', '.join(names())}")
    return _READERS[key].factory(settings)


# -- built-in readers, declared like entry points: "module:factory", imported when created -------
register("quotes", label="Quotes (the model writes from the chosen quotes)")(
    entry_point("assistant.pipeline.readers.quotes:from_settings")
)
register("passages", label="Passages (the model reads the retrieved passages and cites spans)")(
    entry_point("assistant.pipeline.readers.passages:from_settings")
)
