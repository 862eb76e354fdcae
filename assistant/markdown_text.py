"""Text placed in Markdown as literal text: whatever it holds shows as written, never as markup."""

from __future__ import annotations

import re

# Characters a Markdown renderer may act on anywhere in a line: links and images ([ ]), HTML (< >),
# entities (&), emphasis (* _ ~), code (`), maths ($) and backslash escapes themselves.
_INLINE = re.compile(r"([\\`*_\[\]<>&~$])")
# What opens a block when it starts a line: headings, lists, rules, tables (quotes: > above).
_LINE_START = re.compile(r"^(\s*)(?:([#+\-=|])|(\d+)([.)]))", re.MULTILINE)


def markdown_literal(text: str | None) -> str:
    """Text escaped so a Markdown renderer shows it as written: images, links and HTML as text."""
    escaped = _INLINE.sub(r"\\\1", text or "")
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    """'# x' -> '\\# x' and '1. x' -> '1\\. x' (a digit cannot be escaped, its stop can)."""
    indent, mark, digits, stop = match.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{digits}\\{stop}"
