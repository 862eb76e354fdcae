"""The news-assistant command: index, articles, ask and eval; more subcommands can be plugged in.

`chat` belongs to the ui package, which plugs it in (ui/cli.py) so that nothing here imports ui.
The `news-assistant` script runs ui.cli:main; `python -m assistant chat` says where chat lives.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.cli.arguments import iso_date
from assistant.config import Settings, load_settings
from assistant.generators import registry

CHAT_ELSEWHERE = (
    "the chat UI is served by the ui package: run `news-assistant chat` (or `python -m ui chat`); "
    "if news-assistant says this too, reinstall with `pip install -e .`"
)


@dataclass(frozen=True)
class Command:
    """A subcommand plugged in from outside assistant (the ui package's `chat`)."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]


def build_parser(extra: Sequence[Command] = ()) -> argparse.ArgumentParser:
    """The argument parser for every subcommand, with the extra ones plugged in."""
    parser = argparse.ArgumentParser(
        prog="news-assistant",
        description="Ask questions about news articles; every answer quotes its sources.",
    )
    parser.add_argument("--index-dir", type=Path, help="index directory (ASSISTANT_INDEX_DIR)")
    parser.add_argument("--chroma-host", help="use a Chroma server (ASSISTANT_CHROMA_HOST)")
    parser.add_argument("--chroma-port", type=int, help="Chroma server port (ASSISTANT_CHROMA_PORT)")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="index articles from files or folders")
    index.add_argument("paths", nargs="*", type=Path, help="files or folders (default: seeds/)")
    index.add_argument("--no-progress", action="store_true", help="no progress bar")

    articles = commands.add_parser("articles", help="list the indexed articles")
    articles.add_argument("--json", action="store_true", help="print JSON with the cleaned texts")

    ask = commands.add_parser("ask", help="ask a question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.add_argument("--llm", choices=registry.names(), help="generator (default: ASSISTANT_LLM)")
    ask.add_argument("--outlet", action="append", default=[], help="only this outlet (repeatable)")
    ask.add_argument("--since", type=iso_date, help="only articles published on or after (YYYY-MM-DD)")
    ask.add_argument("--until", type=iso_date, help="only articles published on or before")
    ask.add_argument(
        "--as-of",
        type=iso_date,
        help="ask as on that day: later articles left out, 'this week' read from it (default today)",
    )
    ask.add_argument("--top-k", type=int, help="number of chunks retrieved")

    source = commands.add_parser("source", help="find the articles a passage of text comes from")
    source.add_argument("text", help="the passage (verbatim or with a few words changed)")
    source.add_argument("--json", action="store_true", help="print the matches as JSON")
    source.add_argument("--outlet", action="append", default=[], help="only texts this outlet carried")
    source.add_argument("--since", type=iso_date, help="only texts with an article on or after (YYYY-MM-DD)")
    source.add_argument("--until", type=iso_date, help="only texts with an article on or before")

    plugged = {command.name for command in extra}
    for command in extra:
        sub = commands.add_parser(command.name, help=command.help)
        command.configure(sub)
        sub.set_defaults(plugged=command)
    if "chat" not in plugged:
        chat = commands.add_parser(
            "chat", help="serve the chat UI (run by `news-assistant chat`)", add_help=False, prefix_chars="\0"
        )
        chat.add_argument("rest", nargs=argparse.REMAINDER)

    from assistant.cli.compare import add_commands as add_compare_commands

    add_compare_commands(commands)

    evaluate = commands.add_parser("eval", help="run the gold-question eval")
    from assistant.cli.eval import add_arguments

    add_arguments(evaluate)

    fit = commands.add_parser("fit", help="refit the evidence models on a dev set's tuning half")
    from assistant.cli.fit import add_fit_arguments, add_fit_lead_arguments

    add_fit_arguments(fit)

    fit_lead = commands.add_parser("fit-lead", help="refit the lead's span scorer on a dev set's tuning half")
    add_fit_lead_arguments(fit_lead)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by command-line options."""
    overrides = {
        "index_dir": args.index_dir,
        "chroma_host": args.chroma_host,
        "chroma_port": args.chroma_port,
        "llm": getattr(args, "llm", None),
    }
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def main(argv: Sequence[str] | None = None, extra: Sequence[Command] = ()) -> int:
    """Run the command (with extra subcommands plugged in); known errors print a message, status 2."""
    args = build_parser(extra).parse_args(argv)
    try:
        settings = _settings(args)
        return _run(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if _is_user_error(exc):
            print(f"news-assistant: {exc}", file=sys.stderr)
            return 2
        raise


def _is_user_error(exc: Exception) -> bool:
    """Errors that are the user's to fix, shown as a message instead of a traceback."""
    from assistant.errors import USER_ERRORS

    return isinstance(exc, USER_ERRORS)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    """Dispatch to a subcommand."""
    if args.command == "index":
        return _index(args, settings)
    if args.command == "articles":
        return _articles(args, settings)
    if args.command == "ask":
        return _ask(args, settings)
    if args.command in ("compare", "coverage"):
        from assistant.cli.compare import run as run_compare

        return run_compare(args, settings)
    if args.command == "source":
        return _source(args, settings)
    plugged = getattr(args, "plugged", None)
    if plugged is not None:
        return int(plugged.run(args, settings))
    if args.command == "chat":
        print(f"news-assistant: {CHAT_ELSEWHERE}", file=sys.stderr)
        return 2
    if args.command in ("fit", "fit-lead"):
        from assistant.cli.fit import run as run_fit

        return run_fit(args, settings)
    from assistant.cli.eval import run

    return run(args, settings)


def _index(args: argparse.Namespace, settings: Settings) -> int:
    """news-assistant index [PATH ...]"""
    from assistant.api import index_paths

    paths = args.paths or settings.corpus
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"No such file or folder: {', '.join(map(str, missing))}")
    report = index_paths(paths, settings=settings, progress=False if args.no_progress else None)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    for duplicate in report.duplicates:
        print(f"duplicate {duplicate}", file=sys.stderr)
    print(report.summary())
    return 0


