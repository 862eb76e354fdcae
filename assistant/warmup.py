"""Load everything a question needs before the first one comes, for servers that say when ready."""

from __future__ import annotations

import time
from dataclasses import dataclass

from assistant.api import get_engine
from assistant.config import Settings, default_settings
from assistant.generators.base import GenerationError
from assistant.pipeline.request import AskRequest

# Any question will do: one ask runs the whole query path once (embedder, Chroma, BM25, spaCy, the
# fitted models, verification), so the first real question pays for none of it. Its answer is dropped.
WARM_UP_QUESTION = "What did officials say about the talks?"


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up loaded: how long it took, and why summaries are not available (None if they are)."""

    seconds: float
    generator: str
    summaries_problem: str | None


def warm_up(settings: Settings | None = None) -> WarmUp:
    """Open the index and load every model the default generator needs; returns what it found."""
    settings = settings or default_settings()
    started = time.perf_counter()
    engine = get_engine(settings)
    engine.ask(AskRequest.of(WARM_UP_QUESTION, generator="extractive"))
    problem = load_generator(settings)
    return WarmUp(round(time.perf_counter() - started, 2), settings.llm, problem)


def load_generator(settings: Settings | None = None, name: str | None = None) -> str | None:
    """Load a generator's model now (default: the settings' generator); why it cannot be, or None."""
    settings = settings or default_settings()
    try:
        generator = get_engine(settings, build_if_missing=False).generator(name or settings.llm)
        load = getattr(generator, "load", None)
        if load is not None:
            load()
    except GenerationError as exc:
        return str(exc)
    return None
