"""`news-assistant eval`: its options, and running the eval, the reports and the gate."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation.questions import GoldQuestion, load_questions, select
from assistant.evaluation.thresholds import GateFailure
from assistant.generators import readers, registry

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval_questions.yaml"
DEFAULT_DISTRACTORS = PROJECT_ROOT.parent / "shared" / "corpora" / "news_distractors_3k.jsonl.gz"


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
    from assistant.cli.dev import is_dev_questions, run_dev
    from assistant.evaluation import session

    if args.llm and args.llm != settings.llm:
        settings = session.with_settings(settings, llm=args.llm)
    if args.reader and args.reader != settings.reader:
        settings = session.with_settings(settings, reader=args.reader)
    if is_dev_questions(args.questions):
        return run_dev(args, settings)
    questions = select(load_questions(args.questions), args.category, args.limit)
    if args.corpus:
        settings = session.with_settings(settings, corpus=_existing(args.corpus))
        session.index_corpus(settings.corpus, settings)
    if args.calibrate:
        return _calibrate(questions, settings)
    distractors = _existing([args.with_distractors])[0] if args.with_distractors else None
    compare_items, questions = _split_compare(questions)
    failures = (
        session.evaluate(questions, settings, session.run_label(settings), args.out, str(args.questions))
        if questions
        else []
    )
    failures += _evaluate_compare(compare_items, settings)
    if distractors is not None:
        index_dir = settings.index_dir.with_name(settings.index_dir.name + "-distractors")
        dsettings = session.with_settings(
            settings, index_dir=index_dir, corpus=[*settings.corpus, distractors]
        )
        session.index_corpus(dsettings.corpus, dsettings)
        out = args.out.with_name(args.out.name + "-distractors") if args.out else None
        label = f"{session.run_label(settings)}-distractors"
        failures += session.evaluate(questions, dsettings, label, out, str(args.questions))
    if failures:
        for label, failure in failures:
            print(f"{'GATE FAILED' if args.gate else 'below threshold'} ({label}): "
                  f"{failure.message()}")  # fmt: skip
        return 1 if args.gate else 0
    if args.gate:
        print("Gate passed: every metric meets its threshold.")
    return 0


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
    from assistant.api import compare
    from assistant.evaluation.outlet_compare import report_compare, run_compare_items

    api.get_engine(settings)
    results = run_compare_items(
        items, functools.partial(compare, settings=settings), lambda a: api.get_article(a, settings)
    )
    return [("compare", failure) for failure in report_compare(results)]


def _calibrate(questions: list[GoldQuestion], settings: Settings) -> int:
    """Print every question's best evidence score (the extractive path; generators don't matter)."""
    from assistant import api
    from assistant.evaluation import session
    from assistant.evaluation.calibrate import calibrate
    from assistant.scoring.model import load_models

    current = session.with_settings(settings, llm="extractive")
    api.get_engine(current)  # builds the index when it is empty
    declines_all = session.with_settings(
        current, min_evidence=1e9
    )  # every answer declines, naming its best score
    print(
        calibrate(
            questions,
            functools.partial(api.ask, llm="extractive", settings=declines_all),
            functools.partial(api.ask, llm="extractive", settings=current),
            current=settings.min_evidence or load_models().decline_below,
        )
    )
    return 0


def _existing(paths: list[Path]) -> list[Path]:
    """The paths, or FileNotFoundError naming those that do not exist."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"No such file or folder: {', '.join(missing)}")
    return [Path(p) for p in paths]
