"""Where a passage comes from: find_source, with syndicated copies grouped under the original."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from assistant.types import SourceCopy, SourceMatch
from index.passages import PassageIndex, PassageMatch
from index.store import SearchFilter

# Two articles sharing at least this share of the shorter one's five-word runs are one text (wire
# copy republished with a new headline, dateline, byline or a paragraph added or cut). On the dev
# corpus most articles share almost nothing with any other; pairs sharing half to four fifths are
# mostly separate stories reusing background paragraphs, those above mostly re-versions of one
# story (docs/experiments.md).
SYNDICATED_CONTAINMENT = 0.8
# Matches covering the passage within this share of the best match are equally good sources and
# are listed earliest first; weaker ones (they hold only part of the passage) follow, best first.
EQUAL_COVERAGE = 0.1
_LATEST = date.max  # undated articles sort after every dated one


def find_source(
    text: str,
    *,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    passages: PassageIndex,
) -> list[SourceMatch]:
    """Articles a passage comes from, earliest first, with syndicated copies under the original.

    Filters keep the texts with at least one article they admit; the credit still goes to the
    earliest copy, so a filtered outlet's reprint is never passed off as the original.
    """
    matches = passages.search(strip_quote_marks(text))
    wanted = SearchFilter(tuple(outlets or ()), since, until)
    groups = [
        group
        for group in _syndicated_groups(matches, passages)
        if any(wanted.admits(passages.article(m.article_id)) for m in group)
    ]
    if not groups:
        return []
    matches = [m for group in groups for m in group]
    best = max(m.coverage for m in matches)
    credited = [_credited(group, passages) for group in groups]
    equal = [m for m in credited if m.coverage >= best - EQUAL_COVERAGE]
    weaker = [m for m in credited if m.coverage < best - EQUAL_COVERAGE]
    equal.sort(key=lambda m: (m.published or _LATEST, m.source))
    weaker.sort(key=lambda m: (-m.coverage, m.published or _LATEST, m.source))
    return equal + weaker


def strip_quote_marks(text: str) -> str:
    """The passage without the quote marks and whitespace a user pasted around it."""
    return text.strip().strip("\"'“”‘’«»„").strip()


def _syndicated_groups(matches: list[PassageMatch], passages: PassageIndex) -> list[list[PassageMatch]]:
    """Matches split into groups of near-identical articles (each match in exactly one group)."""
    groups: list[list[PassageMatch]] = []
    for match in matches:
        for group in groups:
            if _same_text(match.article_id, group[0].article_id, passages):
                group.append(match)
                break
        else:
            groups.append([match])
    return groups


def _same_text(one: str, other: str, passages: PassageIndex) -> bool:
    """True when two articles are copies of one text (the shorter one stands in the longer)."""
    return _share(one, other, passages) >= SYNDICATED_CONTAINMENT


def _share(one: str, other: str, passages: PassageIndex) -> float:
    """The share of the shorter article's word runs that stand in the longer one."""
    return max(passages.containment(one, other), passages.containment(other, one))


def _credited(group: list[PassageMatch], passages: PassageIndex) -> SourceMatch:
    """The group's earliest article credited as the source, the others listed as its copies."""

    def when(match: PassageMatch) -> tuple[date, float, str]:
        article = passages.article(match.article_id)
        return (article.published or _LATEST, -match.coverage, article.source)

    ordered = sorted(group, key=when)
    first = ordered[0]
    article = passages.article(first.article_id)
    copies = [
        SourceCopy(
            article_id=m.article_id,
            containment=round(_share(m.article_id, first.article_id, passages), 3),
            **passages.article(m.article_id).credit().model_dump(),
        )
        for m in ordered[1:]
    ]
    return SourceMatch(
        article_id=first.article_id,
        start=first.start,
        end=first.end,
        exact=first.exact,
        coverage=max(m.coverage for m in group),
        passage=article.text[first.start : first.end],
        copies=copies,
        **article.credit().model_dump(),
    )
