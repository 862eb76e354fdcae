"""Evidence: candidate quotes from retrieved passages, scored by the fitted model, then selected.

Each step takes values and returns new ones; none changes its input:
    candidate_quotes  sentences (spaCy) and neighbouring pairs, never across removed text
    observe           what the model sees of each candidate (features.Observation)
    scored            the candidates with the model's probability that each answers the question
    select_quotes     the best quote, then near-best ones, diverse across outlets
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from assistant.pipeline.quarantine import is_hostile, is_tainted
from assistant.retrieval.hybrid import RetrievedChunk
from assistant.scoring.features import Observation, QuestionInfo
from assistant.scoring.model import FittedModels
from assistant.scoring.nlp import ParseCache, Sentence
from assistant.scoring.question_features import answerability_row, unmatched_rarity
from assistant.text import content_terms, words
from assistant.types import Quote
from index.embedding import Embedder
from index.models import Article
from index.sentence_vectors import SentenceVectorStore

# A quote shorter than this is a fragment (a dateline, a caption stub), not a statement.
MIN_SENTENCE_CHARS = 30
# Two sentences make one quote only while they read as one passage, not a paragraph dump.
MAX_PAIR_CHARS = 480
# Sentence vectors kept in memory: 384 float32 each, so about 30 MB at most.
SENTENCE_CACHE_SIZE = 20_000
# Two quotes sharing a run of this many words inside quotation marks quote the same words (one
# statement reported twice); shorter runs are common phrases.
SHINGLE_WORDS = 6


@dataclass(frozen=True)
class Evidence:
    """Everything retrieved for one question: passages, their articles, candidate quotes, features."""

    question: QuestionInfo
    named: tuple[str, ...]
    chunks: list[RetrievedChunk]
    articles: Mapping[str, Article]
    candidates: list[Quote]
    rows: np.ndarray

    def unmatched_rarity(self) -> float:
        """How rare the question's rarest name that no retrieved candidate holds is (question_features)."""
        return unmatched_rarity(self.question, (q.text for q in self.candidates if not q.beside))

    def retrieved(self) -> np.ndarray:
        """Which candidates come from retrieved passages (False: from context added beside them)."""
        return np.asarray([not q.beside for q in self.candidates], dtype=bool)


def weigh(evidence: Evidence, models: FittedModels) -> tuple[list[Quote], float]:
    """The candidates ranked by the probability that each answers, and P(the articles answer)."""
    probabilities = models.evidence.probability(evidence.rows)
    ranked = scored(evidence.candidates, probabilities, evidence.rows)
    question_row = answerability_row(
        probabilities, evidence.rows, evidence.retrieved(), evidence.unmatched_rarity()
    )
    answerable = float(models.answerability.probability(question_row)[0]) if ranked else 0.0
    return ranked, answerable


def scoring_embedder(embedder: Embedder) -> Embedder:
    """The embedder quotes are scored with: full precision even when the index's vectors are int8.

    The evidence model was fitted on float32 similarities between a question and each sentence:
    with int8 chunk vectors, scoring this way keeps the answers of a float32 index, where int8
    sentence vectors (or a model refitted on them) lose some (docs/experiments.md, 3 Dec 2026).
    """
    full_precision = getattr(embedder, "full_precision", None)
    return full_precision() if callable(full_precision) else embedder


class SentenceEmbeddingCache:
    """An LRU cache of sentence vectors, in front of the index's stored ones (when given), so each
    candidate sentence is embedded once: at index time, or on first use and then kept."""

    def __init__(
        self, embedder: Embedder, size: int = SENTENCE_CACHE_SIZE, store: SentenceVectorStore | None = None
    ) -> None:
        self.embedder = embedder
        self.size = size
        self.store = store
        self._cache: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, keys: list[tuple[str, int, int]], texts: list[str]) -> np.ndarray:
        """Return one vector per (article id, start, end) key, embedding the misses in one batch."""
        return self._vectors(keys, texts, persist=True)

    def question(self, text: str) -> np.ndarray:
        """Return the vector of a question (cached like a sentence, keyed by its text, never stored)."""
        return self._vectors([(f"question:{text}", 0, 0)], [text], persist=False)[0]

    def _vectors(self, keys: list[tuple[str, int, int]], texts: list[str], persist: bool) -> np.ndarray:
        """The vectors of keys: from memory, else from the store, else embedded (and stored)."""
        with self._lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing and persist and self.store is not None:
            found.update(self.store.get(missing))
            missing = [key for key in missing if key not in found]
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh = dict(zip(missing, self.embedder.embed_batch([text_of[k] for k in missing]), strict=True))
            if persist and self.store is not None:
                self.store.put(fresh)
            found.update(fresh)
        with self._lock:
            for key in keys:
                self._cache[key] = found[key]
                self._cache.move_to_end(key)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([found[key] for key in keys])


