"""Generators behind one small interface, found by name in a registry: extractive, local, openai.

Importing this package is cheap: the model backends are imported only when created (registry.py).
"""

from __future__ import annotations

from assistant.generators.base import GenerationError, Generator
from assistant.generators.extractive import ExtractiveGenerator
from assistant.generators.registry import (
    Backend,
    UnknownGenerator,
    create,
    label,
    names,
    register,
    requirements,
)

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
