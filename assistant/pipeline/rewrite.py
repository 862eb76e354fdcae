"""Follow-up questions become standalone questions, using the earlier turns of the chat."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.scoring.nlp import pipeline
from assistant.text import content_terms

Message = dict[str, str]

_LEADING_LINK = re.compile(r"^\s*(and|also|so|then|but|ok(ay)?|what about|how about)\b[\s,]*", re.I)
_REFERRING = re.compile(
    r"\b(he|she|him|her|his|hers|it|its|they|them|their|that|this|those|these|there|then|"
    r"the same|the other|the former|the latter)\b",
    re.I,
)
_PERSON_PRONOUN = re.compile(r"\b(he|she)\b", re.I)


@dataclass
class Standalone:
    """The question to search, the follow-up's own words, and whether it was rewritten."""

    question: str
    focus: str
    rewritten: bool


def standalone_question(question: str, history: Sequence[Message] | None = None) -> Standalone:
    """Rewrite a follow-up into a standalone question using the previous user questions."""
    question = " ".join(question.split())
    previous = _previous_standalone(history or [])
    if not previous or not is_follow_up(question):
        return Standalone(question=question, focus=question, rewritten=False)
    own = _LEADING_LINK.sub("", question).strip()
    own = own[:1].upper() + own[1:] if own else question
    person = _last_person(previous)
    if person:
        own = _PERSON_PRONOUN.sub(person, own, count=1)
    context = previous.rstrip(" ?.!")
    return Standalone(question=f"{own} (follow-up to: {context})", focus=own, rewritten=True)


# A question with a pronoun and at most this many content terms leans on the earlier turn for its
# subject ("What did he say about it?"); with more it names enough to stand alone.
FOLLOW_UP_MAX_TERMS = 4


def is_follow_up(question: str) -> bool:
    """True when a question leans on earlier turns: a linking word, a pronoun, or very few terms."""
    if _LEADING_LINK.match(question):
        return True
    terms = content_terms(question)
    return (bool(_REFERRING.search(question)) and len(terms) <= FOLLOW_UP_MAX_TERMS) or len(terms) <= 1


def _previous_standalone(history: Sequence[Message]) -> str | None:
    """Replay the earlier user turns, rewriting each against the one before it."""
    current: str | None = None
    for message in history:
        if message.get("role") != "user":
            continue
        content = " ".join(str(message.get("content", "")).split())
        if not content:
            continue
        if current is not None and is_follow_up(content):
            own = _LEADING_LINK.sub("", content).strip()
            current = f"{own} (follow-up to: {current.rstrip(' ?.!')})"
        else:
            current = content
    return current


def _last_person(text: str) -> str | None:
    """The person an earlier question is about, for a follow-up's 'he' or 'she'.

    From spaCy's parse: the PERSON who is the question's subject ('What did X promise'), else the
    first PERSON it names.
    """
    head = text.split(" (follow-up to:", 1)[0]
    people = [entity for entity in pipeline()(head).ents if entity.label_ == "PERSON"]
    subjects = [e for e in people if any(t.dep_ in ("nsubj", "nsubjpass") for t in e)]
    chosen = (subjects or people or [None])[0]
    return chosen.text if chosen is not None else None
