"""The passages reader: a capable model reads the numbered retrieved passages and answers in JSON;
each sentence is kept only when its span is verbatim in its passage, in the article as cleaned
and in the page as published, and the span supports it (assistant/verify.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.generators.base import ContextExceeded
from assistant.pipeline.quarantine import is_tainted
from assistant.pipeline.readers.base import Passage, Reading, ReadRequest
from assistant.pipeline.readers.schema import SCHEMA, Reply, parse_reply
from assistant.pipeline.verify import quote_is_verbatim, sanitise, verify_answer
from assistant.prompts import load_prompt
from assistant.text import normalise
from assistant.types import Quote
from index.cuts import crosses_cut
from index.models import Article
from index.sentences import split_sentences

# When neither a setting nor the server states the model's context: 4096 tokens, what Ollama and
# llama.cpp's server give a model by default and the least any current 7B+ model is trained for.
DEFAULT_CONTEXT_TOKENS = 4096
# English news text runs about 4 characters a token with BPE tokenizers; 3.5 leaves room for the
# names and numbers news is full of, which split into more tokens.
CHARS_PER_TOKEN = 3.5
# The instructions, the JSON example and the question take about 300 tokens; the rest of the
# context, less the reply's tokens, holds passages.
PROMPT_TOKENS = 300
# A server that says the prompt did not fit (and how large its context is) is asked again with
# passages for a quarter less than that, room for a tokenizer that splits this text finer than
# CHARS_PER_TOKEN assumes; twice at most.
FIT_RETRIES = 2
SHRINK = 0.75
WITHHELD = "[…]"  # a quarantined sentence as the reader sees it: instructions are never shown
_MARKER = re.compile(r"\s*\[\d+\]")


class PassagesReader:
    """Asks the generator's model for a structured reading of the passages, then verifies it."""

    name = "passages"

    def __init__(self, context_tokens: int = 0, max_tokens: int = 400) -> None:
        self.context_tokens = context_tokens
        self.max_tokens = max_tokens

    def read(self, request: ReadRequest, generator: object) -> Reading | None:
        """The verified reading; None when the generator cannot read (no model: the quotes path)."""
        complete = getattr(generator, "complete_json", None)
        if complete is None or not request.passages:
            return None
        tokens = self.context_tokens or _stated_context(generator) or DEFAULT_CONTEXT_TOKENS
        for attempt in range(FIT_RETRIES + 1):
            passages = fitted(request.passages, self.chars_for(tokens))
            instructions, prompt = render_passages_prompt(request.question, passages)
            try:
                raw = complete(instructions, prompt, SCHEMA, self.max_tokens)
                break
            except ContextExceeded as exc:
                if attempt == FIT_RETRIES:
                    raise
                tokens = int(min(exc.limit or tokens, tokens) * SHRINK)
                self.context_tokens = tokens  # what this model was found to take, for the next ask
        return verify_reading(parse_reply(raw), passages, request)

    def budget_chars(self, generator: object) -> int:
        """Characters of passages that fit the model's context beside the prompt and the reply."""
        return self.chars_for(self.context_tokens or _stated_context(generator) or DEFAULT_CONTEXT_TOKENS)

    def chars_for(self, tokens: int) -> int:
        """Characters of passages that fit a context of this many tokens."""
        return max(0, int((tokens - PROMPT_TOKENS - self.max_tokens) * CHARS_PER_TOKEN))


def _stated_context(generator: object) -> int | None:
    """The context length the generator's server or model states, if it states one."""
    stated = getattr(generator, "context_tokens", None)
    return stated() if callable(stated) else None


def numbered_passages(chunks: Iterable[Any], articles: Mapping[str, Article]) -> list[Passage]:
    """Retrieved chunks (retrieval.RetrievedChunk, in rank order) as numbered passages, one each."""
    passages: list[Passage] = []
    for item in chunks:
        chunk = item.chunk
        article = articles.get(chunk.article_id)
        cuts = tuple(article.cuts) if article is not None else ()
        passages.append(
            Passage(
                len(passages) + 1, chunk.text, chunk.article_id, chunk.start, chunk.end, chunk.credit(), cuts
            )
        )
    return passages


def fitted(passages: Sequence[Passage], budget: int) -> list[Passage]:
    """The first passages whose text fits the budget (always the first one)."""
    kept: list[Passage] = []
    used = 0
    for passage in passages:
        if kept and used + len(passage.text) > budget:
            break
        kept.append(passage)
        used += len(passage.text)
    return kept


