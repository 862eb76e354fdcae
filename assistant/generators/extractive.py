"""The extractive generator: no LLM, the answer is the best quotes with their attribution."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.evidence import Quote


def reported(quote: Quote) -> str:
    """'TASS reported on 28 December 2016' or 'Press TV reported (date not stated)'."""
    outlet = quote.outlet or "An unnamed outlet"
    if quote.published is None:
        return f"{outlet} reported (date not stated)"
    return f"{outlet} reported on {quote.published.strftime('%-d %B %Y')}"


def attribute(quote: Quote, number: int) -> str:
    """One answer sentence: the outlet and date, then the verbatim quote and its marker."""
    text = " ".join(quote.text.split())
    if text[:1] not in "\"“‘'":
        text = f"“{text}”"
    return f"{reported(quote)}: {text} [{number}]"


class ExtractiveGenerator:
    """Composes the answer from the quotes themselves: deterministic and fast."""

    name = "extractive"

    def stream(self, question: str, quotes: list[Quote]) -> Iterator[str]:
        """Yield one attributed quote per line."""
        for number, quote in enumerate(quotes, start=1):
            yield ("\n\n" if number > 1 else "") + attribute(quote, number)
