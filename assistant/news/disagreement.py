"""Disagreements between outlets: a number, a date or a name that fills the same slot in two
cited sentences which otherwise say the same thing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from pydantic import BaseModel, Field

from assistant.scoring.nlp import Entity, ParseCache
from assistant.text import content_terms, numbers, words
from assistant.types import Citation

Kind = Literal["number", "date", "name"]
# spaCy entity labels grouped by the kind of fact they state.
KINDS: dict[str, Kind] = {
    "CARDINAL": "number",
    "QUANTITY": "number",
    "MONEY": "number",
    "PERCENT": "number",
    "DATE": "date",
    "PERSON": "name",
}
# Two sentences report the same thing when at least this share of the terms of the shorter one
# (the differing values left out) is in the other: a paraphrase of one event, not a neighbour.
SAME_EVENT_SHARE = 0.6
# Fewer shared terms than this is too little context to call two sentences the same statement.
MIN_SHARED_TERMS = 4


class Disagreement(BaseModel):
    """Two outlets' quotes that state a different number, date or name for the same thing."""

    kind: Kind
    first: str = Field(description="the value in the first citation, as written")
    second: str = Field(description="the value in the second citation, as written")
    first_citation: Citation
    second_citation: Citation

    def describe(self) -> str:
        """'number: 12 (Devdiscourse (PTI)) vs 10 (TASS)' for display."""
        a, b = self.first_citation, self.second_citation
        return f"{self.kind}: {self.first} ({a.outlet}) vs {self.second} ({b.outlet})"


@dataclass(frozen=True)
class _Statement:
    """One sentence of a citation: its text, its terms and its dated, counted or named values."""

    citation: Citation
    text: str
    values: tuple[tuple[Kind, str], ...]


def find_disagreements(citations: Sequence[Citation], parses: ParseCache) -> list[Disagreement]:
    """Disagreements between citations of different outlets, each pair of sentences at most once."""
    statements = _statements(citations, parses)
    found: list[Disagreement] = []
    seen: set[tuple[str, str, str, str]] = set()
    for a, b in combinations(statements, 2):
        if not a.citation.outlet or a.citation.outlet == b.citation.outlet:
            continue
        for kind, first, second in differing_values(a.text, a.values, b.text, b.values):
            key = (kind, first.casefold(), second.casefold(), f"{a.citation.number}-{b.citation.number}")
            if key not in seen:
                seen.add(key)
                found.append(Disagreement(kind=kind, first=first, second=second,
                                          first_citation=a.citation, second_citation=b.citation))  # fmt: skip
    return found


def _statements(citations: Sequence[Citation], parses: ParseCache) -> list[_Statement]:
    """Every sentence of every citation with the values its entities state."""
    parsed = parses.parse_many([c.quote for c in citations])
    found = []
    for citation, sentences in zip(citations, parsed, strict=True):
        for sentence in sentences:
            text = citation.quote[sentence.start : sentence.end]
            found.append(_Statement(citation, text, _values(sentence.entities)))
    return found


def _values(entities: Sequence[Entity]) -> tuple[tuple[Kind, str], ...]:
    """(kind, text) of the entities that state a number, an absolute date or a person."""
    found = []
    for entity in entities:
        kind = KINDS.get(entity.label)
        if kind == "number" and not numbers(entity.text):
            continue  # 'several', 'dozens': no figure to compare
        if kind == "date" and not re.search(r"\d", entity.text):
            continue  # 'on Friday', 'last week': relative to the article's own date
        if kind is not None:
            found.append((kind, entity.text.strip()))
    return tuple(found)


def differing_values(
    text_a: str, values_a: Sequence[tuple[Kind, str]], text_b: str, values_b: Sequence[tuple[Kind, str]]
) -> list[tuple[Kind, str, str]]:
    """(kind, value in a, value in b) for each slot two same-event sentences fill differently."""
    found: list[tuple[Kind, str, str]] = []
    kinds: tuple[Kind, ...] = ("number", "date", "name")
    for kind in kinds:
        mine = [v for k, v in values_a if k == kind]
        theirs = [w for k, w in values_b if k == kind]
        only_a = [v for v in mine if not any(_compatible(kind, v, w) for w in theirs)]
        only_b = [w for w in theirs if not any(_compatible(kind, v, w) for v in mine)]
        if len(only_a) != 1 or len(only_b) != 1:
            continue  # no slot, or several: which value answers which is not clear
        first, second = only_a[0], only_b[0]
        if kind == "number" and _unit(first) != _unit(second):
            continue  # '12 posts' and '3 days' are different quantities
        if same_event(_without(text_a, first), _without(text_b, second)):
            found.append((kind, first, second))
    return found


def same_event(text_a: str, text_b: str) -> bool:
    """True when two sentences share enough terms to report the same thing."""
    terms_a, terms_b = set(content_terms(text_a)), set(content_terms(text_b))
    terms_a, terms_b = {t for t in terms_a if not t.isdigit()}, {t for t in terms_b if not t.isdigit()}
    shared = terms_a & terms_b
    shorter = min(len(terms_a), len(terms_b))
    return len(shared) >= MIN_SHARED_TERMS and len(shared) / max(shorter, 1) >= SAME_EVENT_SHARE


def _compatible(kind: Kind, a: str, b: str) -> bool:
    """True when two values can both be right: equal figures, or one name or date inside the other."""
    if kind == "number":
        return numbers(a) == numbers(b)
    words_a, words_b = set(words(a)), set(words(b))
    return words_a <= words_b or words_b <= words_a


def _unit(value: str) -> str:
    """The terms of a quantity other than its figure and hedges: 'about 72 hours' -> 'hour'."""
    return " ".join(t for t in content_terms(value) if not re.search(r"\d", t))


def _without(text: str, value: str) -> str:
    """The sentence with one value taken out, so the rest can be compared."""
    return text.replace(value, " ", 1)
