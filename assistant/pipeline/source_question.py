"""Questions that paste a passage and ask where it comes from, and the answer find_source gives."""

from __future__ import annotations

import re

from assistant.retrieval.source import SourceMatch, find_source, strip_quote_marks
from assistant.types import Answer, ArticleRef, Citation
from index.passages import PassageIndex
from index.store import SearchFilter

# Ways of asking for a text's origin ("where is this quote from", "who first published this",
# "which paper ran", "what is the original source of"), matched anywhere in the question.
SOURCE_ASKING = re.compile(
    r"""\bwhere(?:['’]s|\s+is|\s+was|\s+does|\s+did)\s+(?:this|that|it)
          (?:\s+(?:quote|passage|text|paragraph|sentence|line|story|report))?
          \s+(?:from|come\s+from|published|reported|appear)\b
      | \bwho\s+(?:first\s+)?(?:published|wrote|reported|printed|ran)\s+(?:this|that|it)\b
      | \bwhich\s+(?:outlet|site|paper|newspaper|publication|agency)\s+(?:first\s+)?
          (?:published|wrote|reported|printed|ran)\b
      | \b(?:what(?:['’]s|\s+is)|find)\s+the\s+(?:original\s+)?source\s+of\b
      | \bsource\s+of\s+(?:this|that)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A pasted passage has at least this many words: shorter quoted text is a name or a phrase that a
# question asks about, not a passage to trace.
MIN_PASSAGE_WORDS = 8
# A question that is nothing but a quoted text this long is a pasted passage even without a phrase.
BARE_PASSAGE_WORDS = 20

# Answer.generator of these answers: written by find_source, not by a text generator, so the
# answer's own sentence (which names the source) is what the chat shows above the quote.
SOURCE_GENERATOR = "find_source"

_QUOTED = re.compile(r"[\"“«„]([^\"”»“]+)[\"”»“]")


def source_passage(question: str) -> str | None:
    """The pasted passage when a question asks where it comes from, else None."""
    text = " ".join(question.split())
    phrase = SOURCE_ASKING.search(text)
    quoted = max(_QUOTED.findall(text), key=len, default="")
    if phrase is None:
        bare = strip_quote_marks(text)
        whole = quoted.strip() == bare and len(bare.split()) >= BARE_PASSAGE_WORDS
        return bare if whole else None
    if len(quoted.split()) >= MIN_PASSAGE_WORDS:
        return quoted.strip()
    rest = text[: phrase.start()] + " " + text[phrase.end() :]
    passage = strip_quote_marks(rest.strip(" ?:-–—\n\t"))
    passage = re.sub(r"^(?:the following|this passage|this text|this)\s*[?:.,-]*\s*", "", passage, flags=re.I)
    return passage if len(passage.split()) >= MIN_PASSAGE_WORDS else None


def quoted(question: str) -> bool:
    """True when the question holds a passage in quote marks (or is one): not to be read as a question."""
    return any(len(q.split()) >= MIN_PASSAGE_WORDS for q in _QUOTED.findall(" ".join(question.split())))


def source_answer(
    passage: str, question: str, passages: PassageIndex, search_filter: SearchFilter | None = None
) -> Answer:
    """The answer to a where-is-this-from question: the original credited, its copies named."""
    wanted = search_filter or SearchFilter()
    matches = find_source(
        passage, outlets=wanted.outlets, since=wanted.since, until=wanted.until, passages=passages
    )
    if not matches:
        scope = "the indexed articles" if wanted.is_empty() else "the articles your filters admit"
        return Answer(
            text=f"The passage was not found in {scope}: none of them has it verbatim "
            "or with only a few words changed.",
            refused=True,
            decline_reason="not_in_articles",
            generator=SOURCE_GENERATOR,
            question=question,
            original_question=question,
        )
    first = matches[0]
    citation = Citation(
        number=1,
        quote=first.passage,
        start=first.start,
        end=first.end,
        article_id=first.article_id,
        **first.credit().model_dump(),
    )
    return Answer(
        text=_describe(matches),
        prose=_describe(matches),
        citations=[citation],
        generator=SOURCE_GENERATOR,
        retrieved=[
            ArticleRef(article_id=m.article_id, score=m.coverage, **m.credit().model_dump()) for m in matches
        ],
        question=question,
        original_question=question,
        source_matches=matches,
    )


def _describe(matches: list[SourceMatch]) -> str:
    """'This passage comes from TASS, “Headline” (28 Dec 2016) [1].' and any copies and others."""
    first = matches[0]
    how = "word for word" if first.exact else "with a few words different"
    lines = [f"This passage comes from {_credit(first)} [1], {how}."]
    if first.copies:
        copies = "; ".join(_credit(copy) for copy in first.copies)
        lines.append(f"The same text was also published by {copies}: credited to the earliest.")
    others = matches[1:]
    if others:
        lines.append("It also appears in " + "; ".join(_credit(m) for m in others) + ".")
    return " ".join(lines)


def _credit(match: object) -> str:
    """'TASS, “Headline” (28 Dec 2016)' for a match or a copy."""
    outlet = getattr(match, "outlet", None) or "an unnamed outlet"
    title = getattr(match, "title", None) or "Untitled"
    published = getattr(match, "published", None)
    when = published.strftime("%-d %b %Y") if published else "date not stated"
    return f"{outlet}, “{title}” ({when})"
