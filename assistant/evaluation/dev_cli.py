"""`news-assistant eval --questions questions.jsonl --corpus corpus.jsonl.gz`: the dev-set eval.

Each run indexes the selected questions' articles (less the held-out ones) into its own index
folder beside the configured one, then reports the tuning half and the check half separately.
Only the check half is gated: the tuning half is what the evidence model was fitted on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.evaluation.devset import (
    HALVES,
    DevQuestion,
    DevSet,
    load_dev_set,
    sample,
    to_gold,
    write_corpus,
)
from assistant.evaluation.thresholds import DEV_SAMPLE_THRESHOLDS, DEV_THRESHOLDS


def dev_settings(settings: Settings, args: argparse.Namespace) -> tuple[DevSet, list[DevQuestion], Settings]:
    """Load the dev set, pick the questions the options ask for, and index their articles."""
    from assistant.evaluation.cli import _index, _with

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
    dsettings = _with(settings, index_dir=index_dir, corpus=[corpus_file])
    _index([corpus_file], dsettings)
    return dev, chosen, dsettings


def dev_index_dir(index_dir: Path, halves: tuple[str, ...], size: int | None) -> Path:
    """The index a dev run uses beside the configured one: of every question's articles for a
    full run ('-dev-all'), of the sample's own for a sample ('-dev-check-40')."""
    tag = "-".join(halves) + f"-{size}" if size else "all"
    return index_dir.with_name(f"{index_dir.name}-dev-{tag}")


def run_dev(args: argparse.Namespace, settings: Settings) -> int:
    """Run the dev-set eval, one report per half; gate the check half when asked."""
    from assistant.evaluation.cli import _evaluate, run_label

    dev, chosen, dsettings = dev_settings(settings, args)
    indexed = dev.indexed(chosen if args.sample else dev.questions)
    failures = []
    for half in HALVES:
        golds = [to_gold(q, dev, indexed) for q in chosen if q.half == half]
        if not golds:
            continue
        label = f"{run_label(dsettings)}-dev-{half}"
        out = args.out / half if args.out else None
        gates = DEV_SAMPLE_THRESHOLDS if args.sample else DEV_THRESHOLDS
        gated = gates if half == "check" else ()
        failures += _evaluate(golds, dsettings, label, out, str(args.questions), gated)
    for label, failure in failures:
        print(f"{'GATE FAILED' if args.gate else 'below threshold'} ({label}): {failure.message()}")
    if failures:
        return 1 if args.gate else 0
    if args.gate:
        print("Gate passed: the check half meets every dev threshold.")
    return 0


def is_dev_questions(path: Path) -> bool:
    """True for a dev-set question file (JSON lines) rather than a gold YAML file."""
    return path.suffix == ".jsonl"


__all__ = ["dev_index_dir", "dev_settings", "is_dev_questions", "run_dev"]
