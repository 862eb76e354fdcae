"""Comparing a run with the previous one: the metrics and questions that got worse."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.evaluation.metrics import HIGHER_IS_BETTER, Summary
from assistant.evaluation.runner import EvalRun
from assistant.evaluation.thresholds import (
    LATENCY_TOLERANCE_MS,
    LATENCY_TOLERANCE_RATIO,
    SCORE_TOLERANCE,
)


@dataclass(frozen=True)
class Change:
    """One metric now and in the previous run."""

    metric: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        """after - before, None when either is missing."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def regressed(self) -> bool:
        """True when the metric moved the wrong way by more than the tolerance."""
        delta = self.delta
        if delta is None:
            return False
        if self.metric.startswith("latency"):
            limit = max(LATENCY_TOLERANCE_MS, LATENCY_TOLERANCE_RATIO * (self.before or 0.0))
            return delta > limit
        if HIGHER_IS_BETTER.get(self.metric, True):
            return delta < -SCORE_TOLERANCE
        return delta > SCORE_TOLERANCE


def compare(current: Summary, previous: Summary | None) -> dict[str, Change]:
    """Every metric of the current summary with its previous value (None without a previous run)."""
    return {
        key: Change(key, previous.value(key) if previous else None, current.value(key))
        for key in current.metrics
    }


def regressed_metrics(current: Summary, previous: Summary | None) -> list[Change]:
    """The metrics that got worse since the previous run."""
    return [change for change in compare(current, previous).values() if change.regressed]


def regressed_questions(current: EvalRun, previous: EvalRun | None) -> list[str]:
    """Ids of questions that passed in the previous run and fail now."""
    if previous is None:
        return []
    passed_before = {r.id for r in previous.results if r.passed}
    return [r.id for r in current.results if r.id in passed_before and not r.passed]


def fixed_questions(current: EvalRun, previous: EvalRun | None) -> list[str]:
    """Ids of questions that failed in the previous run and pass now."""
    if previous is None:
        return []
    failed_before = {r.id for r in previous.results if not r.passed}
    return [r.id for r in current.results if r.id in failed_before and r.passed]
