"""Running the gold questions through an ask() callable and scoring every answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from assistant.evaluation.metrics import (
    ArticleLookup,
    QuestionResult,
    Summary,
    by_group,
    generator_label,
    score_question,
    summarise,
)
from assistant.evaluation.questions import GoldQuestion
from assistant.types import Answer
from index.models import Article

# ask(question, history, *, outlets=..., since=..., until=..., as_of=...) -> Answer, like assistant.api.ask
AskFn = Callable[..., Answer]
OnResult = Callable[[int, int, QuestionResult], None]


class EvalRun(BaseModel):
    """One run of the eval: where it ran, every question's result and the summaries."""

    label: str = Field(description="the generator, plus '-distractors' for the distractor run")
    generator: str
    started: datetime
    questions_file: str = ""
    index_dir: str = ""
    corpus: list[str] = Field(default_factory=list)
    warmup: bool = False
    results: list[QuestionResult]
    summary: Summary
    categories: dict[str, Summary]
    generators: dict[str, Summary]


def ask_gold(ask: AskFn, gold: GoldQuestion) -> Answer:
    """Ask one gold question with its chat history and filters."""
    filters = gold.filters
    return ask(
        gold.question,
        gold.messages() or None,
        outlets=filters.outlets if filters and filters.outlets else None,
        since=filters.since if filters else None,
        until=filters.until if filters else None,
        as_of=gold.as_of,
    )


def cached(lookup: ArticleLookup) -> ArticleLookup:
    """An article lookup that fetches each article once."""
    seen: dict[str, Article | None] = {}

    def fetch(article_id: str) -> Article | None:
        if article_id not in seen:
            seen[article_id] = lookup(article_id)
        return seen[article_id]

    return fetch


def run_questions(
    questions: Sequence[GoldQuestion],
    ask: AskFn,
    lookup: ArticleLookup,
    *,
    generator: str,
    label: str | None = None,
    warmup: bool = False,
    fatal: tuple[type[BaseException], ...] = (),
    on_result: OnResult | None = None,
    clock: Callable[[], float] = time.perf_counter,
    **meta: object,
) -> EvalRun:
    """Ask every question, time and score each answer, and summarise (errors in `fatal` abort)."""
    started = datetime.now(UTC)
    lookup = cached(lookup)
    if warmup and questions:
        _warm_up(ask, questions[0], fatal)
    results: list[QuestionResult] = []
    for number, gold in enumerate(questions, start=1):
        answer: Answer | None = None
        error: str | None = None
        began = clock()
        try:
            answer = ask_gold(ask, gold)
        except fatal:
            raise
        except Exception as exc:  # one failing question must not stop the eval
            error = f"{type(exc).__name__}: {exc}"
        elapsed_ms = (clock() - began) * 1000
        result = score_question(gold, answer, lookup, elapsed_ms, error, generator=generator)
        results.append(result)
        if on_result is not None:
            on_result(number, len(questions), result)
    return build_run(results, generator=generator, label=label, started=started, warmup=warmup, **meta)


def _warm_up(ask: AskFn, gold: GoldQuestion, fatal: tuple[type[BaseException], ...]) -> None:
    """Ask once untimed so model loading is not counted as latency (its errors come later)."""
    try:
        ask_gold(ask, gold)
    except fatal:
        raise
    except Exception:  # the timed call records the error
        pass


def build_run(
    results: list[QuestionResult],
    *,
    generator: str,
    label: str | None = None,
    started: datetime | None = None,
    **meta: object,
) -> EvalRun:
    """An EvalRun with the overall, per-category and per-generator summaries of the results."""
    summary: Summary = summarise(results)
    return EvalRun.model_validate(
        {
            "label": label or generator,
            "generator": generator,
            "started": started or datetime.now(UTC),
            "results": results,
            "summary": summary,
            "categories": by_group(results, lambda r: r.category),
            "generators": by_group(results, generator_label),
            **meta,
        }
    )
