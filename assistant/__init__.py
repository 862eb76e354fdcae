"""A news assistant whose every answer stands on verified quotes credited to their outlet.

The public API is the import block below, listed once: type checkers read it as it is, and at run
time the same lines are read to import each name only when it is first used, so the CLI starts fast.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # "name as name" marks a re-export for type checkers and linters
    from assistant.api import ask as ask
    from assistant.api import ask_stream as ask_stream
    from assistant.api import chunk_counts as chunk_counts
    from assistant.api import compare as compare
    from assistant.api import coverage as coverage
    from assistant.api import find_source as find_source
    from assistant.api import get_admission as get_admission
    from assistant.api import get_article as get_article
    from assistant.api import get_engine as get_engine
    from assistant.api import index_paths as index_paths
    from assistant.api import list_articles as list_articles
    from assistant.config import ConfigError as ConfigError
    from assistant.config import Settings as Settings
    from assistant.config import load_settings as load_settings
    from assistant.errors import USER_ERRORS as USER_ERRORS
    from assistant.errors import IndexUnavailableError as IndexUnavailableError
    from assistant.generators.base import GenerationError as GenerationError
    from assistant.markdown_text import markdown_literal as markdown_literal
    from assistant.news.comparison import Comparison as Comparison
    from assistant.news.comparison import OutletCoverage as OutletCoverage
    from assistant.news.comparison_text import comparison_markdown as comparison_markdown
    from assistant.news.disagreement import Disagreement as Disagreement
    from assistant.news.timeline import Coverage as Coverage
    from assistant.news.timeline import comparison_coverage as comparison_coverage
    from assistant.pipeline.admission import Admission as Admission
    from assistant.pipeline.admission import Busy as Busy
    from assistant.pipeline.request import AskRequest as AskRequest
    from assistant.pipeline.request import QuestionError as QuestionError
    from assistant.pipeline.source_question import source_passage as source_passage
    from assistant.types import Answer as Answer
    from assistant.types import ArticleRef as ArticleRef
    from assistant.types import Citation as Citation
    from assistant.types import DeclineReason as DeclineReason
    from assistant.types import SourceMatch as SourceMatch
    from assistant.warmup import WarmUp as WarmUp
    from assistant.warmup import load_generator as load_generator
    from assistant.warmup import warm_up as warm_up
    from index.build import BuildReport as BuildReport
    from index.build import IndexLockedError as IndexLockedError
    from index.embedding import EmbeddingError as EmbeddingError


def _public_names() -> dict[str, tuple[str, str]]:
    """{public name: (module, name in it)} read from this file's `if TYPE_CHECKING:` imports."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: (str(node.module), alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


_PUBLIC = _public_names()
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, then keep the name here."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, for completion in a REPL."""
    return sorted({*globals(), *_PUBLIC})
