"""The persisted BM25 index (bm25s), built once per generation and loaded, never rebuilt per query."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

_DOCS_FILE = "docs.json"


def _stemmer():  # type: ignore[no-untyped-def]
    """Return the English Snowball stemmer (PyStemmer)."""
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    """BM25 over chunk texts, mapping result rows back to chunk and article ids."""

    def __init__(self, retriever, chunk_ids: list[str], article_ids: list[str]) -> None:  # type: ignore[no-untyped-def]
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self.article_ids = np.asarray(article_ids, dtype=object)
        self._stem = _stemmer()
        vocab = getattr(retriever, "vocab_dict", None) or {}
        self.vocabulary: frozenset[str] = frozenset(str(term) for term in vocab)

    @classmethod
    def build(cls, texts: list[str], chunk_ids: list[str], article_ids: list[str]) -> LexicalIndex:
        """Index chunk texts with BM25."""
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever if texts else None, chunk_ids, article_ids)

    def save(self, directory: Path) -> None:
        """Write the index to a fresh directory (replacing any half-written one)."""
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(directory))
        docs = {"chunk_ids": self.chunk_ids, "article_ids": self.article_ids.tolist()}
        (directory / _DOCS_FILE).write_text(json.dumps(docs), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Load a saved index."""
        import bm25s

        docs = json.loads((directory / _DOCS_FILE).read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(directory)) if docs["chunk_ids"] else None
        return cls(retriever, docs["chunk_ids"], docs["article_ids"])

    def search(
        self, query: str, k: int, allowed_articles: set[str] | None = None
    ) -> list[tuple[str, str, float]]:
        """Return up to k (chunk id, article id, score) with a positive BM25 score."""
        if self._retriever is None or not self.chunk_ids:
            return []
        import bm25s

        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )
        vocab = self._retriever.vocab_dict
        known = [[t for t in tokens[0] if t in vocab]]
        if not known[0]:
            return []
        mask = None
        if allowed_articles is not None:
            mask = np.isin(self.article_ids, list(allowed_articles)).astype(np.float32)
            if not mask.any():
                return []
        k = min(k, len(self.chunk_ids))
        rows, scores = self._retriever.retrieve(
            known, k=k, weight_mask=mask, show_progress=False, n_threads=1
        )
        results = []
        for row, score in zip(rows[0], scores[0], strict=True):
            if score > 0:
                results.append((self.chunk_ids[int(row)], str(self.article_ids[int(row)]), float(score)))
        return results