def candidate_quotes(
    chunks: Sequence[RetrievedChunk], articles: Mapping[str, Article], parses: ParseCache
) -> list[Quote]:
    """Quote candidates from retrieved chunks: each clean sentence, and each pair of neighbours.

    Sentences come from spaCy and are cut wherever cleaning removed text or a paragraph ends, so
    a quote never joins text that was not adjacent on the page. Sentences in quarantine
    (instructions, markup, payloads, links) are never candidates and no pair reaches across
    one: a window is quoted only when every sentence in it is clean. A hostile sentence marks
    the rest of its article suspect.
    """
    parsed = parses.parse_many([item.chunk.text for item in chunks])
    quotes: list[Quote] = []
    seen: set[tuple[str, int, int]] = set()
    suspects: set[str] = set()
    for rank, (item, sentences) in enumerate(zip(chunks, parsed, strict=True)):
        chunk = item.chunk
        article = articles.get(chunk.article_id)
        breaks = _breaks(chunk.text, chunk.start, article)
        spans: list[Sentence] = []
        walls = list(breaks)  # where a pair may not reach across: breaks and quarantined sentences
        pieces = _cut(sentences, breaks, chunk.text)
        for sentence, (run_start, run_end) in zip(pieces, _runs(pieces), strict=True):
            text = chunk.text[run_start:run_end]
            if is_hostile(text):
                suspects.add(chunk.article_id)
            if is_tainted(text):
                walls.append(sentence.start)
            elif sentence.end - sentence.start >= MIN_SENTENCE_CHARS:
                spans.append(sentence)
        windows = [[s] for s in spans] + [
            [a, b]
            for a, b in pairwise(spans)
            if b.end - a.start <= MAX_PAIR_CHARS and a.end <= b.start and not _crosses(a.end, b.start, walls)
        ]
        length = max(len(article.text), 1) if article else max(chunk.end, 1)
        for window in windows:
            start, end = window[0].start, window[-1].end
            key = (chunk.article_id, chunk.start + start, chunk.start + end)
            if key in seen:
                continue
            seen.add(key)
            quotes.append(
                Quote(
                    text=chunk.text[start:end],
                    article_id=chunk.article_id,
                    start=key[1],
                    end=key[2],
                    credit=chunk.credit(),
                    context=chunk.text,
                    sentences=len(window),
                    chunk_rank=rank,
                    lexical_rank=item.lexical_rank,
                    chunk_dense=item.dense_similarity,
                    beside=item.beside,
                    position=key[1] / length,
                    entities=tuple((e.text, e.label) for s in window for e in s.entities),
                    speakers=tuple(dict.fromkeys(n for s in window for n in s.speakers)),
                )
            )
    return [replace(q, suspect=True) if q.article_id in suspects else q for q in quotes]


def _breaks(text: str, offset: int, article: Article | None) -> list[int]:
    """Offsets (into the chunk) where text was removed by cleaning or a paragraph ends."""
    cuts = [c - offset for c in (article.cuts if article else ()) if offset < c < offset + len(text)]
    paragraphs = [m.start() for m in re.finditer(r"\n\s*\n", text)]
    return sorted(set(cuts) | set(paragraphs))


def _cut(sentences: Sequence[Sentence], breaks: Sequence[int], text: str) -> list[Sentence]:
    """Sentences split at every break inside them, whitespace trimmed (pieces keep their entities)."""
    found = []
    for sentence in sentences:
        bounds = [sentence.start, *(b for b in breaks if sentence.start < b < sentence.end), sentence.end]
        for start, end in pairwise(bounds):
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                entities = tuple(e for e in sentence.entities if start <= e.start and e.end <= end)
                speakers = tuple(n for n in sentence.speakers if n in text[start:end])
                found.append(Sentence(start, end, entities, speakers))
    return found


