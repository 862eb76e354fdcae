"""Data shapes shared by the loaders, the cleaner, the chunker and the store."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field


class Credit(BaseModel):
    """Who published a text, under what headline and when, and where to find it again.

    Shared by articles, chunks, quotes, citations and article references, so the credit a reader
    sees is always the one taken from the page itself.
    """

    outlet: str | None = None
    title: str | None = None
    published: date | None = None
    source: str = Field(default="", description="corpus-relative path (plus '#line') or URL")
    url: str | None = None

    def credit(self) -> Credit:
        """The credit fields alone (for handing on to a chunk, quote or citation)."""
        return Credit(
            outlet=self.outlet, title=self.title, published=self.published, source=self.source, url=self.url
        )


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a serving process holds of each article: enough to filter, list and credit it.

    A slotted record of plain strings (about a third of an Article without its text), so 100,000
    of them stay in tens of megabytes; the text and everything else is read from the catalog.
    """

    id: str
    source: str
    outlet: str | None
    title: str | None
    published: date | None
    url: str | None
    chunks: int = 0


class Article(Credit):
    """A cleaned news article with the metadata taken from the page itself."""

    id: str = Field(description="content hash of the cleaned text (first 16 hex digits)")
    source: str = Field(description="corpus-relative path (plus '#line' for JSON lines) or URL")
    dateline: str | None = None
    byline: str | None = None
    text: str = Field(description="the cleaned article body; chunk offsets point into it")
    captions: list[str] = Field(default_factory=list, description="photo captions, never quoted")
    cuts: list[int] = Field(
        default_factory=list,
        description="sorted offsets into text where cleaning removed page text between two kept "
        "paragraphs (see index.cuts); a quote must not run across one",
    )
    original_zlib: bytes | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="the page text before cleaning, zlib-compressed; read it with original_text()",
    )

    @staticmethod
    def make_id(text: str) -> str:
        """Return the content-hash id for a cleaned article text."""
        normalised = " ".join(text.split()).casefold()
        return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]

    def original_text(self) -> str | None:
        """Return the page text before cleaning, when the loader kept it."""
        return unpack_text(self.original_zlib) if self.original_zlib is not None else None


def pack_text(text: str) -> bytes:
    """Compress a text for storage (zlib over UTF-8)."""
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def unpack_text(blob: bytes) -> str:
    """Decompress a text stored by pack_text."""
    return zlib.decompress(blob).decode("utf-8", "surrogatepass")


class Chunk(Credit):
    """A few consecutive sentences of one article, with offsets into its cleaned text."""

    id: str
    article_id: str
    text: str
    start: int
    end: int


class Problem(BaseModel):
    """A file or line that could not be loaded, with a message saying why."""

    source: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class LoadReport(BaseModel):
    """What loading a set of paths produced: articles, and the problems met on the way."""

    articles: list[Article] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    duplicates: list[Problem] = Field(default_factory=list)
