"""`python -m benchmarks.reader_context`: answer in context, passages vs quotes, with no model.

For each answerable question of a dev half, what each reader would be given: the quotes reader
the quotes the evidence model chose (an extractive ask()'s verified citations, none when it
declines); the passages reader the passages Engine.reader_passages gives it at each retrieval
depth asked for, fitted to a model's context and shown as the model sees them
(readers/passages.py). A reader is given the right choice when the quiz's pattern for it
(devset.choice_pattern, case-insensitive, as the eval judges) matches that text. The passages
are counted twice: for every answerable question, and only where the answerability model lets
the question through (the reader is asked only then).

Reads the dev index that `news-assistant eval --questions ... --corpus ...` built beside
ASSISTANT_INDEX_DIR (`-dev-all`, or `-dev-<half>-<N>` for --sample N); it never builds or writes
one (sentence vectors stay in memory).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from assistant.api import get_engine
from assistant.config import PROJECT_ROOT, load_settings
from assistant.evaluation.devset import HALVES, DevQuestion, choice_pattern, load_dev_set, sample
from assistant.evaluation.session import dev_index_dir
from assistant.pipeline.engine import READER_TOP_K
from assistant.pipeline.readers.passages import (
    DEFAULT_CONTEXT_TOKENS,
    PassagesReader,
    fitted,
    shown_text,
)

DEV = PROJECT_ROOT.parent / "shared" / "corpora" / "rtqa_dev"
RESULTS = Path(__file__).with_name("results-reader-context.json")


def main(argv: list[str] | None = None) -> int:
    """Measure and print answer in context for the chosen half; write the results file."""
    args = _parser().parse_args(argv)
    dev = load_dev_set(args.questions, args.corpus)
    halves = HALVES if args.half == "both" else (args.half,)
    chosen = [q for half in halves for q in sample(dev.half(half), args.sample)]
    indexed = dev.indexed(chosen if args.sample else dev.questions)
    base = load_settings()
    settings = load_settings(
        index_dir=dev_index_dir(base.index_dir, halves if args.sample else HALVES, args.sample),
        llm="extractive",
        sentence_vectors="off",
    )
    engine = get_engine(settings, build_if_missing=False)
    if engine.store.is_empty():
        print(f"No dev index at {settings.index_dir}: run `make eval-dev` first.", file=sys.stderr)
        return 1
    budget = PassagesReader(args.context_tokens, settings.reader_max_tokens).budget_chars(None)
    rows = [_row(engine, q, budget, args.depths) for q in chosen if not dev.unanswerable(q, indexed)]
    result = _summary(rows, args, budget, settings.index_dir.name)
    print(json.dumps({k: v for k, v in result.items() if k != "questions"}, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _row(engine: Any, question: DevQuestion, budget: int, depths: list[int]) -> dict[str, Any]:
    """What each reader is given for one question, and whether the right choice is in it."""
    captured: dict[str, Any] = {}
    collect = engine.collect_evidence

    def keep(standalone: Any, request: Any) -> Any:
        captured.update(evidence=collect(standalone, request), question=standalone.question, request=request)
        return captured["evidence"]

    engine.collect_evidence = keep  # the benchmark's process only: see what the reader would get
    try:
        answer = engine.ask(question.question, as_of=question.asked_on)
    finally:
        del engine.collect_evidence
    pattern = re.compile(choice_pattern(question.answer), re.IGNORECASE)
    quotes = " ".join(c.quote for c in answer.citations)
    row = {"id": question.id, "declined": answer.refused, "quotes": bool(pattern.search(quotes))}
    row["quote_chars"] = len(quotes)
    for depth in depths:
        passages = _passages(engine, captured, depth, budget)
        text = "\n\n".join(shown_text(p.text) for p in passages)
        row[f"passages@{depth}"] = bool(pattern.search(text))
        row[f"passage_chars@{depth}"] = len(text)
        row[f"passage_count@{depth}"] = len(passages)
    print(f"  {question.id}: {json.dumps(row)}", file=sys.stderr)
    return row


def _passages(engine: Any, captured: dict[str, Any], depth: int, budget: int) -> list[Any]:
    """The passages the reader gets with this retrieval depth, fitted to the budget."""
    if "evidence" not in captured:  # a question declined before retrieval (filters, instructions)
        return []
    found = engine.reader_passages(captured["question"], captured["request"], captured["evidence"], depth)
    return fitted(found, budget)


def _summary(rows: list[dict[str, Any]], args: argparse.Namespace, budget: int, index: str) -> dict[str, Any]:
    """The shares over the answerable questions, with how they were made."""
    count = len(rows) or 1
    admitted = [r for r in rows if not r["declined"]]
    result: dict[str, Any] = {
        "half": args.half,
        "sample": args.sample,
        "index": index,
        "context_tokens": args.context_tokens,
        "passage_budget_chars": budget,
        "answerable": len(rows),
        "declined": len(rows) - len(admitted),
        "quotes_in_context": round(sum(r["quotes"] for r in rows) / count, 4),
        "mean_quote_chars": round(sum(r["quote_chars"] for r in rows) / count),
    }
    for depth in args.depths:
        result[f"passages_in_context@{depth}"] = round(sum(r[f"passages@{depth}"] for r in rows) / count, 4)
        result[f"passages_in_context_when_answered@{depth}"] = round(
            sum(r[f"passages@{depth}"] for r in admitted) / count, 4
        )
        result[f"mean_passage_chars@{depth}"] = round(sum(r[f"passage_chars@{depth}"] for r in rows) / count)
        result[f"mean_passages@{depth}"] = round(sum(r[f"passage_count@{depth}"] for r in rows) / count, 2)
    result["questions"] = rows
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEV / "questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=DEV / "corpus.jsonl.gz")
    parser.add_argument("--half", choices=["tune", "check", "both"], default="check")
    parser.add_argument(
        "--sample", type=int, metavar="N", help="a fixed sample of N per half (its own index)"
    )
    parser.add_argument(
        "--context-tokens", type=int, default=DEFAULT_CONTEXT_TOKENS, help="the reader model's context"
    )
    parser.add_argument(
        "--depths",
        type=int,
        nargs="+",
        default=[READER_TOP_K],
        help="retrieval depths to compare (Engine.reader_passages top_k; 0 = the retrieved passages only)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (JSON)")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
