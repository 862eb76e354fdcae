"""Generators behind one small interface: extractive, local (llama.cpp) and OpenAI-compatible."""

from assistant.generators.base import GenerationError, Generator
from assistant.generators.extractive import ExtractiveGenerator

__all__ = ["ExtractiveGenerator", "GenerationError", "Generator"]
