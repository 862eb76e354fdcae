"""The generator registry: one decorator registers a backend; config, CLIs and the UI read it.

A backend is a factory that takes Settings and returns a Generator. The built-in ones are named
like entry points ("module:factory") and imported when first created, so listing names (for a CLI's
choices or the config check) never loads llama.cpp or an HTTP client. The registry sits below
config (config validates a generator's name against it), so it types Settings as Any.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from assistant.generators.base import GenerationError, Generator

Factory = Callable[[Any], Generator]  # Settings -> Generator
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


def entry_point(target: str) -> Factory:
    """A factory that imports "module:function" on first use and calls it with the settings."""

    def factory(settings: Any) -> Generator:
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)(settings)  # type: ignore[no-any-return]

    factory.__doc__ = f"Created by {target}."
    return factory


def create(name: str, settings: Any) -> Generator:
    """Build the named generator from Settings; GenerationError (fix-it message) if it lacks a setting."""
    found = backend(name)
    problem = settings.generator_problem(found.name)
    if problem:
        raise GenerationError(problem)
    return found.factory(settings)


# -- built-in backends, declared like entry points: "module:factory", imported when created ------
register("extractive", label="Extractive (quotes only, fastest)")(
    entry_point("assistant.generators.extractive:from_settings")
)
register("local", label="Local model (llama.cpp, Gemma 3 270M by default)")(
    entry_point("assistant.generators.local:from_settings")
)
register(
    "openai",
    label="OpenAI-compatible endpoint",
    requires={"openai_base_url": "http://127.0.0.1:8080/v1"},
)(entry_point("assistant.generators.openai_compat:from_settings"))