def shown_text(text: str) -> str:
    """A passage as the model sees it: each quarantined sentence (instructions, markup, links)
    withheld, so nothing written to an assistant reaches one."""
    pieces = []
    position = 0
    for start, end in split_sentences(text):
        pieces.append(text[position:start])
        pieces.append(WITHHELD if is_tainted(text[start:end]) else text[start:end])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def render_passages_prompt(question: str, passages: Sequence[Passage]) -> tuple[str, str]:
    """Return (instructions, prompt): the numbered passages with their credits, then the question."""
    spec = load_prompt("passages")
    blocks = [
        spec["passage"].format(
            number=p.number,
            credit=_credit(p),
            title=p.credit.title or "Untitled",
            text=shown_text(p.text).strip(),
        )
        for p in passages
    ]
    example = " ".join(str(spec["example"]).split())
    prompt = spec["block"].format(
        passages="\n\n".join(blocks), question=" ".join(question.split()), example=example
    )
    return str(spec["instructions"]), prompt


def _credit(passage: Passage) -> str:
    """'TASS, 28 Dec 2016' (or 'date not stated')."""
    published = passage.credit.published
    when = published.strftime("%-d %b %Y") if published else "date not stated"
    return f"{passage.credit.outlet or 'Unknown outlet'}, {when}"


def verify_reading(reply: Reply, passages: Sequence[Passage], request: ReadRequest) -> Reading:
    """Keep each sentence whose span is verbatim in its passage, its article and its page and
    supports it; the model's answer line opens the prose when the kept spans support it too."""
    if not reply.found or not reply.sentences:
        return Reading(said_absent=True, sentences=len(reply.sentences))
    by_number = {p.number: p for p in passages}
    quotes: list[Quote] = []
    segments: list[str] = []
    removed: list[str] = []
    for sentence in reply.sentences:
        body = _MARKER.sub("", sanitise(sentence.text)).strip()
        quote = span_quote(sentence.span, by_number.get(sentence.passage), request)
        if not body:
            continue
        if quote is None:
            removed.append(body)
            continue
        if quote not in quotes:
            quotes.append(quote)
        segments.append(f"{body} [{quotes.index(quote) + 1}]")
    answer = _MARKER.sub("", sanitise(reply.answer)).strip()
    if answer and segments:
        segments.insert(0, f"{answer} {''.join(f'[{n}]' for n in range(1, len(quotes) + 1))}")
    checked = verify_answer(
        "\n\n".join(segments),
        quotes,
        request.articles,
        originals=request.originals,
        question=request.question,
    )
    used = [quotes[n - 1] for n in checked.used]
    return Reading(checked.text, used, removed + checked.removed, sentences=len(reply.sentences))


def span_quote(span: str, passage: Passage | None, request: ReadRequest) -> Quote | None:
    """The span as a quote of its article, or None: not in the passage, across a place where
    cleaning removed text, quarantined, or not verbatim in the article and the page as published."""
    if passage is None:
        return None
    found = locate(passage.text, span)
    if found is None:
        return None
    start, end = passage.start + found[0], passage.start + found[1]
    if crosses_cut(start, end, passage.cuts):
        return None
    article = request.articles.get(passage.article_id)
    if article is None:
        return None
    quote = Quote(article[start:end], passage.article_id, start, end, passage.credit)
    original = request.originals.get(passage.article_id)
    return quote if quote_is_verbatim(quote, article, original) else None


def locate(haystack: str, needle: str) -> tuple[int, int] | None:
    """Offsets of needle in haystack, compared after normalising whitespace, quote marks and
    case (as contains_verbatim does); None when it is not there."""
    folded, index = _folded(haystack)
    target, _ = _folded(needle)
    target = target.strip()
    if not target:
        return None
    at = folded.find(target)
    if at < 0:
        return None
    return index[at], index[at + len(target) - 1] + 1


def _folded(text: str) -> tuple[str, list[int]]:
    """The text normalised and case-folded one character at a time, with each folded character's
    offset in the text."""
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        piece = normalise(char).casefold() if not char.isspace() else ("" if out and out[-1] == " " else " ")
        for folded in piece:
            out.append(folded)
            index.append(i)
    return "".join(out), index


def from_settings(settings: Any) -> PassagesReader:
    """The registry's factory: a capable model reads the numbered passages and cites verbatim spans."""
    return PassagesReader(settings.reader_context_tokens, settings.reader_max_tokens)
