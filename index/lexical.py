"""The persisted BM25 index (bm25s format), built batch by batch and read from disk per query term.

A build keeps compact term counts (int32 term ids, uint16 counts) instead of token strings, so
its memory grows by about 6 bytes per distinct term of a chunk. The saved score matrix, chunk ids
and article codes are .npy files. A reader maps the ids and reads each query term's postings from
disk (index.diskarray), so a query touches only its own terms and nothing of the postings stays
in the process between queries.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.diskarray import DiskArray

_DOCS_FILE = "docs.json"  # the format before version 2: chunk and article ids as JSON lists
_CHUNK_IDS_FILE = "chunk_ids.npy"
_ARTICLE_CODES_FILE = "article_codes.npy"
_ARTICLES_FILE = "articles.json"
_DATA_FILE, _INDICES_FILE = "data.csc.index.npy", "indices.csc.index.npy"  # bm25s's names
K1, B = 1.5, 0.75  # bm25s defaults (method "lucene")


def _stemmer():  # type: ignore[no-untyped-def]
    """Return the English Snowball stemmer (PyStemmer)."""
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str], stemmer) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Lower-cased, stop-word-free, stemmed tokens per text, exactly as bm25s tokenizes."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)


@dataclass
class _Batch:
    """Term counts of consecutive chunks: one (term, count) run per chunk."""

    terms: np.ndarray  # int32, the distinct term ids of each chunk, chunk after chunk
    counts: np.ndarray  # uint16, how often each of those terms occurs in its chunk
    per_chunk: np.ndarray  # int32, how many distinct terms each chunk has
    lengths: np.ndarray  # int32, tokens per chunk


@dataclass
class LexicalIndexWriter:
    """Accumulates chunks batch by batch, then computes and saves the BM25 score matrix."""

    vocab: dict[str, int] = field(default_factory=dict)
    chunk_ids: list[str] = field(default_factory=list)
    article_codes: list[int] = field(default_factory=list)
    articles: dict[str, int] = field(default_factory=dict)
    _batches: list[_Batch] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stem = _stemmer()

    def add(self, texts: Sequence[str], chunk_ids: Sequence[str], article_ids: Sequence[str]) -> None:
        """Tokenize and count a batch of chunks."""
        if not (len(texts) == len(chunk_ids) == len(article_ids)):
            raise ValueError("texts, chunk_ids and article_ids must have the same length")
        if not texts:
            return
        tokens = tokenize(list(texts), self._stem)
        lengths = np.fromiter((len(t) for t in tokens), np.int64, len(tokens))
        ids = np.fromiter(
            (self.vocab.setdefault(t, len(self.vocab)) for doc in tokens for t in doc),
            np.int64,
            int(lengths.sum()),
        )
        docs = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
        stride = len(self.vocab) + 1  # one key per (chunk, term): chunk * stride + term
        keys, counts = np.unique(docs * stride + ids, return_counts=True)
        doc_of_key = keys // stride
        self._batches.append(
            _Batch(
                terms=(keys % stride).astype(np.int32),
                counts=np.minimum(counts, np.iinfo(np.uint16).max).astype(np.uint16),
                per_chunk=np.bincount(doc_of_key, minlength=len(tokens)).astype(np.int32),
                lengths=lengths.astype(np.int32),
            )
        )
        self.chunk_ids.extend(chunk_ids)
        self.article_codes.extend(self.articles.setdefault(a, len(self.articles)) for a in article_ids)

    def save(self, directory: Path) -> None:
        """Write the index to a fresh directory (replacing any half-written one)."""
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        if self.chunk_ids:
            self._bm25().save(str(directory), show_progress=False)
        width = max((len(c) for c in self.chunk_ids), default=1)
        np.save(directory / _CHUNK_IDS_FILE, np.asarray(self.chunk_ids, dtype=f"S{width}"))
        np.save(directory / _ARTICLE_CODES_FILE, np.asarray(self.article_codes, np.int32))
        (directory / _ARTICLES_FILE).write_text(json.dumps(list(self.articles)), encoding="utf-8")

    def _bm25(self):  # type: ignore[no-untyped-def]
        """A bm25s.BM25 holding the score matrix of every chunk added (the batches are consumed)."""
        import bm25s

        lengths = np.concatenate([b.lengths for b in self._batches])
        n_docs, n_vocab = len(lengths), len(self.vocab) + 1  # + bm25s's empty token
        average = float(lengths.mean()) if n_docs and lengths.any() else 1.0
        frequencies = np.zeros(n_vocab, np.int64)
        for batch in self._batches:
            frequencies += np.bincount(batch.terms, minlength=n_vocab)
        idf = np.log(1 + (n_docs - frequencies + 0.5) / (frequencies + 0.5)).astype(np.float32)
        indptr = np.zeros(n_vocab + 1, np.int64)
        np.cumsum(frequencies, out=indptr[1:])
        data = np.empty(int(indptr[-1]), np.float32)
        indices = np.empty(int(indptr[-1]), np.int32)
        cursor = indptr[:-1].copy()
        first_doc = 0
        while self._batches:
            batch = self._batches.pop(0)
            _scatter_scores(batch, first_doc, idf, average, cursor, data, indices)
            first_doc += len(batch.lengths)
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
        retriever.vocab_dict = {**self.vocab, "": len(self.vocab)}
        retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
        retriever.nonoccurrence_array = None
        return retriever


def _scatter_scores(
    batch: _Batch,
    first_doc: int,
    idf: np.ndarray,
    average_length: float,
    cursor: np.ndarray,
    data: np.ndarray,
    indices: np.ndarray,
) -> None:
    """Write a batch's BM25 scores into the term-major (CSC) arrays, advancing each term's cursor."""
    docs = np.repeat(np.arange(len(batch.lengths), dtype=np.int32) + first_doc, batch.per_chunk)
    length = np.repeat(batch.lengths, batch.per_chunk).astype(np.float64)
    tf = batch.counts.astype(np.float64)
    scores = idf[batch.terms] * (tf / (K1 * ((1 - B) + B * length / average_length) + tf))
    order = np.argsort(batch.terms, kind="stable")  # docs stay ascending within each term
    terms = batch.terms[order]
    starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
    runs = np.diff(np.r_[starts, len(terms)])
    positions = cursor[terms] + (np.arange(len(terms)) - np.repeat(starts, runs))
    data[positions] = scores[order]
    indices[positions] = docs[order]
    cursor[terms[starts]] += runs


class LexicalIndex:
    """BM25 over chunk texts, mapping result rows back to chunk and article ids."""

    def __init__(
        self,
        retriever,  # type: ignore[no-untyped-def]
        chunk_ids: np.ndarray,
        article_codes: np.ndarray,
        articles: list[str],
    ) -> None:
        self._retriever = retriever
        self._chunk_ids = chunk_ids
        self._article_codes = article_codes
        self._articles = articles
        self._article_code = {article: code for code, article in enumerate(articles)}
        self._stem = _stemmer()
        vocab = getattr(retriever, "vocab_dict", None) or {}
        self.vocabulary: frozenset[str] = frozenset(str(term) for term in vocab if term)

    @property
    def chunk_ids(self) -> list[str]:
        """Every indexed chunk id, in row order."""
        return [c.decode() for c in self._chunk_ids.tolist()]

    @staticmethod
    def is_current(directory: Path) -> bool:
        """True when a saved index is in the .npy format this version writes."""
        return (directory / _CHUNK_IDS_FILE).exists()

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Open a saved index, memory-mapping its arrays (older JSON-listed indexes load into memory)."""
        import bm25s

        if not cls.is_current(directory):
            return cls._load_json_listed(directory)
        chunk_ids = np.load(directory / _CHUNK_IDS_FILE, mmap_mode="r")
        codes = np.load(directory / _ARTICLE_CODES_FILE, mmap_mode="r")
        articles = json.loads((directory / _ARTICLES_FILE).read_text(encoding="utf-8"))
        retriever = None
        if len(chunk_ids):
            retriever = bm25s.BM25.load(str(directory), mmap=True, show_progress=False)
            scores = retriever.scores
            scores["indptr"] = np.array(scores["indptr"])
            scores["data"] = DiskArray(directory / _DATA_FILE)
            scores["indices"] = DiskArray(directory / _INDICES_FILE)
        return cls(retriever, chunk_ids, codes, articles)

    @classmethod
    def _load_json_listed(cls, directory: Path) -> LexicalIndex:
        """Open an index saved before version 2, whose ids are JSON lists."""
        import bm25s

        docs = json.loads((directory / _DOCS_FILE).read_text(encoding="utf-8"))
        articles = list(dict.fromkeys(docs["article_ids"]))
        code = {article: n for n, article in enumerate(articles)}
        retriever = bm25s.BM25.load(str(directory), show_progress=False) if docs["chunk_ids"] else None
        chunk_ids = np.asarray([c.encode() for c in docs["chunk_ids"]], dtype=np.bytes_)
        codes = np.asarray([code[a] for a in docs["article_ids"]], np.int32)
        return cls(retriever, chunk_ids, codes, articles)

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25's inverse document frequency of stemmed terms; a term no chunk holds gets the most."""
        if self._retriever is None or not len(self._chunk_ids):
            return {}
        matrix = self._retriever.scores
        indptr, total = matrix["indptr"], int(matrix["num_docs"])
        vocab = self._retriever.vocab_dict
        found = {}
        for term in terms:
            row = vocab.get(term)
            frequency = int(indptr[row + 1] - indptr[row]) if row is not None else 0
            found[term] = float(np.log(1 + (total - frequency + 0.5) / (frequency + 0.5)))
        return found

    def _mask(self, allowed_articles: Iterable[str]) -> np.ndarray | None:
        """True per chunk row whose article is allowed (None when no indexed article is)."""
        codes = [self._article_code[a] for a in allowed_articles if a in self._article_code]
        if not codes:
            return None
        return np.isin(self._article_codes, codes)

    def search(
        self, query: str, k: int, allowed_articles: set[str] | None = None
    ) -> list[tuple[str, str, float]]:
        """Return up to k (chunk id, article id, score) with a positive BM25 score."""
        if self._retriever is None or not len(self._chunk_ids):
            return []
        tokens = tokenize([query], self._stem)
        vocab = self._retriever.vocab_dict
        terms = [vocab[t] for t in tokens[0] if t and t in vocab]
        if not terms:
            return []
        scores = self._scores(terms)
        if allowed_articles is not None:
            mask = self._mask(allowed_articles)
            if mask is None:
                return []
            scores *= mask
        scored = np.flatnonzero(scores > 0)  # a query's terms reach a fraction of the chunks
        if len(scored) > k:
            scored = scored[np.argpartition(-scores[scored], k - 1)[:k]]
        top = scored[np.lexsort((scored, -scores[scored]))]
        results = []
        for row in top.tolist():
            article = self._articles[int(self._article_codes[row])]
            results.append((self._chunk_ids[row].decode(), article, float(scores[row])))
        return results

    def _scores(self, terms: list[int]) -> np.ndarray:
        """The BM25 score of every chunk for these query term ids (a repeated term counts again)."""
        matrix = self._retriever.scores
        indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
        rows = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t in terms])
        weights = np.concatenate([data[indptr[t] : indptr[t + 1]] for t in terms])
        return np.bincount(rows, weights=weights, minlength=int(matrix["num_docs"]))
