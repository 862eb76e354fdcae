"""Argument types every subcommand shares (news-assistant ask, source, compare, coverage)."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(value: str) -> date:
    """Parse an ISO date for argparse, with a clear message."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None
