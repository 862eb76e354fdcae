"""How a verbatim quote is shown: its own quotation marks paired, and outer marks added only when
it does not already begin or end with one.

The quote itself (Citation.quote) stays exactly as the article printed it; only its display
changes. A quote window can start inside someone's quotation (its text holds a closing mark with
no opening one) or end inside one (an opening mark never closed); the missing partner is shown at
the quote's edge, in the same style as the mark it pairs with. A quote that then begins or ends
with a quotation mark is shown as it stands: wrapping it again would double the marks
(“"Our militaries...”).
"""

from __future__ import annotations

from typing import Literal

# Double quotation marks only: single ones double as apostrophes ("Russia's", "'90s").
_OPENING = {"“": "”", "„": "“", "«": "»"}  # an opening mark -> the closing mark that pairs with it
_CLOSING = {"”": "“", "»": "«"}  # a closing mark -> the opening mark that pairs with it
_STRAIGHT = '"'
_MARKS = frozenset(_OPENING) | frozenset(_CLOSING) | {_STRAIGHT}
# Characters after which a straight mark opens a quotation rather than closing one.
_BEFORE_OPENING = "([{—–-/"

Side = Literal["open", "close"]


def mark_side(text: str, i: int) -> Side | None:
    """Whether the quotation mark at text[i] opens or closes a quotation (None: not a double mark).
    A straight mark opens at the start, after a space or an opening bracket or dash, else closes."""
    char = text[i]
    if char in _OPENING:
        return "open"
    if char in _CLOSING:
        return "close"
    if char != _STRAIGHT:
        return None
    before = text[i - 1] if i > 0 else " "
    return "open" if before.isspace() or before in _BEFORE_OPENING else "close"


def missing_partners(text: str) -> tuple[str, str]:
    """The marks a quote lacks to pair its own: (the opening mark it began after, the closing mark
    its last quotation needs); each '' when nothing is missing."""
    before, pending = "", ""
    for i, char in enumerate(text):
        side = mark_side(text, i)
        if side == "open":
            pending = char  # an opening mark in an unclosed quotation starts the next paragraph's
        elif side == "close":
            if pending:
                pending = ""
            elif not before:
                before = _CLOSING.get(char, char)
    after = _OPENING.get(pending, pending)
    return before, after


def shown_quote(text: str, wrap: bool = True) -> str:
    """The quote as shown to a reader: whitespace folded, missing partner marks added, and (with
    wrap) set in “ ” unless it already begins or ends with a quotation mark."""
    text = " ".join(text.split())
    before, after = missing_partners(text)
    text = f"{before}{text}{after}"
    if wrap and text and text[0] not in _MARKS and text[-1] not in _MARKS:
        text = f"“{text}”"
    return text
