"""`news-assistant fit-lead`: fit the lead's span scorer on the dev set's tuning half.

Every tuning question is asked through the real pipeline (extractive generator); the spans of the
quotes it shows (lead.spans) are the candidates. A span is a positive when it overlaps the right
choice where the quote prints it and holds no wrong choice. A logistic regression (strength chosen
by question-grouped cross-validation) scores spans; the floor under which the lead falls back to
the best quote's reported sentence is chosen on the out-of-fold lead accuracy (quiz judging of the
lead text alone). Nothing here looks at the check half.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from assistant import api
from assistant.evaluation.devset import DevQuestion, choice_pattern, to_gold
from assistant.evaluation.metrics import text_correct
from assistant.evaluation.questions import GoldQuestion
from assistant.evaluation.runner import ask_gold
from assistant.evaluation.session import dev_settings
from assistant.pipeline.lead import (
    FEATURES,
    LEAD_MODEL,
    LeadModel,
    Span,
    best_reported,
    reported_lead,
    spans,
    wants_span,
    write_lead,
)
from assistant.scoring.model import model_path
from assistant.types import Citation

FOLDS = 5
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
FLOOR_GRID = tuple(round(f, 2) for f in np.arange(0.0, 0.61, 0.05))
REPORT = "lead_model.md"


@dataclass
class Asked:
    """One tuning question, its gold record and the citations its answer showed."""

    question: DevQuestion
    gold: GoldQuestion
    searched: str
    citations: list[Citation]


def run(args: argparse.Namespace, settings: object) -> int:
    """Collect the tuning half's shown quotes, fit the span scorer, write the model and its report."""
    asked = collect(args, settings)
    trained_on = f"{args.questions} (tuning half, {len(asked)} answered questions)"
    model, report = fit(asked, trained_on=trained_on)
    out = args.out or model_path().parent  # beside the evidence model, in assistant/scoring
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "features": list(FEATURES),
        "weights": list(model.weights),
        "bias": model.bias,
        "floor": model.floor,
    }
    (out / LEAD_MODEL).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    (out / REPORT).write_text(report, encoding="utf-8")
    print(report)
    print(f"Wrote {out / LEAD_MODEL} and {out / REPORT}", file=sys.stderr)
    return 0


def collect(args: argparse.Namespace, settings: object) -> list[Asked]:
    """Ask every answerable tuning question (or read the answers collected before)."""
    args.half = "tune"
    dev, chosen, dsettings = dev_settings(settings, args)  # type: ignore[arg-type]
    indexed = dev.indexed(chosen if args.sample else dev.questions)
    golds = {q.id: to_gold(q, dev, indexed) for q in chosen}
    engine = api.get_engine(dsettings)
    cache = args.answers
    if cache is not None and cache.exists():
        raw = json.loads(cache.read_text(encoding="utf-8"))
        by_id = {q.id: q for q in chosen}
        return [
            Asked(by_id[r["id"]], golds[r["id"]], r["searched"], [Citation(**c) for c in r["citations"]])
            for r in raw
            if r["id"] in by_id
        ]
    asked: list[Asked] = []
    for number, question in enumerate(chosen, start=1):
        gold = golds[question.id]
        if not gold.answerable:
            continue
        answer = ask_gold(lambda *a, **k: engine.ask(*a, llm="extractive", **k), gold)
        if not answer.refused and answer.citations:
            asked.append(Asked(question, gold, answer.question, answer.citations))
        if number % 25 == 0:
            print(f"  asked {number}/{len(chosen)} questions", file=sys.stderr)
    if cache is not None:
        rows = [
            {
                "id": a.question.id,
                "searched": a.searched,
                "citations": [c.model_dump(mode="json") for c in a.citations],
            }
            for a in asked
        ]
        cache.write_text(json.dumps(rows), encoding="utf-8")
    return asked


@dataclass
class Candidates:
    """One question's spans, their feature rows and labels."""

    asked: Asked
    spans: list[Span]
    rows: np.ndarray
    labels: np.ndarray


def candidates(asked: Asked) -> Candidates:
    """The spans of one question's shown quotes, labelled against its quiz choices."""
    found = spans(asked.searched, asked.citations) if wants_span(asked.searched) else []
    rows = np.asarray([s.features for s in found], dtype=np.float64).reshape(len(found), len(FEATURES))
    labels = np.asarray([is_answer(s, asked) for s in found], dtype=np.int64)
    return Candidates(asked, found, rows, labels)


