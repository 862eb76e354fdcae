"""The `compare` and `coverage` subcommands: outlets side by side, and coverage over time."""

from __future__ import annotations

import argparse

from assistant.cli.arguments import iso_date
from assistant.config import Settings

COMMANDS = ("compare", "coverage")


def _filters(parser: argparse.ArgumentParser) -> None:
    """The outlet and date options both commands take."""
    parser.add_argument("--outlet", action="append", default=[], help="only this outlet (repeatable)")
    parser.add_argument("--since", type=iso_date, help="only articles published on or after (YYYY-MM-DD)")
    parser.add_argument("--until", type=iso_date, help="only articles published on or before")


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `compare` and `coverage` to the news-assistant subcommands."""
    compare = commands.add_parser("compare", help="how each outlet covers a question, side by side")
    compare.add_argument("question")
    compare.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    _filters(compare)
    coverage = commands.add_parser("coverage", help="matching articles per outlet per week or month")
    coverage.add_argument("question", nargs="?", help="count the articles matching this (default: all)")
    coverage.add_argument("--format", choices=["table", "csv", "markdown", "json"], default="table")
    _filters(coverage)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `compare` or `coverage` and print the result in the chosen format."""
    filters = {"outlets": args.outlet, "since": args.since, "until": args.until, "settings": settings}
    if args.command == "compare":
        from assistant.api import compare
        from assistant.news.comparison_text import comparison_markdown, comparison_text

        comparison = compare(args.question, **filters)
        if args.format == "json":
            print(comparison.model_dump_json(indent=2))
        else:
            show = comparison_markdown if args.format == "markdown" else comparison_text
            print(show(comparison), end="")
        return 0
    from assistant.api import coverage

    found = coverage(args.question, **filters)
    if args.format == "json":
        print(found.model_dump_json(indent=2))
    elif args.format == "csv":
        print(found.to_csv(), end="")
    elif args.format == "markdown":
        print(found.to_markdown())
    else:
        rows = found.rows(nonempty_only=True)  # a terminal is narrow: periods with articles only
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        print(f"{found.total} matching article(s), per {found.period}")
    return 0
