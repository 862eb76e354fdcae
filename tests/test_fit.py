"""Fitting the evidence and answerability models on labelled candidates (synthetic, no index)."""

from __future__ import annotations

import numpy as np

from assistant.evaluation.questions import GoldQuestion
from assistant.scoring.features import FEATURES
from assistant.scoring.question_features import (
    ANSWERABILITY_FEATURES,
    answerability_features,
    answerability_row,
)
from assistant.training.fit import RATIO_GRID, Sample, _choose_ratio, fit


def _samples(count: int, seed: int = 7) -> list[Sample]:
    """Questions whose answering candidate has high coverage and a matching entity; every fifth
    question has no answering candidate and only weak ones (its articles were left out)."""
    rng = np.random.default_rng(seed)
    column = {name: i for i, name in enumerate(FEATURES)}
    samples = []
    for number in range(count):
        answerable = number % 5 != 0
        rows = rng.uniform(0, 0.4, size=(12, len(FEATURES)))
        labels = np.zeros(12, dtype=np.int64)
        texts = [f"filler sentence {i}" for i in range(12)]
        if answerable:
            hit = int(rng.integers(12))
            rows[hit, column["coverage"]] = rng.uniform(0.7, 1.0)
            rows[hit, column["type_match"]] = 1.0
            rows[hit, column["dense"]] = rng.uniform(0.6, 0.9)
            labels[hit] = 1
            texts[hit] = "The answer is 148."
        gold = GoldQuestion(
            id=f"q{number}",
            category="dev",
            question="How many?",
            answerable=answerable,
            must_contain=["148"] if answerable else [],
            must_not_contain=["149"] if answerable else [],
        )
        samples.append(
            Sample(gold, rows, labels, texts, ["Outlet"] * 12, [("a", i, i + 1) for i in range(12)])
        )
    return samples


def test_fit_learns_the_signal_and_reports_it() -> None:
    models, report = fit(_samples(60), trained_on="synthetic")
    assert models.evidence.features == list(FEATURES)
    assert models.answerability.features == list(ANSWERABILITY_FEATURES)
    weights = dict(zip(models.evidence.features, models.evidence.weights, strict=True))
    assert weights["coverage"] > 0 and weights["type_match"] > 0
    assert 0 < models.decline_below < 1 and 0 < models.extra_quote_ratio <= 1
    assert "top-1 right (CV)" in report and "synthetic" in report
    held_out = _samples(20, seed=11)
    right = 0
    for sample in held_out:
        p = models.evidence.probability(sample.rows)
        right += bool(sample.labels[int(np.argmax(p))]) if sample.gold.answerable else 0
    assert right >= 0.9 * sum(s.gold.answerable for s in held_out)


def _left_out(sample: Sample) -> Sample:
    """The sample asked again without its own articles: only weak candidates, none answering."""
    rows = np.random.default_rng(3).uniform(0, 0.4, size=sample.rows.shape)
    unanswerable = sample.gold.model_copy(
        update={"answerable": False, "must_contain": [], "must_not_contain": []}
    )
    count = len(sample.labels)
    return Sample(unanswerable, rows, np.zeros(count, dtype=np.int64), sample.texts, sample.outlets,
                  sample.spans, np.zeros(count, dtype=bool), left_out=True)  # fmt: skip


def test_questions_asked_without_their_articles_train_answerability_only() -> None:
    samples = _samples(60)
    plain, _ = fit(samples, trained_on="synthetic")
    augmented = samples + [_left_out(s) for s in samples if s.gold.answerable]
    models, report = fit(augmented, trained_on="synthetic")
    assert models.evidence == plain.evidence
    assert models.answerability != plain.answerability
    assert "60 questions (48 answerable, 12 with their articles left out of the index)" in report
    assert "the 48 answerable ones asked again without their own articles" in report


def _two_quotes(number: int, answer_at: int) -> Sample:
    """A question with two supporting candidates, the answer in one of them."""
    gold = GoldQuestion(id=f"r{number}", category="dev", question="How many?", answerable=True,
                        must_contain=["148"], must_not_contain=["149"])  # fmt: skip
    texts = ["filler sentence", "filler sentence"]
    texts[answer_at] = "The answer is 148."
    labels = np.asarray([int(i == answer_at) for i in range(2)])
    rows = np.zeros((2, len(FEATURES)))
    spans = [("a", 0, 1), ("a", 1, 2)]
    return Sample(gold, rows, labels, texts, ["Outlet"] * 2, spans, np.ones(2, dtype=bool))


def test_the_extra_quote_ratio_shows_fewer_quotes_unless_more_questions_need_them() -> None:
    # Nine questions answered by their best quote; one (then two) only by a second quote at 0.25
    # of the best quote's probability, which ratios up to 0.2 show.
    plain = [_two_quotes(n, 0) for n in range(9)]
    second = [_two_quotes(9, 1), _two_quotes(10, 1)]
    p_plain, p_second = np.asarray([1.0, 0.05]), np.asarray([1.0, 0.25])
    one, accuracy = _choose_ratio(plain + second[:1], [p_plain] * 9 + [p_second])
    assert accuracy[0.2] == 1.0 and accuracy[0.3] == 0.9
    assert one == max(RATIO_GRID)  # one question is no evidence that the extra quote helps
    two, _ = _choose_ratio(plain + second, [p_plain] * 9 + [p_second] * 2)
    assert two == 0.2


def test_answerability_sees_only_the_retrieved_candidates() -> None:
    rng = np.random.default_rng(5)
    rows, p = rng.uniform(size=(6, len(FEATURES))), rng.uniform(size=6)
    retrieved = np.asarray([True, True, False, True, False, False])
    row = answerability_row(p, rows, retrieved, 0.5)
    assert np.array_equal(row, answerability_features(p[retrieved], rows[retrieved], 0.5))
    assert not np.array_equal(row, answerability_features(p, rows, 0.5))


def test_the_silent_bar_declines_no_answerable_tuning_question() -> None:
    models, report = fit(_samples(60), trained_on="synthetic")
    samples = _samples(60)
    p = [
        float(models.answerability.probability(s.answerability_row(models.evidence.probability(s.rows)))[0])
        for s in samples
        if s.gold.answerable
    ]
    assert 0 < models.silent_below <= models.decline_below
    assert models.silent_below <= min(p) + 0.01  # in-sample here, out-of-fold in the fit: a grid step
    assert f"only below P = {models.silent_below:.2f}" in report