def is_answer(span: Span, asked: Asked) -> bool:
    """True when the span overlaps the right choice where its quote prints it and holds no wrong one."""
    citation = next(c for c in asked.citations if c.number == span.citation)
    right = re.compile(choice_pattern(asked.question.answer), re.IGNORECASE)
    if any(re.search(choice_pattern(w), span.text, re.IGNORECASE) for w in asked.question.wrong):
        return False
    return any(m.start() < span.end and span.start < m.end() for m in right.finditer(citation.quote))


def lead_text(model: LeadModel, item: Candidates) -> str:
    """The lead this model would show for one question, exactly as ask() writes it."""
    lead = write_lead(item.asked.searched, item.asked.citations, model=model)
    return lead.text if lead is not None else ""


def fit(asked: list[Asked], trained_on: str = "") -> tuple[LeadModel, str]:
    """Fit the span scorer and its floor; return the model and a Markdown training report."""
    items = [candidates(a) for a in asked]
    folds = [i % FOLDS for i in range(len(items))]
    scores = {c: _cv_lead_accuracy(items, folds, c) for c in C_GRID}
    best_c = max(C_GRID, key=lambda c: (max(scores[c].values()), -abs(np.log10(c))))
    floors = scores[best_c]
    floor = max(FLOOR_GRID, key=lambda f: (floors[f], -f))
    weights, bias = _logistic(items, best_c)
    model = LeadModel(tuple(float(w) for w in weights), float(bias), float(floor))
    fitted = sum(text_correct(i.asked.gold, lead_text(model, i)) for i in items)
    top_quote = sum(
        text_correct(a.gold, reported_lead(best_reported(a.citations, a.searched), a.searched).text)
        for a in asked
    )
    any_shown = sum(text_correct(a.gold, "\n".join(c.quote for c in a.citations)) for a in asked)
    lines = [
        "# Lead span scorer: training report",
        "",
        f"Fitted {datetime.now(UTC):%Y-%m-%d} on {trained_on}.",
        f"Span questions: {sum(bool(len(i.spans)) for i in items)}; "
        f"spans: {sum(len(i.spans) for i in items)}; positives: {sum(int(i.labels.sum()) for i in items)}.",
        "",
        "| C | best out-of-fold lead accuracy |",
        "|---|---|",
        *[f"| {c} | {max(scores[c].values()):.3f} |" for c in C_GRID],
        "",
        f"Chosen C = {best_c}, floor = {floor} (out-of-fold: {floors[floor]} of {len(items)} leads right).",
        f"On the same answers: the shown quotes hold the answer for {any_shown}; the best quote's reported "
        f"sentence alone {top_quote}; the fitted lead (in sample) {fitted}.",
        "",
        "| feature | weight |",
        "|---|---|",
        *[f"| {name} | {w:+.3f} |" for name, w in zip(FEATURES, weights, strict=True)],
        f"| (bias) | {bias:+.3f} |",
        "",
    ]
    return model, "\n".join(lines)


def _logistic(items: list[Candidates], c: float) -> tuple[np.ndarray, float]:
    """Logistic regression over every span of these questions."""
    from sklearn.linear_model import LogisticRegression

    rows = [i.rows for i in items if len(i.spans)]
    labels = [i.labels for i in items if len(i.spans)]
    x, y = np.vstack(rows), np.concatenate(labels)
    model = LogisticRegression(C=c, max_iter=2000).fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _reported_text(asked: Asked) -> str:
    """The reported lead alone (no span) for one question: the baseline the span scorer must beat."""
    return reported_lead(best_reported(asked.citations, asked.searched), asked.searched).text


def _cv_lead_accuracy(items: list[Candidates], folds: list[int], c: float) -> dict[float, int]:
    """{floor: questions whose out-of-fold lead is right} for one regularisation strength."""
    right = dict.fromkeys(FLOOR_GRID, 0)
    for fold in range(FOLDS):
        train = [i for i, f in zip(items, folds, strict=True) if f != fold]
        weights, bias = _logistic(train, c)
        for item, f in zip(items, folds, strict=True):
            if f != fold:
                continue
            for floor in FLOOR_GRID:
                model = LeadModel(tuple(weights), bias, floor)
                right[floor] += text_correct(item.asked.gold, lead_text(model, item))
    return right
