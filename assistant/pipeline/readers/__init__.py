"""Readers: what a model is given to read, found by name in a registry beside the generators'
(generators/readers.py).

    quotes    today's path: a small model writes from the few quotes the evidence model chose
    passages  a capable model reads the numbered retrieved passages and cites verbatim spans

Importing this package is cheap: a reader's module is imported only when it is created.
"""

from __future__ import annotations

from assistant.generators.readers import create, default_for, label, names, register
from assistant.pipeline.readers.base import Passage, Reader, Reading, ReadingError, ReadRequest

__all__ = [
    "Passage",
    "ReadRequest",
    "Reader",
    "Reading",
    "ReadingError",
    "create",
    "default_for",
    "label",
    "names",
    "register",
]
