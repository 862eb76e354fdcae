"""Verification: every quote verbatim, every [n] real, every sentence supported, or it goes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from assistant.pipeline.quarantine import is_tainted
from assistant.quote_marks import shown_quote
from assistant.text import contains_verbatim, content_terms, normalise, numbers
from assistant.types import Quote
from index.boilerplate import FORMAT_CHARS
from index.sentences import split_sentences

# A generated sentence may use a few words its quotes do not (connectives, paraphrase): up to this
# share of its content terms, and one term in any sentence of five or more.
MAX_UNSUPPORTED_SHARE = 0.15
# A sentence of at least this many content terms may carry one word its quotes lack (a connective,
# a paraphrased verb) even where the share above rounds down to none.
ONE_FREE_WORD_TERMS = 5
_MARKERS = re.compile(r"(?:\s*\[\d+\])+[.!?]?")
_MARKER = re.compile(r"\[(\d+)\]")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*[^)\s]+[^)]*\)")
_URL = re.compile(r"\b(?:https?|ftp|data|javascript):[^\s)\]]+", re.I)
_TAG = re.compile(r"<[^>]{0,500}>")
_ATTRIBUTED = re.compile(r"^(?P<lead>[^“\"\n]{0,160}?):\s+(?P<quote>.+?)\s*$", re.DOTALL)
_WH_QUESTION = re.compile(r"\b(?:who|whom|whose|what|which|where|when|why|how)\b", re.I)
_YES_NO = re.compile(
    r"(?:true or false|yes or no)\b|(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would"
    r"|should)\s",
    re.I,
)
_QUOTED = re.compile(r"[\"“]([^\"”]{12,})[\"”]")
_ATTRIBUTION = set(
    content_terms(
        "according reported report reports says said stated states added noted told quoted "
        "outlet article news agency date stated January February March April May June July "
        "August September October November December"
    )
)


@dataclass
class Verified:
    """The checked answer: surviving text (renumbered), the quotes it cites, what was removed."""

    text: str
    used: list[int] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def news_organisations() -> tuple[str, ...]:
    """Agencies and broadcasters a sentence may credit (package data)."""
    text = resources.files("assistant.data").joinpath("news_organisations.yaml").read_text(encoding="utf-8")
    return tuple(str(name) for name in yaml.safe_load(text)["organisations"])


def sanitise(text: str) -> str:
    """Remove markup a model might emit: tags, images, links, URLs and invisible characters."""
    text = _TAG.sub("", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    return FORMAT_CHARS.sub("", text)


def quote_is_verbatim(quote: Quote, article_text: str | None, original_text: str | None = None) -> bool:
    """True when the quote stands in its article, at its offsets or anywhere after normalising,
    and, when the page's text before cleaning is given, verbatim in that too (no removed text
    such as a photo caption or a related-link line stood inside it on the page). A quote carrying
    quarantined text (instructions, markup, links, payloads) never passes, however it was made."""
    if not article_text or is_tainted(quote.text):
        return False
    in_article = article_text[quote.start : quote.end] == quote.text or contains_verbatim(
        article_text, quote.text
    )
    return in_article and (original_text is None or contains_verbatim(original_text, quote.text))


def verify_answer(
    text: str,
    quotes: list[Quote],
    articles: Mapping[str, str],
    attach: bool = False,
    originals: Mapping[str, str] | None = None,
    question: str | None = None,
) -> Verified:
    """Keep only cited, supported sentences whose quotes are verbatim; renumber their markers.

    With attach, a sentence that cites nothing gets the marker of the one quote that supports it
    (small models often forget to cite); it is still checked like any other sentence. With the
    question, a sentence that only restates a wh-question goes too: it is supported, but answers
    nothing.
    """
    asked = _wh_terms(question) if question else None
    good = {
        number
        for number, quote in enumerate(quotes, start=1)
        if quote_is_verbatim(
            quote, articles.get(quote.article_id), originals.get(quote.article_id) if originals else None
        )
    }
    removed: list[str] = []
    kept: list[str] = []
    for segment, cited in _segments(text):
        valid = [n for n in cited if n in good]
        body = _MARKER.sub("", segment).strip()
        if not body:
            continue
        if not valid and attach:
            valid = _supporting_quote(body, quotes, good)
        if not valid:
            removed.append(body)
            continue
        cited_quotes = [quotes[n - 1] for n in valid]
        if _attributed_verbatim(body, cited_quotes, quotes):  # the quote's own stop stays in it
            kept.append(f"{body} {''.join(f'[{n}]' for n in dict.fromkeys(valid))}")
            continue
        supported = [
            s for s in _sentences(body)
            if _supported(s, cited_quotes, quotes) and not (asked is not None and _restates(s, asked))
        ]  # fmt: skip
        dropped = [s for s in _sentences(body) if s not in supported]
        removed.extend(dropped)
        if supported:
            markers = "".join(f"[{n}]" for n in dict.fromkeys(valid))
            kept.append(_join(supported, markers))
    return _renumber(kept, removed)


def _quotes(quote: Quote, inner: str, shown: str) -> bool:
    """True when an answer line's quote is the quote as shown (its marks paired) or lies in it."""
    return normalise(shown_quote(quote.text)) == shown or contains_verbatim(quote.text, inner)


