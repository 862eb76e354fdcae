"""The extractive generator: no LLM, the answer is the best quotes with their attribution."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.quote_marks import shown_quote
from assistant.types import Quote


def reported(quote: Quote) -> str:
    """'TASS reported on 28 December 2016', 'Press TV reported (date not stated)', or with the
    quote's speaker 'Dmitry Peskov said, as reported by TASS on 28 December 2016'."""
    outlet = quote.outlet or "An unnamed outlet"
    when = " (date not stated)" if quote.published is None else f" on {quote.published.strftime('%-d %B %Y')}"
    if quote.speaker:
        return f"{quote.speaker} said, as reported by {outlet}{when}"
    return f"{outlet} reported{when}"


def attribute(quote: Quote, number: int) -> str:
    """One answer sentence: the outlet and date, then the verbatim quote and its marker."""
    return f"{reported(quote)}: {shown_quote(quote.text)} [{number}]"


def from_settings(settings: object) -> ExtractiveGenerator:
    """The registry's factory: no LLM, the answer is the best quotes with their attribution."""
    return ExtractiveGenerator()


class ExtractiveGenerator:
    """Composes the answer from the quotes themselves: deterministic and fast."""

    name = "extractive"
    prose_leads = False  # its "prose" is the quotes themselves

    def stream(self, question: str, quotes: list[Quote]) -> Iterator[str]:
        """Yield one attributed quote per line."""
        for number, quote in enumerate(quotes, start=1):
            yield ("\n\n" if number > 1 else "") + attribute(quote, number)
