"""`news-assistant eval`: its options, and running the eval, the reports and the gate."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from assistant import readers
from assistant.config import PROJECT_ROOT, Settings, load_settings
from assistant.evaluation.metrics import QuestionResult
from assistant.evaluation.questions import GoldQuestion, load_questions, select
from assistant.evaluation.runner import EvalRun, run_questions
from assistant.evaluation.thresholds import THRESHOLDS, GateFailure, Threshold, check_gate
from assistant.generators import registry

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval_questions.yaml"
DEFAULT_DISTRACTORS = PROJECT_ROOT.parent / "shared" / "corpora" / "news_distractors_3k.jsonl.gz"
DEFAULT_REPORTS = PROJECT_ROOT / "eval_reports"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the eval options to the `eval` subcommand's parser."""
    parser.add_argument(
        "--llm",
        choices=registry.names(),
        help="generator (default: ASSISTANT_LLM)",
    )
    parser.add_argument(
        "--reader",
        choices=readers.names(),
        help="what the model reads: quotes or passages (default: ASSISTANT_READER, else the "
        "generator's own: passages for openai)",
    )
    parser.add_argument(
        "--questions",
        type=Path,
        default=DEFAULT_QUESTIONS,
        help="gold-question YAML file, or a dev set's questions.jsonl (then --corpus is its corpus)",
    )
    parser.add_argument(
        "--half",
        choices=["tune", "check", "both"],
        default="both",
        help="dev set only: which half to run (both are reported apart; only 'check' is gated)",
    )
    parser.add_argument("--sample", type=int, metavar="N", help="dev set only: a fixed sample of N per half")
    parser.add_argument(
        "--corpus", type=Path, nargs="+", metavar="PATH", help="files or folders to index first"
    )
    parser.add_argument("--out", type=Path, help="report folder (default: eval_reports/<generator>)")
    parser.add_argument("--gate", action="store_true", help="exit 1 when a threshold is missed")
    parser.add_argument(
        "--with-distractors",
        type=Path,
        nargs="?",
        const=DEFAULT_DISTRACTORS,
        metavar="PATH",
        help="also run with these articles indexed beside the corpus, in a separate index "
        "(default: ../shared/corpora/news_distractors_3k.jsonl.gz)",
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="print best evidence scores to set the threshold"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    parser.add_argument("--category", action="append", metavar="NAME", help="only this category (repeatable)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the eval as the options say; return the exit status (1 when --gate trips)."""
    from assistant.evaluation.dev_cli import is_dev_questions, run_dev

    if args.llm and args.llm != settings.llm:
        settings = _with(settings, llm=args.llm)
    if args.reader and args.reader != settings.reader:
        settings = _with(settings, reader=args.reader)
    if is_dev_questions(args.questions):
        return run_dev(args, settings)
    questions = select(load_questions(args.questions), args.category, args.limit)
    if args.corpus:
        settings = _with(settings, corpus=_existing(args.corpus))
        _index(settings.corpus, settings)
    if args.calibrate:
        return _calibrate(questions, settings)
    distractors = _existing([args.with_distractors])[0] if args.with_distractors else None
    compare_items, questions = _split_compare(questions)
    failures = (
        _evaluate(questions, settings, run_label(settings), args.out, str(args.questions))
        if questions
        else []
    )
    failures += _evaluate_compare(compare_items, settings)
    if distractors is not None:
        index_dir = settings.index_dir.with_name(settings.index_dir.name + "-distractors")
        dsettings = _with(settings, index_dir=index_dir, corpus=[*settings.corpus, distractors])
        _index(dsettings.corpus, dsettings)
        out = args.out.with_name(args.out.name + "-distractors") if args.out else None
        label = f"{run_label(settings)}-distractors"
        failures += _evaluate(questions, dsettings, label, out, str(args.questions))
    if failures:
        for label, failure in failures:
            print(f"{'GATE FAILED' if args.gate else 'below threshold'} ({label}): "
                  f"{failure.message()}")  # fmt: skip
        return 1 if args.gate else 0
    if args.gate:
        print("Gate passed: every metric meets its threshold.")
    return 0


def run_label(settings: Settings) -> str:
    """A run's name in reports: the generator, and the reader when one is set ('openai-passages')."""
    return settings.llm if settings.reader is None else f"{settings.llm}-{settings.reader}"


def evaluate_run(questions: list[GoldQuestion], settings: Settings, label: str, source: str) -> EvalRun:
    """Run the questions through the real ask() and article store named by the settings."""
    from assistant import api
    from assistant.config import ConfigError
    from index.build import IndexLockedError
    from index.embedding import EmbeddingError
    from index.store import IndexError_

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
        on_result=_progress,
        questions_file=source,
        index_dir=str(settings.index_dir),
        corpus=[str(p) for p in settings.corpus],
    )


def _evaluate(
    questions: list[GoldQuestion],
    settings: Settings,
    label: str,
    out: Path | None,
    source: str,
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> list[tuple[str, GateFailure]]:
    """Run, write the reports, print the tables; return the gate failures with the run's label."""
    from assistant.evaluation.compare import regressed_metrics, regressed_questions
    from assistant.evaluation.metrics import LABELS
    from assistant.evaluation.report import (
        fmt,
        format_group_table,
        format_summary_table,
        write_reports,
    )

    print(f"Eval {label}: {len(questions)} questions, index {settings.index_dir}", file=sys.stderr)
    result = evaluate_run(questions, settings, label, source)
    files = write_reports(result, out or DEFAULT_REPORTS / label)
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


def _split_compare(questions: list[GoldQuestion]) -> tuple[list[GoldQuestion], list[GoldQuestion]]:
    """(compare items, the other questions): compare items go to compare(), not ask()."""
    from assistant.evaluation.outlet_compare import COMPARE_CATEGORY

    return [q for q in questions if q.category == COMPARE_CATEGORY], [
        q for q in questions if q.category != COMPARE_CATEGORY
    ]


def _evaluate_compare(items: list[GoldQuestion], settings: Settings) -> list[tuple[str, GateFailure]]:
    """Run the compare items through the real compare(), print their metrics; return gate failures."""
    if not items:
        return []
    from assistant import api
    from assistant.comparison import compare
    from assistant.evaluation.outlet_compare import report_compare, run_compare_items

    api.get_engine(settings)
    results = run_compare_items(
        items, functools.partial(compare, settings=settings), lambda a: api.get_article(a, settings)
    )
    return [("compare", failure) for failure in report_compare(results)]


def _calibrate(questions: list[GoldQuestion], settings: Settings) -> int:
    """Print every question's best evidence score (the extractive path; generators don't matter)."""
    from assistant import api
    from assistant.evaluation.calibrate import calibrate
    from assistant.scoring.model import load_models

    current = _with(settings, llm="extractive")
    api.get_engine(current)  # builds the index when it is empty
    declines_all = _with(current, min_evidence=1e9)  # every answer declines, naming its best score
    print(
        calibrate(
            questions,
            functools.partial(api.ask, llm="extractive", settings=declines_all),
            functools.partial(api.ask, llm="extractive", settings=current),
            current=settings.min_evidence or load_models().decline_below,
        )
    )
    return 0


def _index(paths: list[Path], settings: Settings) -> None:
    """Index the paths (incrementally) into the settings' index, reporting what happened."""
    from assistant.api import index_paths

    print(f"Indexing {', '.join(map(str, paths))} into {settings.index_dir} ...", file=sys.stderr)
    report = index_paths(paths, settings=settings)
    print(report.summary(), file=sys.stderr)


def _with(settings: Settings, **changes: object) -> Settings:
    """The same settings with some values changed, validated again."""
    return load_settings(**{**settings.model_dump(), **changes})


def _existing(paths: list[Path]) -> list[Path]:
    """The paths, or FileNotFoundError naming those that do not exist."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"No such file or folder: {', '.join(missing)}")
    return [Path(p) for p in paths]


def _progress(number: int, total: int, result: QuestionResult) -> None:
    """One progress line per question on stderr."""
    verdict = "pass" if result.passed else "FAIL"
    print(f"  [{number:>3}/{total}] {result.id:<16} {verdict}  {result.latency_ms:>7.0f} ms",
          file=sys.stderr)  # fmt: skip
