"""The generator registry: one decorator registers a backend; config, CLIs and the UI read it.

A backend is a factory that takes Settings and returns a Generator. The built-in factories below
import their backend inside, so listing names (for a CLI's choices or a config check) never loads
llama.cpp or an HTTP client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.generators.base import Generator

Factory = Callable[["Settings"], "Generator"]
F = TypeVar("F", bound=Factory)


@dataclass(frozen=True)
class Backend:
    """A registered generator: its name, a label for people, its factory and the settings it needs."""

    name: str
    label: str
    factory: Factory
    requires: Mapping[str, str] = field(default_factory=dict)


_BACKENDS: dict[str, Backend] = {}


class UnknownGenerator(ValueError):
    """No generator is registered under this name; the message lists the registered ones."""


def register(name: str, *, label: str, requires: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Register a factory (Settings -> Generator) under a name; requires maps setting -> example."""
    key = name.strip().lower()

    def decorate(factory: F) -> F:
        if key in _BACKENDS:
            raise ValueError(f"a generator named {key!r} is already registered")
        _BACKENDS[key] = Backend(key, label, factory, dict(requires or {}))
        return factory

    return decorate


def unregister(name: str) -> None:
    """Remove a registered generator (for tests and plugins that replace one)."""
    _BACKENDS.pop(name.strip().lower(), None)


def names() -> tuple[str, ...]:
    """The registered generator names, in registration order."""
    return tuple(_BACKENDS)


def backend(name: str) -> Backend:
    """The backend registered under this name; UnknownGenerator naming the valid ones otherwise."""
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in _BACKENDS:
        raise UnknownGenerator(f"unknown generator {name!r}: use one of {', '.join(names())}")
    return _BACKENDS[key]


def label(name: str) -> str:
    """The label shown to people for this generator."""
    return backend(name).label


def requirements(name: str) -> Mapping[str, str]:
    """The settings this generator needs set, each with an example value."""
    return backend(name).requires


def create(name: str, settings: Settings) -> Generator:
    """Build the named generator; GenerationError with Settings' fix-it message if it lacks a setting."""
    found = backend(name)
    problem = settings.generator_problem(found.name)
    if problem:
        from assistant.generators.base import GenerationError

        raise GenerationError(problem)
    return found.factory(settings)


# -- built-in backends: each imports its module only when created ------------------------------
@register("extractive", label="Extractive (quotes only, fastest)")
def _extractive(settings: Settings) -> Generator:
    """No LLM: the answer is the best quotes with their attribution."""
    from assistant.generators.extractive import ExtractiveGenerator

    return ExtractiveGenerator()


@register("local", label="Local model (llama.cpp, Gemma 3 270M by default)")
def _local(settings: Settings) -> Generator:
    """A GGUF model through llama-cpp-python, loaded on first use."""
    from assistant.generators.local import LocalGenerator

    return LocalGenerator(
        settings.model_path(), threads=settings.llm_threads, max_tokens=settings.llm_max_tokens
    )


@register(
    "openai",
    label="OpenAI-compatible endpoint",
    requires={"openai_base_url": "http://127.0.0.1:8080/v1"},
)
def _openai(settings: Settings) -> Generator:
    """Any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server)."""
    from assistant.generators.openai_compat import OpenAICompatibleGenerator

    assert settings.openai_base_url, "create() checks the required settings first"
    return OpenAICompatibleGenerator(
        settings.openai_base_url,
        settings.openai_model,
        settings.openai_api_key,
        timeout=settings.openai_timeout,
        retries=settings.openai_retries,
    )
