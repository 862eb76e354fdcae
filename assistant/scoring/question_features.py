"""Question-level signals: what a question asks, and whether the best evidence answers it at all."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date

import numpy as np

from assistant.retrieval.question import correct
from assistant.retrieval.timeframe import Window, question_window, reference_day
from assistant.scoring.features import FEATURES, QuestionInfo
from assistant.scoring.nlp import expected_labels
from assistant.text import content_terms

ANSWERABILITY_FEATURES: tuple[str, ...] = (
    "top_p",
    "second_p",
    "top3_mean_p",
    "top_coverage",
    "top_name_coverage",
    "top_dense",
    "best_chunk_dense",
    "best_coverage",
    "best_context_coverage",
    "typed",
    "unmatched_rarity",
)
_CAPITALISED = re.compile(r"[A-Za-z][\w'’\-]*|\d[\d,.]*")
_QUESTION_WORDS = frozenset(
    (
        "i", "what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "does",
        "do", "is", "are", "was", "were", "according",
    )
)  # fmt: skip


def question_info(
    question: str,
    focus: str | None = None,
    outlets: Sequence[str] = (),
    vocabulary: frozenset[str] = frozenset(),
    rarity: Callable[[list[str]], dict[str, float]] | None = None,
    as_of: date | None = None,
) -> QuestionInfo:
    """Analyse a standalone question; `focus` is a follow-up's own words (else the question).

    `rarity` gives each term's weight (the index's inverse document frequency); `as_of` is the
    day asked on (None = today), from which 'this week' or 'on Sunday' are read.
    """
    window = question_window(question, reference_day(as_of))
    own = _without_phrase(focus or question, window)
    question_text = _without_phrase(question, window)
    outlet_terms = {t for o in outlets for t in content_terms(o)}

    def fixed(terms: list[str]) -> list[str]:
        found = [correct(t, vocabulary) if vocabulary else t for t in terms]
        return [t for t in dict.fromkeys(found) if t and t not in outlet_terms]

    focus_terms = fixed(content_terms(own))
    context_terms = [t for t in fixed(content_terms(question_text)) if t not in focus_terms]
    weights = rarity(focus_terms + context_terms) if rarity else {}
    return QuestionInfo(
        text=question,
        focus_terms=tuple(focus_terms),
        context_terms=tuple(context_terms),
        names=tuple(t for t in fixed(_names(own)) if t in focus_terms),
        labels=expected_labels(own),
        outlets=tuple(outlets),
        rarity=tuple(weights.items()),
        window=window,
    )


def _without_phrase(text: str, window: Window | None) -> str:
    """The text without the words that say when ('this week'): they tell the day, not the topic."""
    if window is None:
        return text
    return re.sub(re.escape(window.phrase), " ", text, count=1, flags=re.IGNORECASE)


def _names(text: str) -> list[str]:
    """Terms of capitalised words past the first, and numbers: what an answer must mention."""
    found: list[str] = []
    for index, token in enumerate(_CAPITALISED.findall(text)):
        is_name = index > 0 and token[0].isupper() and token.lower() not in _QUESTION_WORDS
        if token[0].isdigit() or is_name:
            found.extend(content_terms(token))
    return list(dict.fromkeys(found))


def unmatched_rarity(question: QuestionInfo, passages: Iterable[str]) -> float:
    """How rare the rarest name of the question that no passage holds is, beside the question's
    rarest term: near 1 when its most specific name appears nowhere in what was retrieved (the
    articles are about someone or something else), 0 when every name appears somewhere. Only
    names count: a missing common word is more often the question's own paraphrase."""
    weights = dict(question.rarity)
    names = [term for term in question.names if term in weights]
    if not names:
        return 0.0
    present: set[str] = set()
    for text in passages:
        present.update(content_terms(text))
    missing = [weights[term] for term in names if term not in present]
    return max(missing, default=0.0) / (max(weights.values()) or 1.0)


def answerability_features(probabilities: np.ndarray, rows: np.ndarray, unmatched: float = 0.0) -> np.ndarray:
    """One row of question-level features from the evidence rows and their probabilities, and
    the question's `unmatched_rarity` over the candidate quotes."""
    if rows.shape[0] == 0:
        return np.zeros((1, len(ANSWERABILITY_FEATURES)))
    order = np.argsort(-probabilities)
    top = rows[order[0]]
    column = {name: i for i, name in enumerate(FEATURES)}
    p = probabilities[order]
    values = {
        "top_p": p[0],
        "second_p": p[1] if len(p) > 1 else 0.0,
        "top3_mean_p": float(np.mean(p[:3])),
        "top_coverage": top[column["coverage"]],
        "top_name_coverage": top[column["name_coverage"]],
        "top_dense": top[column["dense"]],
        "best_chunk_dense": float(rows[:, column["chunk_dense"]].max()),
        "best_coverage": float(rows[:, column["coverage"]].max()),
        "best_context_coverage": float(rows[:, column["context_coverage"]].max()),
        "typed": top[column["typed"]],
        "unmatched_rarity": unmatched,
    }
    return np.asarray([[values[name] for name in ANSWERABILITY_FEATURES]], dtype=np.float64)


def answerability_row(
    probabilities: np.ndarray, rows: np.ndarray, retrieved: np.ndarray, unmatched: float
) -> np.ndarray:
    """The answerability model's features over the retrieved candidates only: context added beside
    them helps find the answering sentence, but says nothing new about whether the corpus covers
    the question (fitted this way on the tuning half)."""
    return answerability_features(probabilities[retrieved], rows[retrieved], unmatched)
