"""Evidence: the sentences that best answer a question, diverse across outlets, as quote candidates."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

import numpy as np

from assistant.quarantine import is_hostile, is_tainted
from assistant.question import SPEECH, TIME_WORDS, QuestionTerms, answers_kind, prefers
from assistant.retrieval import RetrievedChunk
from assistant.text import content_terms, numbers, words
from index.embedding import Embedder
from index.sentences import split_sentences

MIN_SENTENCE_CHARS = 30
MAX_PAIR_CHARS = 480
DENSE_WEIGHT = 0.55
COVERAGE_WEIGHT = 0.45
PAIR_PENALTY = 0.02
CONTEXT_CREDIT = 0.5
TAINT_PENALTY = 0.2
COVERAGE_FLOOR = 0.9
NAMED_FLOOR = 0.6
LEAD_IN_CHARS = 400
DIVERSITY_BONUS = 0.03
PREFERRED_FLOOR = 0.65


@dataclass
class Quote:
    """A candidate quote: one or two consecutive sentences of an article, with their credit."""

    text: str
    article_id: str
    start: int
    end: int
    outlet: str | None
    title: str | None
    published: date | None
    source: str
    url: str | None
    context: str = ""
    lead_in: str = ""
    sentences: int = 1
    suspect: bool = False
    score: float = 0.0
    dense: float = 0.0
    coverage: float = 0.0
    missing: list[str] = field(default_factory=list)
    answers_kind: bool = True
    preferred: bool = False


class SentenceEmbeddingCache:
    """An LRU cache of sentence vectors, so repeated evidence is embedded once."""

    def __init__(self, embedder: Embedder, size: int = 20_000) -> None:
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()

    def vectors(self, keys: list[tuple[str, int, int]], texts: list[str]) -> np.ndarray:
        """Return one vector per (article id, start, end) key, embedding the misses in one batch."""
        missing = [i for i, key in enumerate(keys) if key not in self._cache]
        if missing:
            fresh = self.embedder.embed_batch([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                self._cache[keys[i]] = vector
        for key in keys:
            self._cache.move_to_end(key)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([self._cache[key] for key in keys])


def candidate_quotes(chunks: list[RetrievedChunk], articles: Mapping[str, str] | None = None) -> list[Quote]:
    """Quote candidates from retrieved chunks: each clean sentence, and each pair of neighbours.

    Sentences in quarantine (instructions, markup, payloads) are never candidates, and the other
    sentences of their article are marked suspect. With the articles' texts, each quote keeps the
    passage that leads up to it (where 'he said' finds its 'he').
    """
    quotes: list[Quote] = []
    seen: set[tuple[str, int, int]] = set()
    suspects: set[str] = set()
    for item in chunks:
        chunk = item.chunk
        spans = []
        for span in split_sentences(chunk.text):
            sentence = chunk.text[span[0] : span[1]]
            if is_hostile(sentence):
                suspects.add(chunk.article_id)
            elif span[1] - span[0] >= MIN_SENTENCE_CHARS and not is_tainted(sentence):
                spans.append(span)
        windows = [(s, 1) for s in spans] + [
            ((a[0], b[1]), 2) for a, b in pairwise(spans) if b[1] - a[0] <= MAX_PAIR_CHARS
        ]
        for (start, end), size in windows:
            key = (chunk.article_id, chunk.start + start, chunk.start + end)
            if key in seen or is_tainted(chunk.text[start:end]):
                continue
            seen.add(key)
            quotes.append(
                Quote(
                    text=chunk.text[start:end],
                    article_id=chunk.article_id,
                    start=key[1],
                    end=key[2],
                    outlet=chunk.outlet,
                    title=chunk.title,
                    published=chunk.published,
                    source=chunk.source,
                    url=chunk.url,
                    context=chunk.text,
                    sentences=size,
                )
            )
    for quote in quotes:
        quote.suspect = quote.article_id in suspects
        text = (articles or {}).get(quote.article_id)
        quote.lead_in = text[max(0, quote.start - LEAD_IN_CHARS) : quote.start] if text else ""
    return quotes


def score_quotes(
    quotes: list[Quote], terms: QuestionTerms, question_vector: np.ndarray, vectors: np.ndarray
) -> None:
    """Score each quote by meaning (dense similarity) and by how many question terms it covers."""
    if not quotes:
        return
    similarities = vectors @ np.asarray(question_vector, dtype=np.float32)
    context_terms: dict[str, set[str]] = {}
    for quote, similarity in zip(quotes, similarities, strict=True):
        present = set(content_terms(quote.text)) | _date_terms(quote.published)
        if quote.context not in context_terms:
            context_terms[quote.context] = set(content_terms(quote.context)) | set(
                content_terms(quote.title or "")
            )
        quote.preferred = prefers(terms, quote.text, quote.lead_in)
        if quote.preferred and terms.speaker:
            present.add(terms.speaker)  # 'he said', resolved to the speaker named just before
        nearby = context_terms[quote.context] | present
        quote.dense = float(similarity)
        quote.coverage, quote.missing = _coverage(terms, present, nearby, quote.text)
        quote.score = DENSE_WEIGHT * quote.dense + COVERAGE_WEIGHT * quote.coverage
        quote.score += _kind_bonus(terms.kind, quote.text)
        quote.score -= PAIR_PENALTY * (quote.sentences - 1) + TAINT_PENALTY * quote.suspect
        quote.answers_kind = answers_kind(terms, quote.text)


def _date_terms(published: date | None) -> set[str]:
    """Terms of a publication date (day, month name, year): part of every quote's credit."""
    if published is None:
        return set()
    return set(content_terms(published.strftime("%-d %B %Y")))


