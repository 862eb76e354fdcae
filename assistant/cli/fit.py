"""The `fit` and `fit-lead` commands' options; the fitting modules (which open the index and ask
through the real pipeline) are imported only when a command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.config import Settings


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `news-assistant fit`."""
    parser.add_argument("--questions", type=Path, required=True, help="dev set questions.jsonl")
    parser.add_argument("--corpus", type=Path, nargs=1, required=True, help="dev set corpus.jsonl.gz")
    parser.add_argument("--out", type=Path, help="folder for the model and report (default: the package)")
    parser.add_argument("--sample", type=int, metavar="N", help="fit on a fixed sample of N tuning questions")


def add_fit_lead_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `news-assistant fit-lead`."""
    parser.add_argument("--questions", type=Path, required=True, help="dev set questions.jsonl")
    parser.add_argument("--corpus", type=Path, nargs=1, required=True, help="dev set corpus.jsonl.gz")
    parser.add_argument("--out", type=Path, help="folder for the model and report (default: the package)")
    parser.add_argument("--sample", type=int, metavar="N", help="fit on a fixed sample of N tuning questions")
    parser.add_argument(
        "--answers", type=Path, help="JSON file of collected answers: read if it exists, else written"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `fit` or `fit-lead`."""
    if args.command == "fit-lead":
        from assistant.training import fit_lead

        return fit_lead.run(args, settings)
    from assistant.training import fit

    return fit.run(args, settings)
