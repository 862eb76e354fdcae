"""Sentence splitting and chunking keep offsets into the cleaned text."""

from __future__ import annotations

from index.chunking import chunk_article
from index.models import Article
from index.sentences import split_sentences

TEXT = (
    "MOSCOW, December 28. /TASS/. Russia and Turkey are in constant contact, Peskov said. "
    "Mr. Peskov refused to comment on U.S. reports.\n\n"
    '"I cannot answer this question now," he stressed. The talks start on Feb. 8 in Geneva.'
)


def test_sentences_have_exact_offsets() -> None:
    spans = split_sentences(TEXT)
    sentences = [TEXT[s:e] for s, e in spans]
    assert sentences[1] == "Russia and Turkey are in constant contact, Peskov said."
    assert "Mr. Peskov refused to comment on U.S. reports." in sentences
    assert sentences[-1] == "The talks start on Feb. 8 in Geneva."


def test_chunks_cover_whole_sentences_with_offsets() -> None:
    article = Article(id=Article.make_id(TEXT), source="a.txt", outlet="TASS", text=TEXT * 5)
    chunks = chunk_article(article, target_chars=200)
    assert len(chunks) > 1
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.outlet == "TASS" and chunk.article_id == article.id
        assert chunk.text[-1] in '."!?”' or chunk.text.endswith("Geneva.")
    assert len({c.id for c in chunks}) == len(chunks)


def test_content_hash_ignores_whitespace_and_case() -> None:
    assert Article.make_id("Hello   world.\n") == Article.make_id("hello world.")
    assert Article.make_id("Hello world.") != Article.make_id("Hello there.")
