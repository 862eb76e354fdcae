"""A shingle index over article texts: where a passage of text stands, verbatim or nearly.

Every run of SHINGLE_WORDS consecutive normalised words of an article is hashed; a passage is
looked up by its own runs, and each article sharing enough of them gets the span they cover, as
character offsets into its cleaned text. Built from the texts alone (no embeddings). A built index
keeps its table of runs on disk (written at each commit, read block by block) and reads the
texts of the few articles a passage matches from the catalog, so tracing a passage costs neither
the time to hash every article nor the memory to hold them.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.diskarray import DiskArray
from index.models import Article

# Five-word runs: a passage with one word changed or dropped in every six still keeps a run
# between the edits, and five consecutive words are rarely shared by unrelated articles.
SHINGLE_WORDS = 5
# A passage must have this share of its words inside runs shared with an article to come from it:
# a near-verbatim copy covers nearly all of them, an unrelated text only a stock phrase or two.
MIN_COVERAGE = 0.5

# Words a passage may have dropped or gained between two shared runs and still read as one span.
MAX_DRIFT = 2 * SHINGLE_WORDS

# Each word's code is its BLAKE2b digest and a run's hash a polynomial of its words' codes (mod 2**64),
# so a table written by one process reads the same in another (Python's own hash is salted).
_MIX = np.uint64(0x9E3779B97F4A7C15)
_TABLE_FILES = ("hashes.npy", "docs.npy", "positions.npy", "article_ids.npy", "fences.npy")
# Every FENCE_EVERY-th hash of the sorted table is kept in memory, so a lookup reads one block of
# FENCE_EVERY hashes (32 KiB, a few pages) from the file instead of binary-searching all of
# it: at 100,000 articles (91 million runs) the plain search paged in 560 MB over a few passages.
FENCE_EVERY = 4096
# Articles whose distinct run hashes stay cached for containment (about 8 bytes a word each): the
# copies of one passage compared pair by pair, across a few searches.
RUNS_CACHED = 64

_WORD = re.compile(r"[^\W_]+")
_FOLD = str.maketrans({"’": "'", "‘": "'"})


@dataclass(frozen=True)
class Words:
    """The normalised words of a text with their character spans in it."""

    words: list[str]
    starts: list[int]
    ends: list[int]


def text_words(text: str) -> Words:
    """Split a text into lower-cased letter/digit runs with their offsets (punctuation ignored)."""
    words, starts, ends = [], [], []
    for match in _WORD.finditer(text):
        words.append(fold(match.group()))
        starts.append(match.start())
        ends.append(match.end())
    return Words(words, starts, ends)


def fold(word: str) -> str:
    """One word as the index compares it: NFKC, curly apostrophes straightened, case folded."""
    return unicodedata.normalize("NFKC", word.translate(_FOLD)).casefold()


def word_code(word: str) -> int:
    """A normalised word's stable 64-bit code."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def shingle_hashes(words: Sequence[str], codes: dict[str, int] | None = None) -> np.ndarray:
    """The hash of every run of SHINGLE_WORDS consecutive words, in order (int64); `codes` caches
    word codes across calls."""
    count = len(words) - SHINGLE_WORDS + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    cache = {} if codes is None else codes
    values = np.fromiter(
        (cache[w] if w in cache else cache.setdefault(w, word_code(w)) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):
        hashes = hashes * _MIX + values[offset : offset + count]  # wraps around, as meant
    return hashes.view(np.int64)


@dataclass(frozen=True)
class ShingleTable:
    """Every run of every article, sorted by hash: (hash, article row, word position); in memory
    when just built, on disk (index.diskarray) when loaded."""

    hashes: np.ndarray | DiskArray
    docs: np.ndarray | DiskArray
    positions: np.ndarray | DiskArray
    article_ids: np.ndarray
    fences: np.ndarray

    @classmethod
    def build(cls, articles: Iterable[Article]) -> ShingleTable:
        """Hash the runs of articles' texts and sort them."""
        codes: dict[str, int] = {}
        ids, per_article = [], []
        for article in articles:
            ids.append(article.id)
            per_article.append(shingle_hashes(text_words(article.text).words, codes))
        lengths = np.array([len(h) for h in per_article], dtype=np.int64)
        hashes = np.concatenate(per_article) if per_article else np.zeros(0, dtype=np.int64)
        del per_article
        docs = np.repeat(np.arange(len(ids), dtype=np.int32), lengths)
        positions = np.arange(len(hashes), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        return cls(
            hashes=hashes,
            docs=docs[order],
            positions=positions[order].astype(np.int32),
            article_ids=np.array(ids, dtype=str),
            fences=fences_of(hashes),
        )

    def save(self, directory: Path) -> None:
        """Write the table as .npy files a reader opens."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays = (self.hashes, self.docs, self.positions, self.article_ids, self.fences)
        for name, array in zip(_TABLE_FILES, arrays, strict=True):
            np.save(directory / name, array[:])

    @staticmethod
    def is_current(directory: Path) -> bool:
        """True when a directory holds a table in this format."""
        return all((directory / name).exists() for name in _TABLE_FILES)

    @classmethod
    def load(cls, directory: Path) -> ShingleTable:
        """Open a saved table: its hashes, docs and positions are read from disk block by block
        as lookups need them (index.diskarray), its fences and article ids held."""
        hashes, docs, positions = (DiskArray(directory / name) for name in _TABLE_FILES[:3])
        return cls(
            hashes=hashes,
            docs=docs,
            positions=positions,
            article_ids=np.load(directory / _TABLE_FILES[3], mmap_mode="r"),
            fences=np.load(directory / _TABLE_FILES[4]),
        )

    def rows(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first row, number of rows) of each hash in the table, reading one block per bound."""
        fences, every, total = self.fences, FENCE_EVERY, len(self.hashes)
        left = np.empty(len(hashes), dtype=np.int64)
        right = np.empty(len(hashes), dtype=np.int64)
        for i, value in enumerate(hashes.tolist()):
            for out, side in ((left, "left"), (right, "right")):
                block = int(np.searchsorted(fences, value, side=side))  # type: ignore[call-overload]
                low, high = max(block - 1, 0) * every, min(block * every, total)
                found = np.searchsorted(self.hashes[low:high], value, side=side)  # type: ignore[call-overload]
                out[i] = low + int(found)
        return left, right - left


def fences_of(hashes: np.ndarray) -> np.ndarray:
    """Every FENCE_EVERY-th hash of a sorted hash array (the first of each block)."""
    return np.array(hashes[::FENCE_EVERY], dtype=np.int64)


@dataclass(frozen=True)
class PassageMatch:
    """Where a passage stands in one article: the span, how much of the passage it covers, verbatim?"""

    article_id: str
    start: int
    end: int
    coverage: float
    exact: bool


ArticleFetcher = Callable[[list[str]], dict[str, Article]]


class PassageIndex:
    """Hashed word runs of every article -> (article, word position), searched with numpy."""

    def __init__(self, table: ShingleTable, fetch: ArticleFetcher) -> None:
        self._table = table
        self._fetch = fetch
        self._runs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, articles: Iterable[Article]) -> PassageIndex:
        """An index held in memory over the given articles."""
        by_id = {article.id: article for article in articles}
        return cls(ShingleTable.build(by_id.values()), lambda ids: {i: by_id[i] for i in ids if i in by_id})

    def __len__(self) -> int:
        return len(self._table.article_ids)

    def search(self, passage: str) -> list[PassageMatch]:
        """Articles holding the passage (verbatim or with a few words changed), best covered first."""
        query = text_words(passage)
        hashes = shingle_hashes(query.words)
        if not len(hashes):  # shorter than one run: a phrase, not a passage to trace
            return []
        hits = self._hits(hashes)
        ids = {doc: str(self._table.article_ids[doc]) for doc in hits}
        articles = self._fetch(list(ids.values()))
        matches = [
            self._match(articles[ids[doc]], pairs, query.words)
            for doc, pairs in hits.items()
            if ids[doc] in articles
        ]
        found = [m for m in matches if m is not None]
        return sorted(found, key=lambda m: (-m.coverage, not m.exact, m.article_id))

    def _hits(self, hashes: np.ndarray) -> dict[int, list[tuple[int, int]]]:
        """{article: [(passage run, article position)]} for the articles sharing enough distinct runs
        to reach MIN_COVERAGE (found with numpy, so runs common to many articles stay cheap)."""
        table = self._table
        left, counts = table.rows(hashes)
        if not counts.sum():
            return {}
        runs = np.repeat(np.arange(len(hashes)), counts)
        docs, positions = _take_runs(table.docs, left, counts), _take_runs(table.positions, left, counts)
        distinct = np.unique(docs.astype(np.int64) * len(hashes) + runs) // len(hashes)
        per_doc = np.bincount(distinct)
        # each distinct run covers at most SHINGLE_WORDS words: fewer runs cannot reach the bar
        needed = MIN_COVERAGE * (len(hashes) + SHINGLE_WORDS - 1) / SHINGLE_WORDS
        keep = np.isin(docs, np.flatnonzero(per_doc >= needed))
        hits: dict[int, list[tuple[int, int]]] = {}
        for doc, run, pos in zip(
            docs[keep].tolist(), runs[keep].tolist(), positions[keep].tolist(), strict=True
        ):
            hits.setdefault(doc, []).append((run, pos))
        return hits

    @staticmethod
    def _match(article: Article, pairs: list[tuple[int, int]], passage: list[str]) -> PassageMatch | None:
        """The densest aligned run of shared shingles in one article, as a match (or None if thin)."""
        best = _aligned(pairs)
        covered = np.zeros(len(passage), dtype=bool)
        for q, _ in best:
            covered[q : q + SHINGLE_WORDS] = True
        coverage = float(covered.mean())
        if coverage < MIN_COVERAGE:
            return None
        text = article.text
        words = text_words(text)
        starts, ends = words.starts, words.ends

        def word(i: int) -> str:
            return fold(text[starts[i] : ends[i]])

        first_q, first_pos = min(best)
        last_q, last_pos = max(best)
        last_word = last_pos + SHINGLE_WORDS - 1
        last = len(starts) - 1
        start_word = _edge(word, last, passage[0], first_pos - first_q, first_pos, reverse=False)
        after = len(passage) - 1 - (last_q + SHINGLE_WORDS - 1)
        end_word = _edge(word, last, passage[-1], last_word + after, last_word, reverse=True)
        return PassageMatch(
            article_id=article.id,
            start=int(starts[start_word]),
            end=int(ends[end_word]),
            coverage=round(coverage, 4),
            exact=bool(coverage == 1.0 and _verbatim(end_word - start_word + 1, len(passage), best)),
        )

    def containment(self, article_id: str, other_id: str) -> float:
        """The share of one article's distinct word runs that also stand in the other (0..1)."""
        mine, theirs = self._distinct_runs([article_id, other_id])
        if not len(mine):
            return 0.0
        return float(len(np.intersect1d(mine, theirs, assume_unique=True)) / len(mine))

    def _distinct_runs(self, article_ids: list[str]) -> list[np.ndarray]:
        """Each article's distinct run hashes, fetched and hashed once while recently used (a
        passage copied by many outlets compares the same articles pair after pair)."""
        with self._lock:
            missing = [a for a in dict.fromkeys(article_ids) if a not in self._runs]
        fetched = self._fetch(missing) if missing else {}
        hashed = {a: np.unique(shingle_hashes(text_words(fetched[a].text).words)) for a in missing}
        with self._lock:
            self._runs.update(hashed)
            found = []
            for article_id in article_ids:
                self._runs.move_to_end(article_id)
                found.append(self._runs[article_id])
            while len(self._runs) > RUNS_CACHED:
                self._runs.popitem(last=False)
            return found

    def article(self, article_id: str) -> Article:
        """The indexed article with this id."""
        return self._fetch([article_id])[article_id]


def _take_runs(array: np.ndarray | DiskArray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The rows of several runs (start, count) of an array, in memory or on disk, concatenated."""
    parts = [np.asarray(array[s : s + c]) for s, c in zip(starts.tolist(), counts.tolist(), strict=True) if c]
    return np.concatenate(parts) if parts else np.empty(0, dtype=array.dtype)


def _aligned(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The largest set of (query shingle, article position) hits lying in one place in the article.

    Hits are grouped by their offset (article position - passage position); offsets a few words
    apart (words dropped or added between them) join one group.
    """
    ordered = sorted(pairs, key=lambda p: (p[1] - p[0], p[1]))
    groups: list[list[tuple[int, int]]] = []
    for q, pos in ordered:
        if groups:
            lq, lpos = groups[-1][-1]
            if (pos - q) - (lpos - lq) <= MAX_DRIFT:
                groups[-1].append((q, pos))
                continue
        groups.append([(q, pos)])
    return max(groups, key=lambda g: (len({q for q, _ in g}), -min(p for _, p in g)))


def _verbatim(span_words: int, n_words: int, best: list[tuple[int, int]]) -> bool:
    """True when the article's words over the span are the passage's words, one for one (every
    word covered by shared runs lying at one offset, and the span as long as the passage)."""
    offsets = {pos - q for q, pos in best}
    return span_words == n_words and len(offsets) == 1


def _edge(word: Callable[[int], str], last: int, wanted: str, guess: int, anchor: int, reverse: bool) -> int:
    """Where the passage's first (or last) word stands in the article: the guess from the shared
    runs, moved to the same word nearest to it within MAX_DRIFT words (words dropped or added)."""
    guess = min(max(guess, 0), last)
    if word(guess) == wanted:
        return guess
    if reverse:
        window = range(anchor, min(last, guess + MAX_DRIFT) + 1)
    else:
        window = range(anchor, max(0, guess - MAX_DRIFT) - 1, -1)
    found = [i for i in window if word(i) == wanted]
    return min(found, key=lambda i: abs(i - guess)) if found else guess
