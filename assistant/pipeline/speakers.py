"""Who said each quote: speakers attached to quotes, and who-said-what questions answered by speaker.

A quote's speaker comes from its own article (scoring/mentions.py), never from the question: a
quote is credited to a person only when the article says that person said it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from assistant.scoring.mentions import MentionCache, speaker_of
from assistant.scoring.nlp import question_doc
from assistant.text import STOPWORDS
from assistant.types import Quote

# Candidates beyond the chosen quotes looked at for the speaker a question names: the best few,
# since each costs a parse of its surroundings (about 0.1 s on one core).
SPEAKER_CANDIDATES = 4
# The text parsed around a quote: the paragraphs up to this many characters before it (where a
# story introduces who speaks, by full name) and after it (an attribution follows within a
# sentence or two). Parsing whole articles took up to 10 s for the longest dev-set pages.
CONTEXT_BEFORE = 2500
CONTEXT_AFTER = 600

# Entity labels of a speaker a question can name: a person or an organisation (not a country).
_NAMED_SPEAKERS = frozenset({"PERSON", "ORG"})
_PERSON = frozenset({"PERSON"})
_WORD = re.compile(r"[A-Z][\w’'-]+")
_WH_TAGS = frozenset({"WP", "WDT"})  # 'what', 'which' standing for the thing said or done
_OBJECT_DEPS = frozenset({"dobj", "dative", "ccomp"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_NAME_PART_DEPS = frozenset({"compound", "flat"})  # 'Bashar al-Assad' is a head with compounds


def with_speakers(quotes: Sequence[Quote], articles: Mapping[str, str], cache: MentionCache) -> list[Quote]:
    """The quotes, each with the person or body its article says spoke it (None: narration)."""
    spans: dict[str, tuple[int, int]] = {}  # one parse per article when its quotes lie close
    for quote in quotes:
        low, high = spans.get(quote.article_id, (quote.start, quote.end))
        spans[quote.article_id] = (min(low, quote.start), max(high, quote.end))
    found = []
    for quote in quotes:
        text = articles.get(quote.article_id)
        speaker = None
        if text:
            low, high = spans[quote.article_id]
            close = high - low <= CONTEXT_BEFORE
            start, end = (
                surroundings(text, low, high) if close else surroundings(text, quote.start, quote.end)
            )
            speaker = speaker_of(cache.of(text[start:end]), quote.start - start, quote.end - start)
        if speaker and quote.outlet and speaker.casefold() in quote.outlet.casefold():
            speaker = None  # the outlet's own words are its narration, credited to it already
        found.append(replace(quote, speaker=speaker))
    return found


def surroundings(text: str, start: int, end: int) -> tuple[int, int]:
    """The span parsed for a quote: whole paragraphs from up to CONTEXT_BEFORE characters before
    it to up to CONTEXT_AFTER after it; within one long paragraph, the nearest space."""
    first = max(0, start - CONTEXT_BEFORE)
    if first > 0:
        cut = text.find("\n\n", first, start)
        first = cut + 2 if cut >= 0 else max(first, text.find(" ", first, start) + 1)
    last = min(len(text), end + CONTEXT_AFTER)
    if last < len(text):
        cut = text.rfind("\n\n", end, last)
        last = cut if cut >= 0 else max(end, text.rfind(" ", end, last))
    return first, last


def asked_names(question: str) -> frozenset[str]:
    """Lower-cased words of the people and organisations a question names (spaCy's entities)."""
    doc = question_doc(question)
    return frozenset(
        w.lower()
        for ent in doc.ents
        if ent.label_ in _NAMED_SPEAKERS
        for w in _WORD.findall(ent.text)
        if w.lower() not in STOPWORDS
    )


def asked_subject(question: str, labels: frozenset[str] = _NAMED_SPEAKERS) -> frozenset[str]:
    """Lower-cased name words of X in 'What did X say / do / tell ...?': a question whose answer is
    something a named person or organisation (or X of the entity labels given) said or did (empty
    for any other question)."""
    doc = question_doc(question)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return frozenset()
    asked = any(c.tag_ in _WH_TAGS and c.dep_ in _OBJECT_DEPS for c in root.children)
    subjects = [c for c in root.children if c.dep_ in _SUBJECT_DEPS]
    if not asked or not subjects:
        return frozenset()
    heads = [t for s in subjects for t in (s, *s.children) if t is s or t.dep_ in _NAME_PART_DEPS]
    return frozenset(
        t.text.lower()
        for t in heads
        if t.ent_type_ in labels and _WORD.fullmatch(t.text) and t.text.lower() not in STOPWORDS
    )


def only_asked_person(question: str, quotes: list[Quote]) -> list[Quote]:
    """For 'What did X say ...?' naming a person, when any quote is X's: X's quotes and the
    narration that names X ('X told reporters that ...'), never another speaker's words. A body
    (an organisation) speaks through many people, so its questions keep every quote."""
    person = asked_subject(question, _PERSON)
    if not person or not any(spoken_by(q.speaker, person) for q in quotes):
        return quotes
    return [q for q in quotes if spoken_by(q.speaker, person) or (q.speaker is None and involves(q, person))]


def involves(quote: Quote, names: frozenset[str]) -> bool:
    """True when the quote is said by one of the names or mentions one of them."""
    if spoken_by(quote.speaker, names):
        return True
    words = {w.lower() for w in _WORD.findall(quote.text)}
    return bool(words & names)


def spoken_by(speaker: str | None, names: frozenset[str]) -> bool:
    """True when a speaker is someone the question names ('Putin' ~ 'Vladimir Putin')."""
    if not speaker or not names:
        return False
    return any(word.lower() in names for word in _WORD.findall(speaker))


def prefer_named_speaker(
    question: str,
    chosen: list[Quote],
    ranked: Sequence[Quote],
    floor: float,
    articles: Mapping[str, str],
    cache: MentionCache,
) -> list[Quote]:
    """Chosen quotes with speakers; when the question names a speaker, that speaker's quotes first.

    A quote by the named speaker among the chosen ones moves to the front; if none was chosen, the
    best candidate by that speaker that is nearly as likely to answer (score >= floor) leads.
    """
    quotes = with_speakers(chosen, articles, cache)
    names = asked_names(question) - _outlet_words(quotes)
    if not names or not quotes or spoken_by(quotes[0].speaker, names):
        return quotes
    mine = [q for q in quotes if spoken_by(q.speaker, names)]
    if mine:
        return mine + [q for q in quotes if q not in mine]
    taken = {(q.article_id, q.start, q.end) for q in quotes}
    for candidate in ranked[:SPEAKER_CANDIDATES]:
        if candidate.score < floor:
            break
        key = (candidate.article_id, candidate.start, candidate.end)
        if key in taken or any(_overlap(candidate, q) for q in quotes):
            continue
        [attributed] = with_speakers([candidate], articles, cache)
        if spoken_by(attributed.speaker, names):
            return [attributed, *quotes]
    return quotes


def _outlet_words(quotes: Sequence[Quote]) -> frozenset[str]:
    """Words of the quotes' outlet names: naming an outlet is not naming a speaker."""
    return frozenset(w.lower() for q in quotes for w in _WORD.findall(q.outlet or ""))


def _overlap(a: Quote, b: Quote) -> bool:
    """True when two quotes share characters of one article."""
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end