def _runs(sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """For each sentence, the span of the run it belongs to: sentences with no space between them.

    A sentence splitter can cut inside markup ("the span !" + "[x](http://...)"); such pieces are
    one run of text on the page, checked for quarantine together.
    """
    runs: list[list[Sentence]] = []
    for sentence in sentences:
        if runs and runs[-1][-1].end == sentence.start:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    return [(run[0].start, run[-1].end) for run in runs for _ in run]


def _crosses(start: int, end: int, breaks: Sequence[int]) -> bool:
    """True when a break lies between two sentences (at or inside the gap)."""
    return any(start <= b <= end for b in breaks)


def observe(quotes: Sequence[Quote], dense: np.ndarray) -> list[Observation]:
    """What the evidence model sees of each quote, given its dense similarity to the question."""
    return [
        Observation(
            text=q.text,
            context=q.context,
            title=q.title or "",
            entities=q.entities,
            speakers=q.speakers,
            dense=float(similarity),
            chunk_dense=q.chunk_dense,
            chunk_rank=q.chunk_rank,
            lexical_rank=q.lexical_rank,
            position=q.position,
            sentences=q.sentences,
            outlet=q.outlet,
            suspect=q.suspect,
            published=q.published,
        )
        for q, similarity in zip(quotes, dense, strict=True)
    ]


def scored(quotes: Sequence[Quote], probabilities: np.ndarray, rows: np.ndarray) -> list[Quote]:
    """The quotes with their probability of answering, best first."""
    found = [
        replace(q, score=float(p), features=tuple(float(v) for v in row))
        for q, p, row in zip(quotes, probabilities, rows, strict=True)
    ]
    return sorted(found, key=lambda q: -q.score)


def select_quotes(
    ranked: Sequence[Quote], limit: int, extra_ratio: float, named_outlets: Sequence[str] = ()
) -> list[Quote]:
    """The best quote, the best of each outlet the question names, then any other quote nearly as
    likely to answer (P >= extra_ratio x the best): from the named outlets when the question names
    any ("according to X" asks for X's report, not another's), otherwise preferring outlets not yet
    quoted."""
    if not ranked:
        return []
    chosen: list[Quote] = [ranked[0]]
    floor = ranked[0].score * extra_ratio
    for outlet in named_outlets:
        own = [q for q in ranked if q.outlet == outlet and not any(_overlaps(q, c) for c in chosen)]
        if own and len(chosen) < limit and not any(c.outlet == outlet for c in chosen):
            chosen.append(own[0])
    pool = [
        q for q in ranked[1:]
        if q.score >= floor and q not in chosen and (not named_outlets or q.outlet in named_outlets)
    ]  # fmt: skip
    while pool and len(chosen) < limit:
        outlets = {q.outlet for q in chosen}
        pool.sort(key=lambda q: (q.outlet in outlets, -q.score))
        candidate = pool.pop(0)
        if not any(_overlaps(candidate, q) for q in chosen):
            chosen.append(candidate)
    return _with_competing_versions(chosen, list(ranked), limit + 1)


_QUOTED_WORDS = re.compile(r"[\"“]([^\"”]{15,})[\"”]")


def _shingles(text: str, size: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    """Runs of `size` consecutive words, lower-cased."""
    tokens = words(text)
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _spoken(text: str) -> set[tuple[str, ...]]:
    """Six-word runs of the words a text puts in quotation marks."""
    return set().union(*(_shingles(m) for m in _QUOTED_WORDS.findall(text)))


def _with_competing_versions(chosen: list[Quote], ranked: list[Quote], limit: int) -> list[Quote]:
    """When a chosen quote quotes someone, add the best other article quoting the same words.

    Two outlets may put different words around the same quotation (or one may fabricate it);
    showing both versions side by side lets the reader compare the sources.
    """
    result = list(chosen)
    for quote in chosen:
        spoken = _spoken(quote.text)
        if not spoken or len(result) >= limit:
            continue
        for other in ranked:
            if (
                other.article_id != quote.article_id
                and other.outlet != quote.outlet
                and not any(_overlaps(other, q) for q in result)
                and spoken & _spoken(other.text)
            ):
                result.append(other)
                break
    return result


# Two quotes sharing more than this share of their terms say the same thing (wire copies).
SAME_WORDING_SHARE = 0.8


def _overlaps(a: Quote, b: Quote) -> bool:
    """True when two quotes share text: overlapping spans or near-identical wording."""
    if a.article_id == b.article_id and a.start < b.end and b.start < a.end:
        return True
    terms_a, terms_b = set(content_terms(a.text)), set(content_terms(b.text))
    if not terms_a or not terms_b:
        return False
    return len(terms_a & terms_b) / min(len(terms_a), len(terms_b)) > SAME_WORDING_SHARE
