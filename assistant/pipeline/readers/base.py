"""The reader interface and the values it takes and returns (pure data, no models)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.generators.base import GenerationError
from index.models import Credit

if TYPE_CHECKING:
    from assistant.pipeline.evidence import Quote


class ReadingError(GenerationError):
    """The model's reply could not be read (malformed, truncated, not the asked-for form)."""


@dataclass(frozen=True)
class Passage:
    """One numbered passage a reader is given: a retrieved chunk's text, where it stands in its
    article, its credit, and where cleaning removed text from that article (a span may not cross)."""

    number: int
    text: str
    article_id: str
    start: int
    end: int
    credit: Credit
    cuts: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReadRequest:
    """What a reader gets: the question (and the asker's own words), the passages, and the texts
    every span is checked against (each article as cleaned, and its page as published)."""

    question: str
    passages: list[Passage]
    articles: Mapping[str, str]
    originals: Mapping[str, str]
    focus: str = ""


@dataclass
class Reading:
    """A checked reading: verified prose citing `quotes` as [1], [2], ..., what was dropped, and
    whether the model said the passages do not answer."""

    prose: str = ""
    quotes: list[Quote] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    said_absent: bool = False
    sentences: int = 0  # sentences the model wrote, before verification


class Reader(Protocol):
    """Reads for a generator; None means the generator writes from the chosen quotes (today's path)."""

    name: str

    def read(self, request: ReadRequest, generator: object) -> Reading | None:
        """Ask the generator's model to read the passages, and verify what it says."""
        ...
