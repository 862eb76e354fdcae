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


# The gold questions over the seeds are a regression set, not the target: the floors sit at issue
# G's bars (>= 0.90 answer accuracy and decline recall), which the fitted model meets; the figures
# that set each floor are in docs/experiments.md.
THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.90),
    Threshold("citation_verbatim", 1.00),
    Threshold("citation_precision", 0.85),
    Threshold("outlet_accuracy", 0.95),
    Threshold("decline_recall", 0.90),
    Threshold("false_decline_rate", 0.05, "max"),
    # The generated text alone, before the verified quotes are appended: for the extractive
    # generator it is the quotes; a 270M model's own sentences are rarely right, so this floor only
    # catches a regression of the local prompt or the verifier.
    Threshold("prose_accuracy", 0.30),
    # Issue S: every answer opens with a direct lead (a verified span or reported clause, or a
    # model's verified prose), never a list of sources; and the lead alone is right for most gold
    # questions (the target, 0.85, is not yet met); the floors allow two questions to slip.
    Threshold("direct_lead_rate", 0.90),
    Threshold("lead_accuracy", 0.80),
    # Issue H: a quote credited to someone who did not say it is a false credit, as wrong as a
    # quote that is not verbatim. Both are hard rules, not floors under a score.
    Threshold("speaker_accuracy", 1.00),
    Threshold("decline_reason_accuracy", 1.00),
    # Passages pasted from the seeds are found by exact word runs, not a fitted model: every
    # source question must credit its article (or decline a passage the articles do not hold).
    Threshold("source_accuracy", 1.00),
)
BY_METRIC = {t.metric: t for t in THRESHOLDS}

# The dev set's check half (questions and articles written by others). Issue G's targets are
# answer accuracy >= 0.65, false declines <= 0.10, decline recall >= 0.90 and every quote verbatim;
# false declines are at target, accuracy and decline recall NOT yet (docs/evaluation.md).
DEV_TARGETS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.65),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.90),
    Threshold("false_decline_rate", 0.10, "max"),
)
# Regression floors just under the measured figures (docs/experiments.md); every quote verbatim is
# a hard rule. Issue S aims at 0.45 lead accuracy.
DEV_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.50),
    Threshold("direct_lead_rate", 0.90),
    Threshold("lead_accuracy", 0.33),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.70),
    Threshold("false_decline_rate", 0.10, "max"),
)
# `make test` gates a fixed 40-question sample of the check half, indexed alone (243 articles, so
# fewer near-miss articles than the full index). The sample has only 9 unanswerables, so one
# question moves decline recall by 0.11: its floor sits one question under the measurement; one
# question moves lead accuracy by 0.03, so its floor sits well under it (docs/experiments.md).
DEV_SAMPLE_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.50),
    Threshold("direct_lead_rate", 0.90),
    Threshold("lead_accuracy", 0.30),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.66),
    Threshold("false_decline_rate", 0.20, "max"),
)

# Compare items (category `compare`, run through compare(), not ask()): see outlet_compare.py.
# Floors allow one outlet or item of the 8 seed items to slip; every quote verbatim is a hard rule.
COMPARE_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("compare_outlet_recall", 0.92),
    Threshold("compare_outlet_precision", 1.00),
    Threshold("compare_silent_recall", 1.00),
    Threshold("compare_verbatim", 1.00),
    Threshold("compare_items_right", 0.85),
    # Issue T: the items asked in other words (their `paraphrases`, 25 wordings). "Silent" is a
    # claim about an outlet and must hold however the question is put. Floors at the issue's
    # targets: outlet recall >= 0.90 and no expected outlet called silent (met since compare's
    # unclear state and corroborated columns, docs/experiments.md). Precision keeps its floor: one
    # wrong column is a weaker claim than one false "silent".
    Threshold("compare_paraphrase_outlet_recall", 0.90),
    Threshold("compare_paraphrase_outlet_precision", 0.95),
    Threshold("compare_false_silent", 0.00, "max"),
)
COMPARE_TARGETS: tuple[Threshold, ...] = (
    Threshold("compare_paraphrase_outlet_recall", 0.90),
    Threshold("compare_false_silent", 0.00, "max"),
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
