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


# The gold questions over the seeds are a regression set, not the target. Until 2 Dec 2026 the
# evidence rules were tuned on them; the fitted model that replaced those rules first measured 0.83
# here and these floors were lowered to match. On 3 Dec 2026 the refitted model (its answerability
# part also trained on tuning questions asked without their own articles) measured 0.92 answer
# accuracy, 0.86 citation precision, 0.99 outlet accuracy, 0.92 decline recall and no false
# declines: issue G's >= 0.90 / >= 0.90 are met again, and the floors are back at 0.90.
THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.90),
    Threshold("citation_verbatim", 1.00),
    Threshold("citation_precision", 0.85),
    Threshold("outlet_accuracy", 0.95),
    Threshold("decline_recall", 0.90),
    Threshold("false_decline_rate", 0.05, "max"),
    # The generated text alone, before the verified quotes are appended: for the extractive
    # generator it is the quotes; Gemma 3 270M's own sentences measured 0.36 on 2 Dec 2026, and
    # this floor only catches a regression of the local prompt or the verifier.
    Threshold("prose_accuracy", 0.30),
    # Issue S: every answer opens with a direct lead (a verified span or reported clause, or a
    # model's verified prose), never a list of sources; and the lead alone is right for most gold
    # questions. Measured 7 Dec 2026: 1.00 (74/74) and 0.833 (60/72; the target is 0.85,
    # not yet met); the floor allows two questions to slip.
    Threshold("direct_lead_rate", 0.90),
    Threshold("lead_accuracy", 0.80),
    # Issue H: a quote credited to someone who did not say it is a false credit, as wrong as a
    # quote that is not verbatim. Measured 1.00 (7/7 answering quotes of the speaker items) and
    # 1.00 (4/4 decline reasons) on 3 Dec 2026; both are hard rules, not floors under a score.
    Threshold("speaker_accuracy", 1.00),
    Threshold("decline_reason_accuracy", 1.00),
    # Passages pasted from the seeds are found by exact word runs, not a fitted model: every
    # source question must credit its article (or decline a passage the articles do not hold).
    Threshold("source_accuracy", 1.00),
)
BY_METRIC = {t.metric: t for t in THRESHOLDS}

# The dev set's check half (questions and articles written by others). Issue G's targets are
# answer accuracy >= 0.65, false declines <= 0.10, decline recall >= 0.90 and every quote verbatim.
# Measured 3 Dec 2026 over the whole check half: 0.54, 0.05, 0.75 and 1.00 (the first fitted model,
# 2 Dec: 0.47, 0.10, 0.71; the seed-tuned rules before it: 0.36, 0.26, 0.88): false declines are at
# target, accuracy and decline recall are NOT yet.
DEV_TARGETS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.65),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.90),
    Threshold("false_decline_rate", 0.10, "max"),
)
# Regression floors just under those measurements; every quote verbatim is a hard rule.
# Lead accuracy on the check half measured 0.360 (67/186) on 7 Dec 2026 (the issue aims at 0.45).
DEV_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.50),
    Threshold("direct_lead_rate", 0.90),
    Threshold("lead_accuracy", 0.33),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.70),
    Threshold("false_decline_rate", 0.10, "max"),
)
# `make test` gates a fixed 40-question sample of the check half, indexed alone (243 articles, so
# fewer near-miss articles than the full index). Measured 3 Dec 2026: 0.55 answer accuracy (17/31),
# 0.13 false declines (4/31), 0.78 decline recall (7/9). The sample has only 9 unanswerables, so one
# question moves decline recall by 0.11: its floor sits one question under the measurement (the
# first fitted model's 9/9 here was one lucky question, not a level; over the whole check half,
# 24 unanswerables, decline recall rose from 0.71 to 0.75 with this model).
# The sample's lead accuracy over the full index's answers was 0.42 (14/33) on 7 Dec 2026; one
# question moves it by 0.03, so its floor sits well under that.
DEV_SAMPLE_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("answer_accuracy", 0.50),
    Threshold("direct_lead_rate", 0.90),
    Threshold("lead_accuracy", 0.30),
    Threshold("citation_verbatim", 1.00),
    Threshold("decline_recall", 0.66),
    Threshold("false_decline_rate", 0.20, "max"),
)

# Compare items (category `compare`, run through compare(), not ask()): see outlet_compare.py.
# Measured 3 Dec 2026 on the 8 seed items: outlet recall 1.00 (14/14), precision 1.00, silent
# recall 1.00, verbatim 1.00, items right 1.00 (8/8). Floors allow one outlet or item to slip;
# every quote verbatim is a hard rule.
COMPARE_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("compare_outlet_recall", 0.92),
    Threshold("compare_outlet_precision", 1.00),
    Threshold("compare_silent_recall", 1.00),
    Threshold("compare_verbatim", 1.00),
    Threshold("compare_items_right", 0.85),
    # Issue T: the items asked in other words (their `paraphrases`, 25 wordings). "Silent" is a
    # claim about an outlet and must hold however the question is put. Floors at the issue's
    # targets: outlet recall >= 0.90 and no expected outlet called silent. Measured 7 Dec 2026:
    # recall 0.91 (42/46), precision 0.98 (42/43), false silent 0.00 (0/60 over all 33 wordings);
    # before compare's unclear state and corroborated columns (comparison._corroborating): 0.89,
    # 0.98 and 0.08 (5/60). Precision keeps its floor: one wrong column is a weaker claim than one
    # false "silent".
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
