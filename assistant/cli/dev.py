"""`news-assistant eval --questions questions.jsonl --corpus corpus.jsonl.gz`: the dev-set eval.

Each run indexes the selected questions' articles (less the held-out ones) into its own index
folder beside the configured one, then reports the tuning half and the check half separately.
Only the check half is gated: the tuning half is what the evidence model was fitted on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.config import Settings
from assistant.evaluation.devset import HALVES, to_gold
from assistant.evaluation.session import dev_settings, evaluate, run_label
from assistant.evaluation.thresholds import DEV_SAMPLE_THRESHOLDS, DEV_THRESHOLDS


def run_dev(args: argparse.Namespace, settings: Settings) -> int:
    """Run the dev-set eval, one report per half; gate the check half when asked."""
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
        failures += evaluate(golds, dsettings, label, out, str(args.questions), gated)
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


__all__ = ["is_dev_questions", "run_dev"]
