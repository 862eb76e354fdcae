"""Evidence: the sentences that best answer a question, diverse across outlets, as quote candidates."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from assistant.retrieval import RetrievedChunk
from assistant.text import content_terms, numbers, words
from index.embedding import Embedder
from index.sentences import split_sentences

MIN_SENTENCE_CHARS = 30
DENSE_WEIGHT = 0.55
COVERAGE_WEIGHT = 0.45
_SPEECH = re.compile(r"\b(said|says|told|stated|stressed|noted|added|announced|pointed out)\b", re.I)
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
    r"thousands?|millions?|billions?|half|several|first|second|third)\b",
    re.I,
)
_PERSON_NAME = re.compile(r"(?<![\w-])[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+(?![\w-])")
_TIME = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|midnight|\d{4}|week|month|year)\b",
    re.I,
)


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
    score: float = 0.0
    dense: float = 0.0
    coverage: float = 0.0
    missing: list[str] = field(default_factory=list)
    answers_kind: bool = True


@dataclass
class QuestionTerms:
    """The terms of a question: its own focus terms and, for follow-ups, terms from context."""

    focus: list[str]
    context: list[str]
    names: list[str]
    kind: str
    question: str = ""

    @classmethod
    def of(
        cls,
        question: str,
        focus_text: str | None = None,
        vocabulary: frozenset[str] | None = None,
        outlet_terms: frozenset[str] = frozenset(),
    ) -> QuestionTerms:
        """Analyse a (standalone) question; focus_text is the follow-up's own words, if any.

        With the corpus vocabulary, misspelt terms are corrected to a known term one or two edits
        away; outlet names in the question are attribution, not content to match.
        """
        focus_source = focus_text or question

        def fix(terms: list[str]) -> list[str]:
            fixed = [_correct(t, vocabulary) if vocabulary else t for t in terms]
            return [t for t in dict.fromkeys(fixed) if t and t not in outlet_terms]

        focus = fix(content_terms(focus_source))
        context = [t for t in fix(content_terms(question)) if t not in focus]
        names = [t for t in fix(_names(focus_source)) if t in focus]
        return cls(focus, context, names, _kind(focus_source), question)


def _correct(term: str, vocabulary: frozenset[str]) -> str:
    """Return term if the corpus knows it, else a known term within 1 (or 2, if long) edits."""
    if term in vocabulary or term.isdigit():
        return term
    if len(term) <= 3:
        return ""
    limit = 1 if len(term) < 7 else 2
    best, best_distance = term, limit + 1
    for known in vocabulary:
        if abs(len(known) - len(term)) > limit or known[0] != term[0]:
            continue
        distance = _edit_distance(term, known, limit)
        if distance < best_distance:
            best, best_distance = known, distance
    return best


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it exceeds limit."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _names(text: str) -> list[str]:
    """Capitalised words past the first, and numbers: things an answer must mention."""
    tokens = re.findall(r"[A-Za-z][\w'’\-]*|\d[\d,.]*", text)
    found = []
    for index, token in enumerate(tokens):
        if token[0].isdigit() or (index > 0 and token[0].isupper() and token.lower() not in _CAPS_OK):
            found.extend(content_terms(token))
    return list(dict.fromkeys(found))


_CAPS_OK = {"i", "what", "who", "when", "where", "why", "how", "which", "did", "does", "according"}


def _kind(question: str) -> str:
    """A coarse question type: who-said, when, number or other."""
    lowered = question.lower()
    if re.search(r"\bhow (many|much)\b|\bnumber of\b|\bhow long\b|\bwhat year\b", lowered):
        return "number"
    if re.search(r"\b(what|which) (is|was) the name\b|\bnamed?\b.*\bwho\b", lowered):
        return "name"
    if re.search(r"\bwhen\b|\b(what|which) (date|day|time|month)\b", lowered):
        return "when"
    if re.search(r"\bwho\b.*\b(said|say|says|told|called|stated)\b|\bwhat did .* (say|tell)\b", lowered):
        return "who-said"
    return "other"


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


def candidate_quotes(chunks: list[RetrievedChunk]) -> list[Quote]:
    """Split retrieved chunks into sentence-level quote candidates (short ones joined to the next)."""
    quotes: list[Quote] = []
    seen: set[tuple[str, int]] = set()
    for item in chunks:
        chunk = item.chunk
        spans = split_sentences(chunk.text)
        index = 0
        while index < len(spans):
            start, end = spans[index]
            if end - start < MIN_SENTENCE_CHARS and index + 1 < len(spans):
                end = spans[index + 1][1]
                index += 1
            index += 1
            text = chunk.text[start:end]
            if end - start < MIN_SENTENCE_CHARS or "\n\n" in text:
                continue
            key = (chunk.article_id, chunk.start + start)
            if key in seen:
                continue
            seen.add(key)
            quotes.append(
                Quote(
                    text=text,
                    article_id=chunk.article_id,
                    start=chunk.start + start,
                    end=chunk.start + end,
                    outlet=chunk.outlet,
                    title=chunk.title,
                    published=chunk.published,
                    source=chunk.source,
                    url=chunk.url,
                )
            )
    return quotes


def score_quotes(
    quotes: list[Quote], terms: QuestionTerms, question_vector: np.ndarray, vectors: np.ndarray
) -> None:
    """Score each quote by meaning (dense similarity) and by how many question terms it covers."""
    if not quotes:
        return
    similarities = vectors @ np.asarray(question_vector, dtype=np.float32)
    for quote, similarity in zip(quotes, similarities, strict=True):
        present = set(content_terms(quote.text)) | set(content_terms(quote.title or ""))
        quote.dense = float(similarity)
        quote.coverage, quote.missing = _coverage(terms, present, quote.text)
        quote.score = DENSE_WEIGHT * quote.dense + COVERAGE_WEIGHT * quote.coverage
        quote.score += _kind_bonus(terms.kind, quote.text)
        quote.answers_kind = answers_kind(terms.kind, quote.text, terms.question)


def _coverage(terms: QuestionTerms, present: set[str], text: str) -> tuple[float, list[str]]:
    """Weighted share of question terms found in a quote (focus terms count double)."""
    weights = {t: 2.0 for t in terms.focus} | {t: 1.0 for t in terms.context}
    for name in terms.names:
        weights[name] = 3.0
    if not weights:
        return 0.0, []
    text_numbers = numbers(text)
    found = {t for t in weights if t in present or (t.isdigit() and t in text_numbers)}
    missing = [t for t in weights if t not in found]
    return sum(weights[t] for t in found) / sum(weights.values()), missing


def answers_kind(kind: str, text: str, question: str) -> bool:
    """True when a quote holds the kind of thing asked for: a number, a time, or a name."""
    if kind == "number":
        return bool(numbers(text)) or bool(_NUMBER_WORDS.search(text))
    if kind == "when":
        return bool(_TIME.search(text)) or bool(numbers(text))
    if kind == "name":
        asked = question.lower()
        return any(name.lower() not in asked for name in _PERSON_NAME.findall(text))
    return True


def _kind_bonus(kind: str, text: str) -> float:
    """A small nudge towards sentences of the kind the question asks for."""
    if kind == "who-said" and _SPEECH.search(text):
        return 0.04
    if kind == "when" and _TIME.search(text):
        return 0.04
    if kind == "number" and any(w.isdigit() for w in words(text)):
        return 0.04
    return 0.0


def select_quotes(
    quotes: list[Quote],
    limit: int,
    relative_floor: float = 0.82,
    named_outlets: tuple[str, ...] = (),
) -> list[Quote]:
    """Pick the best quotes: the top one, the best of each outlet the question names, then
    near-best ones, preferring outlets not yet quoted."""
    ranked = sorted(quotes, key=lambda q: (-q.answers_kind, -q.score))
    if not ranked:
        return []
    best = ranked[0].score
    chosen: list[Quote] = [ranked[0]]
    for outlet in named_outlets:
        if len(chosen) >= limit or any(q.outlet == outlet for q in chosen):
            continue
        own = [q for q in ranked if q.outlet == outlet and q.score >= best * 0.6]
        if own and not any(_overlaps(own[0], q) for q in chosen):
            chosen.append(own[0])
    pool = [
        q
        for q in ranked[1:]
        if q not in chosen and q.score >= best * relative_floor and q.score > 0 and q.answers_kind
    ]
    while pool and len(chosen) < limit:
        outlets = {q.outlet for q in chosen}
        pool.sort(key=lambda q: -(q.score + (0.05 if q.outlet not in outlets else 0.0)))
        candidate = pool.pop(0)
        if not any(_overlaps(candidate, q) for q in chosen):
            chosen.append(candidate)
    return chosen


def _overlaps(a: Quote, b: Quote) -> bool:
    """True when two quotes share text: the same span or near-identical wording."""
    if a.article_id == b.article_id and a.start < b.end and b.start < a.end:
        return True
    terms_a, terms_b = set(content_terms(a.text)), set(content_terms(b.text))
    if not terms_a or not terms_b:
        return False
    return len(terms_a & terms_b) / min(len(terms_a), len(terms_b)) > 0.8
