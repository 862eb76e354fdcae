"""An eval session from settings: index the corpus, ask every question through the real ask(),
write the reports and print the tables (shared by the eval, dev-set and fitting commands)."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from assistant import api
from assistant.config import PROJECT_ROOT, ConfigError, Settings, load_settings
from assistant.evaluation.compare import regressed_metrics, regressed_questions
from assistant.evaluation.devset import HALVES, DevQuestion, DevSet, load_dev_set, sample, write_corpus
from assistant.evaluation.metrics import LABELS, QuestionResult
from assistant.evaluation.questions import GoldQuestion
from assistant.evaluation.report import fmt, format_group_table, format_summary_table, write_reports
from assistant.evaluation.runner import EvalRun, run_questions
from assistant.evaluation.thresholds import THRESHOLDS, GateFailure, Threshold, check_gate
from index.build import IndexLockedError
from index.embedding import EmbeddingError
from index.store import IndexError_

DEFAULT_REPORTS = PROJECT_ROOT / "eval_reports"


def evaluate_run(questions: list[GoldQuestion], settings: Settings, label: str, source: str) -> EvalRun:
    """Run the questions through the real ask() and article store named by the settings."""
    api.get_engine(settings)  # builds the index from settings.corpus when it is empty
    ask = functools.partial(api.ask, llm=settings.llm, settings=settings)
    return run_questions(
        questions,
        ask,
        lambda article_id: api.get_article(article_id, settings),
        generator=settings.llm,
        label=label,
        warmup=True,
        fatal=(ConfigError, EmbeddingError, IndexError_, IndexLockedError, KeyboardInterrupt),
        on_result=progress,
        questions_file=source,
        index_dir=str(settings.index_dir),
        corpus=[str(p) for p in settings.corpus],
    )


def evaluate(
    questions: list[GoldQuestion],
    settings: Settings,
    label: str,
    out: Path | None,
    source: str,
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> list[tuple[str, GateFailure]]:
    """Run, write the reports, print the tables; return the gate failures with the run's label."""
    print(f"Eval {label}: {len(questions)} questions, index {settings.index_dir}", file=sys.stderr)
    result = evaluate_run(questions, settings, label, source)
    files = write_reports(result, out or DEFAULT_REPORTS / label, thresholds)
    failures = check_gate(result.summary, thresholds)
    print(f"\n== {label}: {result.summary.questions} questions ==\n")
    print(format_summary_table(result.summary, failures, thresholds))
    print()
    print(format_group_table(result.categories))
    failing = [r for r in result.results if not r.passed]
    if failing:
        print(f"\nFailing questions ({len(failing)}):")
        for r in failing:
            print(f"  {r.id} ({r.category}): {'; '.join(r.reasons())}")
    previous = files.previous_run
    if previous is not None:
        changes = regressed_metrics(result.summary, previous.summary)
        worse = regressed_questions(result, previous)
        print(f"\nSince the previous run ({previous.started:%Y-%m-%d %H:%M} UTC): "
              + ("" if changes or worse else "nothing got worse"))  # fmt: skip
        for change in changes:
            print(f"  ▼ {LABELS[change.metric]}: {fmt(change.metric, change.before)} -> "
                  f"{fmt(change.metric, change.after)}")  # fmt: skip
        if worse:
            print(f"  ▼ questions that passed before and fail now: {', '.join(worse)}")
    print(f"\nReports: {files.json}, {files.markdown}, {files.chart}")
    return [(label, failure) for failure in failures]


def index_corpus(paths: list[Path], settings: Settings) -> None:
    """Index the paths (incrementally) into the settings' index, reporting what happened."""
    print(f"Indexing {', '.join(map(str, paths))} into {settings.index_dir} ...", file=sys.stderr)
    report = api.index_paths(paths, settings=settings)
    print(report.summary(), file=sys.stderr)


def with_settings(settings: Settings, **changes: object) -> Settings:
    """The same settings with some values changed, validated again."""
    return load_settings(**{**settings.model_dump(), **changes})


def progress(number: int, total: int, result: QuestionResult) -> None:
    """One progress line per question on stderr."""
    verdict = "pass" if result.passed else "FAIL"
    print(f"  [{number:>3}/{total}] {result.id:<16} {verdict}  {result.latency_ms:>7.0f} ms",
          file=sys.stderr)  # fmt: skip


def dev_index_dir(index_dir: Path, halves: tuple[str, ...], size: int | None) -> Path:
    """The index a dev run uses beside the configured one: of every question's articles for a
    full run ('-dev-all'), of the sample's own for a sample ('-dev-check-40')."""
    tag = "-".join(halves) + f"-{size}" if size else "all"
    return index_dir.with_name(f"{index_dir.name}-dev-{tag}")


def run_label(settings: Settings) -> str:
    """A run's name in reports: the generator, and the reader when one is set ('openai-passages')."""
    return settings.llm if settings.reader is None else f"{settings.llm}-{settings.reader}"


def dev_settings(settings: Settings, args: argparse.Namespace) -> tuple[DevSet, list[DevQuestion], Settings]:
    """Load the dev set, pick the questions the options ask for, and index their articles."""
    corpus = args.corpus[0] if args.corpus else None
    if corpus is None or len(args.corpus) != 1:
        raise FileNotFoundError("a dev-set eval needs --corpus CORPUS.jsonl.gz (one file)")
    dev = load_dev_set(args.questions, corpus)
    halves = HALVES if args.half == "both" else (args.half,)
    chosen = [q for half in halves for q in sample(dev.half(half), args.sample)]
    # A full run shares one index of every question's articles (both halves, held-out ones left
    # out); a sample gets a small index of its own questions' articles.
    indexed = dev.indexed(chosen if args.sample else dev.questions)
    index_dir = dev_index_dir(settings.index_dir, halves, args.sample)
    corpus_file = index_dir.with_name(index_dir.name + "-corpus") / "dev_corpus.jsonl.gz"
    count = write_corpus((dev.records[a] for a in sorted(indexed)), corpus_file)
    print(f"Dev set: {len(chosen)} questions ({', '.join(halves)}), {count} articles to index",
          file=sys.stderr)  # fmt: skip
    dsettings = with_settings(settings, index_dir=index_dir, corpus=[corpus_file])
    index_corpus([corpus_file], dsettings)
    return dev, chosen, dsettings
