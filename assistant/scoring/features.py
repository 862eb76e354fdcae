"""What the evidence model sees of a quote: one row of numbers per candidate, named in FEATURES.

Every feature is a general signal of a sentence answering a question in any news corpus: how
close it is in meaning, which question terms and names it repeats, whether it holds a new entity
of the kind the question asks for (a person for 'who', a number for 'how many'), who it quotes,
where it stands in its article, and how its passage ranked in retrieval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from assistant.retrieval.timeframe import Window
from assistant.text import content_terms

FEATURES: tuple[str, ...] = (
    "dense",
    "chunk_dense",
    "fused_rank",
    "lexical_rank",
    "coverage",
    "name_coverage",
    "context_coverage",
    "title_coverage",
    "type_match",
    "typed",
    "novel_entities",
    "has_number",
    "position",
    "length",
    "pair",
    "speaker_match",
    "quoted",
    "outlet_named",
    "suspect",
    "dated",
    "in_window",
    "recency",
)
_QUOTE_MARKS = re.compile(r"[\"“”]")
_DIGIT = re.compile(r"\d")
NOVEL_ENTITY_CAP = 4  # entities beyond four add nothing: a list of names is not more of an answer
IGNORED_LABELS = frozenset({"ORDINAL"})  # 'first', 'second' rarely answer anything alone
# log1p of a quote's length in characters (about 3.5 to 6.5 for 30 to 600) over this stays within
# 0..1 like the other features, so the fitted weights are comparable.
LENGTH_SCALE = 10
RECENCY_DAYS = 7  # a news week; it ranked best of the scales tried on the tuning half (docs/experiments.md)


@dataclass(frozen=True)
class QuestionInfo:
    """What scoring needs of a question: its terms, names, expected answer labels, named outlets."""

    text: str
    focus_terms: tuple[str, ...]
    context_terms: tuple[str, ...]
    names: tuple[str, ...]
    labels: frozenset[str]
    outlets: tuple[str, ...] = ()
    rarity: tuple[tuple[str, float], ...] = ()  # (term, inverse document frequency in the index)
    window: Window | None = None  # the publication days its 'this week', 'on Sunday' point to


@dataclass(frozen=True)
class Observation:
    """One candidate quote as scoring sees it (built by the evidence step from a Quote)."""

    text: str
    context: str
    title: str
    entities: tuple[tuple[str, str], ...]
    speakers: tuple[str, ...]
    dense: float
    chunk_dense: float
    chunk_rank: int
    lexical_rank: int | None
    position: float
    sentences: int
    outlet: str | None
    suspect: bool
    published: date | None = None


def features(question: QuestionInfo, observations: Sequence[Observation]) -> np.ndarray:
    """The feature matrix: one row per observation, one column per name in FEATURES."""
    recency = _recency(observations)
    rows = [_row(question, o, r) for o, r in zip(observations, recency, strict=True)]
    if not rows:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    return np.asarray(rows, dtype=np.float64)


def _recency(observations: Sequence[Observation]) -> list[float]:
    """How recent each candidate's article is beside the latest dated candidate (1 = as recent;
    undated ones get the median of the dated, as nothing says they are older or newer)."""
    dated = [o.published for o in observations if o.published is not None]
    if not dated:
        return [1.0] * len(observations)
    newest = max(dated)
    values = {d: math.exp(-(newest - d).days / RECENCY_DAYS) for d in set(dated)}
    typical = float(np.median([values[d] for d in dated]))
    return [typical if o.published is None else values[o.published] for o in observations]


def _row(question: QuestionInfo, o: Observation, recency: float) -> list[float]:
    """One observation's features, in the order of FEATURES."""
    asked = set(question.focus_terms) | set(question.context_terms)
    present = set(content_terms(o.text))
    around = set(content_terms(o.context))
    title = set(content_terms(o.title))
    novel = [(text, label) for text, label in o.entities if _is_novel(text, asked)]
    novel = [(t, label) for t, label in novel if label not in IGNORED_LABELS]
    share = _Share(question)
    values = {
        "dense": o.dense,
        "chunk_dense": o.chunk_dense,
        "fused_rank": 1.0 / (1 + o.chunk_rank),
        "lexical_rank": 0.0 if o.lexical_rank is None else 1.0 / (1 + o.lexical_rank),
        "coverage": share(question.focus_terms, present),
        "name_coverage": share(question.names, present),
        "context_coverage": share(question.focus_terms, around | title | present),
        "title_coverage": share(question.focus_terms, title),
        "type_match": float(any(label in question.labels for _, label in novel)),
        "typed": float(bool(question.labels)),
        "novel_entities": min(len(novel), NOVEL_ENTITY_CAP) / NOVEL_ENTITY_CAP,
        "has_number": float(bool(_DIGIT.search(o.text))),
        "position": o.position,
        "length": math.log1p(len(o.text)) / LENGTH_SCALE,
        "pair": float(o.sentences > 1),
        "speaker_match": float(_speaker_named(o.speakers, question.names)),
        "quoted": float(bool(_QUOTE_MARKS.search(o.text))),
        "outlet_named": float(bool(o.outlet) and o.outlet in question.outlets),
        "suspect": float(o.suspect),
        "dated": float(question.window is not None),
        "in_window": float(question.window is not None and question.window.holds(o.published)),
        "recency": recency,
    }
    return [values[name] for name in FEATURES]


class _Share:
    """The rarity-weighted share of terms present: rare terms say what a question is about."""

    def __init__(self, question: QuestionInfo) -> None:
        self._weights = dict(question.rarity)

    def __call__(self, terms: Sequence[str], present: set[str]) -> float:
        """The weighted share of terms present (0 when there are none)."""
        if not terms:
            return 0.0
        total = sum(self._weights.get(t, 1.0) for t in terms)
        return sum(self._weights.get(t, 1.0) for t in terms if t in present) / total


def _is_novel(entity: str, asked: set[str]) -> bool:
    """True when an entity adds something the question did not already say."""
    terms = content_terms(entity)
    if not terms:
        return bool(_DIGIT.search(entity))
    return not all(t in asked for t in terms)


def _speaker_named(speakers: Sequence[str], names: Sequence[str]) -> bool:
    """True when someone the sentence quotes is someone the question names."""
    wanted = set(names)
    return bool(wanted) and any(wanted & set(content_terms(s)) for s in speakers)
