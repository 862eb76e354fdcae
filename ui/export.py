"""Export a conversation with its citations as Markdown or JSON (pure functions).

In Markdown every text from a user, a model or an article is escaped (assistant.markdown_literal):
a viewer shows an image, link or tag inside a quote as text, and fetches nothing. JSON keeps the
texts verbatim, as data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from assistant import markdown_literal as md
from ui.render import Turn, format_date


def _quote_block(text: str) -> str:
    """Text as a Markdown blockquote, one '> ' per line, shown as written."""
    return "\n".join(f"> {md(line)}" if line else ">" for line in text.splitlines())


def export_markdown(turns: Sequence[Turn], exported: datetime | None = None) -> str:
    """The conversation as Markdown: questions, answers, notes and numbered sources."""
    when = (exported or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# News assistant conversation", "", f"Exported {when}.", ""]
    for number, turn in enumerate(turns, start=1):
        lines += [f"## {number}. {md(turn.question)}", ""]
        answer = turn.answer
        if answer is None:
            lines += [f"_Could not answer: {md(turn.error or 'no answer')}_", ""]
            continue
        if answer.rewritten:
            lines += [f"_Searched for: {md(answer.question)}_", ""]
        if answer.refused:
            lines += ["**Not in the articles.**", ""]
        lines += [md(answer.lead()), ""]
        if summary := answer.summary():
            lines += [f"Summary: {md(summary)}", ""]
        if answer.note:
            lines += [f"_Note: {md(answer.note)}_", ""]
        cited = answer.cited()
        if cited:
            lines += ["**Sources**", ""]
        for c in cited:
            credit = f"{md(c.outlet or 'Unknown outlet')}, {format_date(c.published)}"
            said = f"{md(c.speaker)} said, as reported by " if c.speaker else ""
            where = md(c.url or c.source)
            lines += [f"[{c.number}] {said}{credit}: {md(c.title or 'Untitled')} ({where})", ""]
            lines += [_quote_block(c.shown_quote(wrap=False)), ""]
        if answer.refused and answer.closest:
            lines += ["**Closest articles**", ""]
            for ref in answer.closest:
                credit = f"{md(ref.outlet or 'Unknown outlet')}, {format_date(ref.published)}"
                lines.append(f"- {credit}: {md(ref.title or 'Untitled')} ({md(ref.url or ref.source)})")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_json(turns: Sequence[Turn], exported: datetime | None = None) -> str:
    """The conversation as JSON: each question with its full Answer (or its error)."""
    when = (exported or datetime.now(UTC)).isoformat(timespec="seconds")
    items = [
        {
            "question": t.question,
            "answer": t.answer.model_dump(mode="json") if t.answer else None,
            "error": t.error,
        }
        for t in turns
    ]
    return json.dumps({"exported": when, "turns": items}, ensure_ascii=False, indent=2)


def write_exports(turns: Sequence[Turn], directory: Path, stem: str) -> tuple[Path, Path]:
    """Write the Markdown and JSON exports into a directory; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    markdown = directory / f"{stem}.md"
    data = directory / f"{stem}.json"
    markdown.write_text(export_markdown(turns), encoding="utf-8")
    data.write_text(export_json(turns), encoding="utf-8")
    return markdown, data
