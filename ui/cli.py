"""The `news-assistant` command: assistant's subcommands plus `chat`, which this package serves.

Wiring `chat` here, at the top, keeps the layering one-way: ui imports assistant, never the reverse.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from assistant import Settings
from assistant.cli.main import Command
from assistant.cli.main import main as assistant_main


def _chat_arguments(parser: argparse.ArgumentParser) -> None:
    """The chat subcommand's options."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=7860, help="port to serve on (default: 7860)")


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    """news-assistant chat [--host HOST] [--port PORT]"""
    from ui.app import serve

    serve(settings, host=args.host, port=args.port)
    return 0


CHAT = Command("chat", "serve the chat UI in the browser", _chat_arguments, _chat)


def main(argv: Sequence[str] | None = None) -> int:
    """Run news-assistant with every subcommand, chat included."""
    return assistant_main(argv, extra=[CHAT])


if __name__ == "__main__":  # `python -m ui.cli` behaves like `python -m ui`
    raise SystemExit(main())
