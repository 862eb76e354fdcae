"""Cuts: the places in a cleaned article where cleaning removed text that stood on the page.

Cleaning drops photo captions, related-link lines, gallery widgets and other page furniture, then
joins the paragraphs it keeps with blank lines. Two kept paragraphs that were not neighbours on the
page (removed text stood between them) meet at a *cut*. A cut is the character offset into the
cleaned text where the earlier paragraph ends (where the blank line joining it to the next begins).

A passage that runs across a cut never appeared on the page as published, so it must not be quoted
as one piece: `crosses_cut` tells, and `spans_without_cuts` splits a span into its quotable parts.
Spans are expected to be whitespace-trimmed, as `index.sentences.split_sentences` gives them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from index.boilerplate import FORMAT_CHARS

PARAGRAPH_SEPARATOR = "\n\n"  # how the cleaners join the paragraphs they keep
_SPACE = re.compile(r"\s+")
_LIST_MARKER = re.compile(r"^(?:[-*•·▪◦]|\d{1,3}[.)])\s+")


def crosses_cut(start: int, end: int, cuts: Sequence[int]) -> bool:
    """True when the span [start, end) of a cleaned text has text on both sides of a cut."""
    index = bisect_right(cuts, start)
    return index < len(cuts) and cuts[index] < end


def spans_without_cuts(start: int, end: int, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """Split the span [start, end) at every cut strictly inside it, first piece first."""
    pieces: list[tuple[int, int]] = []
    index = bisect_right(cuts, start)
    while index < len(cuts) and cuts[index] < end:
        pieces.append((start, cuts[index]))
        start = cuts[index]
        index += 1
    pieces.append((start, end))
    return pieces


def cut_offsets(paragraphs: Sequence[str], cut_before: Iterable[int]) -> list[int]:
    """Offsets of the cuts in the text the paragraphs join into, given the indices of the
    paragraphs that removed text preceded (index 0, the start of the text, is never a cut)."""
    ends: list[int] = []
    position = 0
    for paragraph in paragraphs:
        position += len(paragraph)
        ends.append(position)
        position += len(PARAGRAPH_SEPARATOR)
    return sorted({ends[i - 1] for i in cut_before if 0 < i < len(paragraphs)})


def original_page_text(text: str) -> str:
    """The page text as stored to check quotes against: invisible format characters removed."""
    return FORMAT_CHARS.sub("", text)


def _squeeze(text: str) -> str:
    """The text without whitespace or invisible characters, to compare extractions of one page."""
    return _SPACE.sub("", FORMAT_CHARS.sub("", text))


def _has_words(gap: str) -> bool:
    """True when text between two paragraphs on the page holds a letter or digit."""
    return any(ch.isalnum() for ch in gap)


def aligned_cuts(text: str, original: str) -> list[int] | None:
    """Cuts of a cleaned text found by locating its paragraphs, in order, in the page's text.

    Two consecutive paragraphs with words between them on the page meet at a cut; a paragraph
    that cannot be found on the page is fenced off by cuts on both sides. Returns None when most
    of the text cannot be found: then the page text is not what the text was cleaned from.
    """
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    page = _squeeze(original)
    cut_before: set[int] = set()
    position = located = 0
    previous: str | None = None  # the previous paragraph as found on the page; None if not found
    for index, paragraph in enumerate(paragraphs):
        squeezed = _squeeze(paragraph)
        found = page.find(squeezed, position)
        if found < 0 and _LIST_MARKER.match(paragraph):  # a list item the extractor marked "- "
            squeezed = _squeeze(_LIST_MARKER.sub("", paragraph))
            found = page.find(squeezed, position)
        if found < 0 or not squeezed:
            cut_before.update((index, index + 1))
            previous = None
            continue
        if index and not _adjacent(page, previous, position, found):
            cut_before.add(index)
        position = found + len(squeezed)
        previous = squeezed
        located += len(squeezed)
    if located * 2 < len(_squeeze(text)):
        return None
    return cut_offsets(paragraphs, cut_before)


def _adjacent(page: str, previous: str | None, position: int, found: int) -> bool:
    """True when nothing but punctuation stands on the page between the previous paragraph
    (ending at position) and the one found next; the previous one may first have matched an
    earlier copy of itself (a teaser), so it also counts when it stands right before."""
    if previous is None:
        return False
    if not _has_words(page[position:found]):
        return True
    return found >= len(previous) and page[found - len(previous) : found] == previous


def merge_cuts(*groups: Iterable[int]) -> list[int]:
    """The sorted union of several lists of cuts."""
    return sorted({cut for group in groups for cut in group})
