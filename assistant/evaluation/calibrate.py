"""`eval --calibrate`: the best evidence scores of answerable vs must-decline questions.

The engine declines when its best quote scores below the threshold, and a declined Answer names
its closest articles with that quote score. Asking with the threshold set impossibly high makes
every question decline, so `closest` carries the best quote score of every question.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from assistant.evaluation.questions import GoldQuestion
from assistant.evaluation.runner import AskFn, ask_gold
from assistant.types import Answer


def best_scores(answer: Answer) -> tuple[float | None, float | None]:
    """(best quote score from `closest`, best retrieval score) of an answer; None when absent."""
    quote = max((ref.score for ref in answer.closest), default=None)
    retrieval = max((ref.score for ref in answer.retrieved), default=None)
    return quote, retrieval


def calibrate(
    questions: Sequence[GoldQuestion],
    ask_scores: AskFn,
    ask_current: AskFn | None = None,
    current: float | None = None,
) -> str:
    """Tabulate each question's best scores (ask_scores must decline everything) and summarise."""
    lines = [f"{'id':<16} {'answerable':<10} {'declined':<8} {'quote':>7} {'retrieval':>9}"]
    groups: dict[bool, list[float]] = {True: [], False: []}
    for gold in questions:
        quote, retrieval = best_scores(ask_gold(ask_scores, gold))
        declined = "-" if ask_current is None else "yes" if ask_gold(ask_current, gold).refused else "no"
        if quote is not None:
            groups[gold.answerable].append(quote)
        lines.append(
            f"{gold.id:<16} {'yes' if gold.answerable else 'no':<10} {declined:<8} "
            f"{_num(quote):>7} {_num(retrieval):>9}"
        )
    lines += ["", "best quote score         n     min     p25  median     p75     max"]
    for answerable, label in ((True, "answerable"), (False, "must decline")):
        values = sorted(groups[answerable])
        quartiles = [_quantile(values, q) for q in (0, 0.25, 0.5, 0.75, 1)]
        cells = " ".join(f"{_num(v):>7}" for v in quartiles)
        lines.append(f"{label:<20} {len(values):>5} {cells}")
    lines.append("")
    if current is not None:
        lines.append(f"current threshold {current:.4f}: {_errors(groups, current)}")
    best = suggest_threshold(groups[True], groups[False])
    if best is not None:
        lines.append(f"fewest errors at {best:.4f}: {_errors(groups, best)}")
    lines.append("'declined' is the engine's own decision (every bar it applies, not the score alone);")
    lines.append("questions declined before retrieval, such as instructions, have no score.")
    return "\n".join(lines)


def suggest_threshold(answerable: Sequence[float], must_decline: Sequence[float]) -> float | None:
    """The threshold (answer when score >= it) with the fewest errors, midway between scores."""
    scores = sorted(set(answerable) | set(must_decline))
    if not scores:
        return None
    candidates = [scores[0]] + [(a + b) / 2 for a, b in pairwise(scores)]
    candidates.append(scores[-1] + 1e-6)

    def errors(t: float) -> int:
        return sum(s < t for s in answerable) + sum(s >= t for s in must_decline)

    return min(candidates, key=lambda t: (errors(t), -t))


def _errors(groups: dict[bool, list[float]], threshold: float) -> str:
    """'2 answerable would be declined, 1 must-decline would be answered'."""
    declined = sum(s < threshold for s in groups[True])
    answered = sum(s >= threshold for s in groups[False])
    return f"{declined} answerable would be declined, {answered} must-decline would be answered"


def _quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile of sorted values (linear interpolation), None when empty."""
    if not values:
        return None
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _num(value: float | None) -> str:
    """A score with 4 decimals, '-' when absent."""
    return "-" if value is None else f"{value:.4f}"
