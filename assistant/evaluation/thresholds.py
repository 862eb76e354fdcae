"""The CI gate: every threshold the eval must meet, kept in this one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.evaluation.metrics import LABELS, Summary

_EPSILON = 1e-9


@dataclass(frozen=True)
class Threshold:
    """A bound on one metric: at least (`min`) or at most (`max`) the given value."""

    metric: str
    bound: float
    kind: Literal["min", "max"] = "min"

    def passes(self, value: float) -> bool:
        """True when the value meets the bound."""
        if self.kind == "min":
            return value >= self.bound - _EPSILON
        return value <= self.bound + _EPSILON

    def describe(self) -> str:
        """'>= 0.90' or '<= 0.05'."""
        return f"{'>=' if self.kind == 'min' else '<='} {self.bound:.2f}"


THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.90),
    Threshold("citation_precision", 1.00),
    Threshold("outlet_accuracy", 1.00),
    Threshold("decline_recall", 0.90),
    Threshold("false_decline_rate", 0.05, "max"),
)
BY_METRIC = {t.metric: t for t in THRESHOLDS}

# The dev set's check half (questions and articles written by others): what a user's own corpus
# can expect. Quotes must all be verbatim; answers right at least 65% of the time; at most one
# answerable question in ten declined; at least nine unanswerables in ten declined.
DEV_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.65),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.90),
    Threshold("false_decline_rate", 0.10, "max"),
)

# A metric is marked as regressed against the previous run when it moved the wrong way by more
# than this: any drop in a score; latency only when over 25% and 20 ms slower (timing noise).
SCORE_TOLERANCE = 1e-9
LATENCY_TOLERANCE_RATIO = 0.25
LATENCY_TOLERANCE_MS = 20.0


@dataclass(frozen=True)
class GateFailure:
    """A metric that missed its threshold, and by how much."""

    metric: str
    value: float
    threshold: Threshold

    @property
    def shortfall(self) -> float:
        """How far the value is on the wrong side of the bound."""
        return abs(self.value - self.threshold.bound)

    def message(self) -> str:
        """'answer accuracy 0.873 is below the threshold 0.90 by 0.027'."""
        side = "below" if self.threshold.kind == "min" else "above"
        return (
            f"{LABELS.get(self.metric, self.metric)} {self.value:.3f} is {side} the threshold "
            f"{self.threshold.bound:.2f} by {self.shortfall:.3f}"
        )


def check_gate(summary: Summary, thresholds: tuple[Threshold, ...] = THRESHOLDS) -> list[GateFailure]:
    """The metrics that miss their thresholds (metrics with nothing to measure are skipped)."""
    failures = []
    for threshold in thresholds:
        value = summary.value(threshold.metric)
        if value is not None and not threshold.passes(value):
            failures.append(GateFailure(threshold.metric, value, threshold))
    return failures