def _attributed_verbatim(body: str, cited: list[Quote], all_quotes: list[Quote]) -> bool:
    """True for 'Outlet reported ...: “<the whole quote>”' where the quote is one cited verbatim
    and the lead names its outlet and no other: checked as a unit, never cut in half."""
    match = _ATTRIBUTED.match(body.strip())
    if not match:
        return False
    inner = match["quote"]
    shown = normalise(inner)
    if inner.startswith("“") and inner.endswith("”"):
        inner = inner[1:-1]
    source = next((q for q in cited if _quotes(q, inner, shown)), None)
    if source is None:
        return False
    lead = normalise(match["lead"]).casefold()
    if source.outlet and normalise(source.outlet).casefold() not in lead:
        return False
    others = {q.outlet for q in all_quotes if q.outlet and q.outlet != source.outlet}
    return not any(normalise(o).casefold() in lead for o in others)


def _segments(text: str) -> list[tuple[str, list[int]]]:
    """Split text after each run of [n] markers: (segment text, the numbers it cites)."""
    segments: list[tuple[str, list[int]]] = []
    position = 0
    for match in _MARKERS.finditer(text):
        segment = text[position : match.end()]
        segments.append((segment, [int(n) for n in _MARKER.findall(match.group())]))
        position = match.end()
    tail = text[position:]
    if tail.strip():
        segments.append((tail, []))
    return segments


def _sentences(body: str) -> list[str]:
    """Sentences of a segment."""
    return [body[start:end] for start, end in split_sentences(body)]


def _supported(sentence: str, cited: list[Quote], all_quotes: list[Quote]) -> bool:
    """True when the cited quotes back the sentence: its quotes, numbers, outlets and terms."""
    evidence = " ".join(q.text for q in cited)
    for quoted in _QUOTED.findall(sentence):
        if not any(contains_verbatim(q.text, quoted) for q in cited):
            return False
    allowed_numbers = numbers(evidence) | {
        str(part) for q in cited if q.published for part in (q.published.day, q.published.year)
    }
    if not numbers(sentence) <= allowed_numbers:
        return False
    if _credits_another_outlet(sentence, cited, all_quotes):
        return False
    attribution = set(_ATTRIBUTION)
    for quote in cited:
        attribution |= set(content_terms(f"{quote.outlet or ''} {quote.title or ''}"))
        if quote.published:
            attribution |= set(content_terms(quote.published.strftime("%-d %B %Y")))
    terms = [t for t in content_terms(sentence) if t not in _ATTRIBUTION]
    if not terms:
        return False
    present = set(content_terms(evidence)) | attribution
    unsupported = sum(t not in present for t in terms)
    allowed = max(1 if len(terms) >= ONE_FREE_WORD_TERMS else 0, int(MAX_UNSUPPORTED_SHARE * len(terms)))
    return unsupported <= allowed


def _wh_terms(question: str) -> set[str] | None:
    """The content terms of a question that asks who, what, which, where, when, why or how; None
    for a yes/no or true/false question, whose answer may rightly repeat it."""
    if not _WH_QUESTION.search(question) or _YES_NO.match(question.strip()):
        return None
    return set(content_terms(question))


def _restates(sentence: str, asked: set[str]) -> bool:
    """True when every content term of a sentence is one the question already used."""
    terms = [t for t in content_terms(sentence) if t not in _ATTRIBUTION]
    return bool(terms) and all(t in asked for t in terms)


def _supporting_quote(body: str, quotes: list[Quote], good: set[int]) -> list[int]:
    """The number of the one verbatim quote that supports every sentence of body, if any."""
    for number in sorted(good):
        quote = quotes[number - 1]
        if all(_supported(s, [quote], quotes) for s in _sentences(body)):
            return [number]
    return []


def _credits_another_outlet(sentence: str, cited: list[Quote], all_quotes: list[Quote]) -> bool:
    """True when a sentence names an outlet that neither published nor is mentioned in its quotes."""
    allowed = " ".join(f"{q.outlet or ''} {q.text}" for q in cited)
    names = {q.outlet for q in all_quotes if q.outlet} | set(news_organisations())
    for name in names:
        pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
        flags = 0 if len(name) <= 3 else re.IGNORECASE
        if re.search(pattern, sentence, flags) and not re.search(pattern, allowed, flags):
            return True
    return False


def _join(sentences: list[str], markers: str) -> str:
    """Re-attach markers to the last kept sentence of a segment, before its final stop."""
    text = " ".join(s.strip() for s in sentences)
    stop = ""
    if text and text[-1] in ".!?" and not text.endswith(("”", '"')):
        text, stop = text[:-1].rstrip(), text[-1]
    return f"{text} {markers}{stop}"


def _renumber(kept: list[str], removed: list[str]) -> Verified:
    """Number the cited quotes 1, 2, ... in order of first use."""
    order: dict[int, int] = {}
    for segment in kept:
        for number in _MARKER.findall(segment):
            order.setdefault(int(number), len(order) + 1)
    renumbered = [_MARKER.sub(lambda m: f"[{order[int(m.group(1))]}]", s) for s in kept]
    return Verified(text="\n\n".join(renumbered), used=list(order), removed=removed)
