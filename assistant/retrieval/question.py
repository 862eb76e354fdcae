"""Spelling correction of question terms against the corpus vocabulary."""

from __future__ import annotations

from assistant.text import lemma_stems

_LEMMA_STEMS = lemma_stems()
# A term of three letters or fewer is not corrected: one edit turns it into another real word.
MIN_CORRECTED_LENGTH = 4
# From this length a word may carry two typos and still be told from its neighbours; shorter ones one.
TWO_EDITS_LENGTH = 7


def correct(term: str, vocabulary: frozenset[str]) -> str:
    """Return term if the corpus knows it, else a known term within 1 (or 2, if long) edits."""
    if term in vocabulary or term.isdigit() or term in _LEMMA_STEMS:
        return term
    if len(term) < MIN_CORRECTED_LENGTH:
        return ""
    limit = 1 if len(term) < TWO_EDITS_LENGTH else 2
    best, best_distance = term, limit + 1
    for known in vocabulary:
        if abs(len(known) - len(term)) > limit or known[0] != term[0]:
            continue
        distance = _edit_distance(term, known, limit)
        # Equally near terms: the alphabetically first, so the choice never depends on set order.
        if distance <= limit and (distance, known) < (best_distance, best):
            best, best_distance = known, distance
    return best


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it exceeds limit."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
