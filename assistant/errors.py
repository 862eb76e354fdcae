"""The errors a user can fix, gathered so the CLI and the UI can turn them into messages."""

from __future__ import annotations

from assistant.config import ConfigError
from assistant.generators.base import GenerationError
from assistant.pipeline.request import QuestionError
from index.build import IndexLockedError
from index.embedding import EmbeddingError
from index.store import IndexError_ as IndexUnavailableError

USER_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    QuestionError,
    GenerationError,
    IndexLockedError,
    IndexUnavailableError,
    EmbeddingError,
    FileNotFoundError,
)

__all__ = ["USER_ERRORS", "IndexUnavailableError"]
