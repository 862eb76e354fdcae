"""Sentence-aware chunking: a few sentences per chunk, with offsets into the cleaned text."""

from __future__ import annotations

import hashlib

from index.models import Article, Chunk
from index.sentences import split_sentences

DEFAULT_TARGET_CHARS = 600
DEFAULT_MAX_SENTENCES = 4


def chunk_article(
    article: Article,
    target_chars: int = DEFAULT_TARGET_CHARS,
    max_sentences: int = DEFAULT_MAX_SENTENCES,
) -> list[Chunk]:
    """Split an article into chunks of whole sentences, preferring paragraph breaks."""
    groups = _group_sentences(article.text, target_chars, max_sentences)
    chunks = []
    for number, (start, end) in enumerate(groups):
        text = article.text[start:end]
        chunk_id = hashlib.sha256(f"{article.id}:{number}:{start}:{end}".encode()).hexdigest()[:20]
        chunks.append(
            Chunk(
                id=chunk_id,
                article_id=article.id,
                text=text,
                start=start,
                end=end,
                **article.credit().model_dump(),
            )
        )
    return chunks


def _group_sentences(text: str, target_chars: int, max_sentences: int) -> list[tuple[int, int]]:
    """Greedily pack consecutive sentences into spans near target_chars."""
    groups: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    count = 0
    for start, end in split_sentences(text):
        if current is not None:
            paragraph_ends = "\n\n" in text[current[1] : start]
            long_enough = current[1] - current[0] >= target_chars // 2
            too_long = end - current[0] > target_chars or count >= max_sentences
            if (paragraph_ends and long_enough) or too_long:
                groups.append(current)
                current, count = None, 0
        current = (start, end) if current is None else (current[0], end)
        count += 1
    if current is not None:
        groups.append(current)
    return groups
