"""Generators behind one small interface, found by name in a registry: extractive, local, openai.

Importing this package is cheap: backends are imported only when created (see registry.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.generators.base import GenerationError, Generator
from assistant.generators.registry import (
    Backend,
    UnknownGenerator,
    create,
    label,
    names,
    register,
    requirements,
)

if TYPE_CHECKING:
    from assistant.generators.extractive import ExtractiveGenerator

__all__ = [
    "Backend",
    "ExtractiveGenerator",
    "GenerationError",
    "Generator",
    "UnknownGenerator",
    "create",
    "label",
    "names",
    "register",
    "requirements",
]


def __getattr__(name: str) -> Any:
    """Import the extractive generator (and through it, evidence) only when asked for."""
    if name == "ExtractiveGenerator":
        from assistant.generators.extractive import ExtractiveGenerator

        return ExtractiveGenerator
    raise AttributeError(f"module 'assistant.generators' has no attribute {name!r}")
