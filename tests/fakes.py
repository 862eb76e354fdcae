"""Deterministic fakes for unit tests: an embedder and generators with scripted output."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np

from assistant.scoring.model import FittedModels, LogisticModel, load_models
from assistant.scoring.question_features import ANSWERABILITY_FEATURES
from assistant.text import content_terms


class HashEmbedder:
    """Bag of stemmed terms hashed into 256 dimensions, L2-normalised."""

    name = "hash-256"
    dimension = 256

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Return one normalised vector per text."""
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in content_terms(text):
                slot = int(hashlib.md5(term.encode()).hexdigest()[:8], 16) % self.dimension
                rows[row, slot] += 1.0
            norm = np.linalg.norm(rows[row])
            rows[row] = rows[row] / norm if norm else rows[row]
            if not norm:
                rows[row, 0] = 1.0
        return rows


class ScriptedGenerator:
    """A generator that writes exactly the text it was given (like pydantic-ai's TestModel)."""

    def __init__(self, text: str, name: str = "local") -> None:
        self.text = text
        self.name = name
        self.calls: list[tuple[str, int]] = []

    def stream(self, question: str, quotes: list) -> Iterator[str]:  # type: ignore[type-arg]
        """Yield the scripted text in small pieces."""
        self.calls.append((question, len(quotes)))
        for start in range(0, len(self.text), 7):
            yield self.text[start : start + 7]


class FailingGenerator:
    """A generator whose backend is down."""

    name = "openai"

    def stream(self, question: str, quotes: list) -> Iterator[str]:  # type: ignore[type-arg]
        """Raise the error a dead endpoint gives."""
        from assistant.generators.base import GenerationError

        raise GenerationError("connection refused")
        yield ""  # pragma: no cover


def models_saying(answerable: float) -> FittedModels:
    """The packaged evidence model with an answerability model that gives every question the
    probability `answerable` (its probabilities mean nothing over a fake embedder's features)."""
    width = len(ANSWERABILITY_FEATURES)
    p = min(max(answerable, 1e-9), 1 - 1e-9)  # a finite logit for 0 and 1
    constant = LogisticModel(
        features=list(ANSWERABILITY_FEATURES),
        mean=[0.0] * width,
        scale=[1.0] * width,
        weights=[0.0] * width,
        bias=float(np.log(p / (1 - p))),
    )
    return load_models().model_copy(update={"answerability": constant})


class ScriptedReader:
    """A model for the passages reader that replies with a fixed text and keeps each prompt."""

    name = "openai"
    prose_leads = True

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def complete_json(self, instructions: str, prompt: str, schema: object, max_tokens: int) -> str:
        """Return the scripted reply, keeping the prompt it was given."""
        self.prompts.append(prompt)
        return self.reply

    def stream(self, question: str, quotes: list[object]) -> Iterator[str]:
        """Not used by the passages reader."""
        yield ""