def _coverage(
    terms: QuestionTerms, present: set[str], nearby: set[str], text: str
) -> tuple[float, list[str]]:
    """Weighted share of question terms a quote covers.

    Focus terms weigh 2 and names 3; found only in the surrounding passage they earn half. Terms
    carried over from earlier turns weigh 1 and may be found anywhere in the passage.
    """
    weights = {t: 2.0 for t in terms.focus} | {t: 1.0 for t in terms.context}
    for name in terms.names:
        weights[name] = 3.0
    if not weights:
        return 0.0, []
    text_numbers = numbers(text)
    earned = 0.0
    missing = []
    for term, weight in weights.items():
        if term in present or (term.isdigit() and term in text_numbers):
            earned += weight
        elif term in nearby:
            earned += weight if term in terms.context else weight * CONTEXT_CREDIT
        else:
            missing.append(term)
    return earned / sum(weights.values()), missing


def _kind_bonus(kind: str, text: str) -> float:
    """A small nudge towards sentences of the kind the question asks for."""
    if kind == "who-said" and SPEECH.search(text):
        return 0.04
    if kind == "when" and TIME_WORDS.search(text):
        return 0.04
    if kind == "number" and any(w.isdigit() for w in words(text)):
        return 0.04
    return 0.0


def select_quotes(
    quotes: list[Quote],
    limit: int,
    relative_floor: float = 0.9,
    named_outlets: tuple[str, ...] = (),
) -> list[Quote]:
    """Pick the best quotes: the top one, the best of each outlet the question names, then
    near-best ones, preferring outlets not yet quoted and never overlapping text."""
    ranked = sorted(quotes, key=lambda q: (-q.answers_kind, -q.score))
    if not ranked:
        return []
    best = ranked[0].score
    if named_outlets:
        own = [q for q in ranked if q.outlet in named_outlets and q.score >= best * NAMED_FLOOR]
        ranked = own + [q for q in ranked if q not in own]
    favoured = [
        q
        for q in ranked
        if q.preferred and q.answers_kind == ranked[0].answers_kind and q.score >= best * PREFERRED_FLOOR
    ]
    if favoured:
        ranked.remove(favoured[0])
        ranked.insert(0, favoured[0])
    chosen: list[Quote] = [ranked[0]]
    for outlet in named_outlets:
        if len(chosen) >= limit or any(q.outlet == outlet for q in chosen):
            continue
        own = [
            q
            for q in ranked
            if q.outlet == outlet
            and q.score >= best * NAMED_FLOOR
            and not any(_overlaps(q, c) for c in chosen)
        ]
        if own:
            chosen.append(own[0])
    first = chosen[0]
    pool = [
        q
        for q in ranked[1:]
        if q not in chosen
        and q.answers_kind
        and q.score >= first.score * relative_floor
        and q.coverage >= first.coverage * COVERAGE_FLOOR
        and (not named_outlets or q.outlet in named_outlets)
        and (q.preferred or not first.preferred)
    ]
    while pool and len(chosen) < limit:
        outlets = {q.outlet for q in chosen}
        pool.sort(key=lambda q: -(q.score + (DIVERSITY_BONUS if q.outlet not in outlets else 0.0)))
        candidate = pool.pop(0)
        if not any(_overlaps(candidate, q) for q in chosen):
            chosen.append(candidate)
    return _with_competing_versions(chosen, ranked, limit + 1)


_QUOTED_WORDS = re.compile(r"[\"“]([^\"”]{15,})[\"”]")


def _shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
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


def _overlaps(a: Quote, b: Quote) -> bool:
    """True when two quotes share text: overlapping spans or near-identical wording."""
    if a.article_id == b.article_id and a.start < b.end and b.start < a.end:
        return True
    terms_a, terms_b = set(content_terms(a.text)), set(content_terms(b.text))
    if not terms_a or not terms_b:
        return False
    return len(terms_a & terms_b) / min(len(terms_a), len(terms_b)) > 0.8