def _articles(args: argparse.Namespace, settings: Settings) -> int:
    """news-assistant articles [--json]"""
    from assistant.api import chunk_counts, list_articles

    articles = list_articles(settings, with_text=args.json)
    counts = chunk_counts(settings)
    if args.json:
        rows = [
            {
                "id": a.id,
                "source": a.source,
                "outlet": a.outlet,
                "title": a.title,
                "published": a.published.isoformat() if a.published else None,
                "url": a.url,
                "byline": a.byline,
                "dateline": a.dateline,
                "n_chunks": counts.get(a.id, 0),
                "text": a.text,
            }
            for a in articles
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for a in articles:
        when = a.published.isoformat() if a.published else "date not stated"
        print(f"{a.outlet or 'Unknown outlet':<24} {when:<16} {a.title or 'Untitled'}  [{a.source}]")
    print(f"{len(articles)} articles")
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    """news-assistant ask "QUESTION" """
    from assistant.api import ask

    answer = ask(
        args.question,
        llm=args.llm,
        outlets=args.outlet,
        since=args.since,
        until=args.until,
        top_k=args.top_k,
        as_of=args.as_of,
        settings=settings,
    )
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    if answer.rewritten:
        print(f"Searched for: {answer.question}\n")
    print(answer.lead())
    if summary := answer.summary():
        print(f"\nSummary: {summary}")
    if answer.note:
        print(f"\nNote: {answer.note}")
    if answer.cited():
        print()
    for c in answer.cited():
        print(f"[{c.number}] {c.said_by()}: {c.title or 'Untitled'}\n    {c.shown_quote()}")
    return 0


def _source(args: argparse.Namespace, settings: Settings) -> int:
    """news-assistant source "TEXT" """
    from assistant.api import find_source

    matches = find_source(
        args.text, outlets=args.outlet, since=args.since, until=args.until, settings=settings
    )
    if args.json:
        print(json.dumps([m.model_dump(mode="json") for m in matches], ensure_ascii=False, indent=2))
        return 0
    if not matches:
        print("Not found in the indexed articles (neither verbatim nor with a few words changed).")
        return 1
    for number, match in enumerate(matches, start=1):
        how = "verbatim" if match.exact else f"near-verbatim, {match.coverage:.0%} of the words"
        print(f"[{number}] {match.label()}  ({how}) [{match.source}]")
        print(f"    “{' '.join(match.passage.split())}”")
        for copy in match.copies:
            when = copy.published.isoformat() if copy.published else "date not stated"
            print(f"    copy: {copy.outlet or 'Unknown outlet'} · {when} · {copy.title or 'Untitled'}")
    return 0
