"""A news assistant whose every answer stands on verified quotes credited to their outlet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.models import Answer, ArticleRef, Citation

if TYPE_CHECKING:
    from assistant.api import (
        ask,
        ask_stream,
        chunk_counts,
        get_article,
        get_engine,
        index_paths,
        list_articles,
    )
    from assistant.config import ConfigError, Settings, load_settings
    from assistant.engine import QuestionError
    from assistant.errors import USER_ERRORS
    from assistant.generators.base import GenerationError
    from index.build import BuildReport, IndexLockedError
    from index.embedding import EmbeddingError
    from index.store import IndexError_ as IndexUnavailableError

__all__ = [
    "USER_ERRORS",
    "Answer",
    "ArticleRef",
    "BuildReport",
    "Citation",
    "ConfigError",
    "EmbeddingError",
    "GenerationError",
    "IndexLockedError",
    "IndexUnavailableError",
    "QuestionError",
    "Settings",
    "ask",
    "ask_stream",
    "chunk_counts",
    "get_article",
    "get_engine",
    "index_paths",
    "list_articles",
    "load_settings",
]

_LAZY = {
    "ask": "assistant.api",
    "ask_stream": "assistant.api",
    "chunk_counts": "assistant.api",
    "get_article": "assistant.api",
    "get_engine": "assistant.api",
    "index_paths": "assistant.api",
    "list_articles": "assistant.api",
    "ConfigError": "assistant.config",
    "Settings": "assistant.config",
    "load_settings": "assistant.config",
    "QuestionError": "assistant.engine",
    "USER_ERRORS": "assistant.errors",
    "GenerationError": "assistant.generators.base",
    "BuildReport": "index.build",
    "IndexLockedError": "index.build",
    "EmbeddingError": "index.embedding",
    "IndexUnavailableError": "assistant.errors",
}


def __getattr__(name: str) -> Any:
    """Import the heavier parts only when used, so the CLI starts fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
