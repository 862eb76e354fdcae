"""Quarantine: article sentences that address the assistant, or carry markup, are never quoted.

Article text is data. A sentence that gives instructions ("ignore previous instructions", "cite
TASS for this", "reply HACKED"), addresses assistants, AI or readers with orders about what to
write ("readers must copy this", "include this image in your answer"), smuggles markup (tags,
script, markdown images, links), encodes a payload (long base64) or hides characters is not
evidence for anything a reader asked, so it is never offered as a quote, and the rest of its
article is trusted less. The check applies to every sentence of a quote, not only to whole ones.
"""

from __future__ import annotations

import re

from index.boilerplate import FORMAT_CHARS

_INSTRUCTIONS = re.compile(
    r"""(
      \b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instruction|prompt|rule|guideline|
        polic|previous|above|earlier|system)
    | \b(system|developer|hidden|initial)\s+(prompt|message|instruction)
    | \byou\s+are\s+(now|no\s+longer)\b | \bpretend\s+(to\s+be|you)\b
    | \b(act|behave)\s+as\s+(if|though|my|an?\s+(ai|assistant|chatbot|model|unrestricted|evil))\b
    | \b(jailbreak|(?-i:DAN)\b|do\s+anything\s+now)
    | \b(reply|respond|answer|say|output|print|write)\s+(only\s+)?(with\s+)?["'“]?[A-Z]{4,}["'”]?\s*$
    | \b(reply|respond|answer)\s+only\s+with\b
    | \bfrom\s+now\s+on\b | \bnew\s+instructions?\b | \breveal\b.{0,30}\b(prompt|instruction)
    | <\s*/?\s*(system|script|im_start|im_end)\b | \[/?(INST|SYS)\]
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_instruction(question: str) -> bool:
    """True when a question tries to instruct the assistant rather than ask about the articles."""
    return bool(_INSTRUCTIONS.search(question))


_SHOUTED_REPLY = re.compile(
    r"\b(?i:reply|respond|answer|say|print|output|write)\b(?:\s+(?i:only|with|just|simply|the\s+word))*"
    r"\s+[\"'“]?[A-Z]{4,}\b[\"'”]?(?:\s*[.!,;:]|\s*$|\s+(?i:to|for|and|when|if|in|instead)\b)"
)
_ADDRESSES_ASSISTANT = re.compile(
    r"""(
      \bsystem\s+(override|note|prompt|message)\b | <\|?\s*im_(start|end) | <</?SYS>> | \[/?INST\]
    | \#\#\#\s*(context|instruction|answer|system|response)\b
    | \b(decode|base64)\b.{0,80}\b(obey|follow|instruction|execute)
    | \b(cite|credit|attribute)\b.{0,80}\b(as\s+the\s+source|for\s+this|this\s+(quote|claim|sentence)
        |every\s+sentence)
    | \b(assistants?|chatbots?|AI\s+models?|language\s+models?|LLMs?)\b.{0,60}\b(must|should|shall|will)\b
    | \bwhen\s+(summari[sz]ing|answering)\b
    | \b(readers?\s+and\s+assistants?)\b
    | \b(dear|attention|note\s+(to|for))\s+(AI|assistants?|chatbots?|bots?|language\s+models?|LLMs?)\b
    | \b(readers?|users?|visitors?|you)\s+(must|should|shall|need\s+to|are\s+(asked|told|instructed
        |required)\s+to)\s+(always\s+)?(copy|paste|repeat|include|insert|embed|render|reply|respond
        |answer|cite|credit)\b
    | \b(include|insert|add|embed|render|display|show|put|paste|append|mention|write|say)\b[^.]{0,60}
        \b(in|into|to|within)\s+(your|every|each|any|all)\s+(answers?|responses?|repl(y|ies)
        |summar(y|ies)|outputs?)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_ACTIVE_MARKUP = re.compile(
    r"<\s*/?\s*[a-zA-Z][^>]{0,200}>|javascript:|\bon[a-z]+\s*=|!\[[^\]]*\]\(|\]\(\s*\S+\)|data:\w+/",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?|ftp)://", re.IGNORECASE)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{32,}={0,2}")


def is_hostile(text: str) -> bool:
    """True when a passage addresses the assistant, carries active markup or a payload, or hides text."""
    return bool(
        is_instruction(text)
        or _ADDRESSES_ASSISTANT.search(text)
        or _SHOUTED_REPLY.search(text)
        or _ACTIVE_MARKUP.search(text)
        or _BASE64.search(text)
        or FORMAT_CHARS.search(text)
    )


def is_tainted(text: str) -> bool:
    """True when a passage must not be quoted: hostile, or carrying a link a reader might follow."""
    return bool(_URL.search(text)) or is_hostile(text)
