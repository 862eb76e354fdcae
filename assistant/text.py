"""Text helpers shared by retrieval, evidence, verification and decline: terms and normalising."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "according",
        "article",
        "articles",
        "say",
        "says",
        "said",
        "tell",
        "told",
        "report",
        "reported",
        "reports",
        "news",
        "did",
        "does",
        "do",
        "according",
        "whether",
        "please",
        "thing",
        "things",
        "any",
        "anything",
        "something",
        "ever",
        "still",
        "much",
        "many",
        "get",
        "got",
        "make",
        "made",
        "way",
        "also",
        "yet",
        "kind",
        "sort",
        "mention",
        "mentioned",
        "mentions",
        "regarding",
        "concerning",
        "per",
        "via",
        "within",
        "without",
        "onto",
        "upon",
        "happen",
        "happened",
        "happens",
        "meant",
        "mean",
        "means",
        "suppose",
        "supposed",
        "describe",
        "described",
        "explain",
        "al",
    ]
)

# Irregular English verb forms the stemmer cannot join to their lemma, so "shot" matches "shoot".
LEMMAS = {
    "shot": "shoot", "said": "say", "told": "tell", "met": "meet", "held": "hold", "began": "begin",
    "begun": "begin", "led": "lead", "won": "win", "fought": "fight", "brought": "bring",
    "sought": "seek", "took": "take", "taken": "take", "went": "go", "gone": "go", "gave": "give",
    "given": "give", "saw": "see", "seen": "see", "ran": "run", "rose": "rise", "risen": "rise",
    "fell": "fall", "fallen": "fall", "struck": "strike", "spoke": "speak", "spoken": "speak",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose", "left": "leave",
    "sent": "send", "built": "build", "paid": "pay", "sold": "sell", "bought": "buy",
    "thought": "think", "knew": "know", "known": "know", "drew": "draw", "drawn": "draw",
    "flew": "fly", "flown": "fly", "hit": "hit", "kept": "keep", "lost": "lose", "meant": "mean",
}  # fmt: skip

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                         "‚": "'", "′": "'", "–": "-", "—": "-", "‑": "-", "\u00a0": " "})  # fmt: skip
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    """English Snowball stemmer."""
    import Stemmer

    return Stemmer.Stemmer("english")


def lemma_stems() -> frozenset[str]:
    """The stems that LEMMAS maps words onto (terms the corpus vocabulary may spell otherwise)."""
    return frozenset(stem(lemma) for lemma in LEMMAS.values())


def normalise(text: str) -> str:
    """Fold whitespace, quote marks, dashes and invisible characters for verbatim comparison."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).translate(_QUOTES)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Lower-cased words of a text, possessives and edge punctuation removed."""
    found = []
    for word in _WORD.findall(normalise(text)):
        word = word.lower().strip("'-")
        word = word.removesuffix("'s")
        if word:
            found.append(word)
    return found


def stem(word: str) -> str:
    """Stem one lower-case word."""
    return str(_stemmer().stemWord(word))


def content_terms(text: str) -> list[str]:
    """Stemmed, non-stopword terms of a text (hyphenated words split), in order, no repeats."""
    seen: dict[str, None] = {}
    for compound in words(text):
        for word in compound.split("-") if "-" in compound else (compound,):
            word = LEMMAS.get(word, word)
            if not word or word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
                continue
            seen.setdefault(stem(word), None)
    return list(seen)


def numbers(text: str) -> set[str]:
    """Numbers written in a text, without thousands separators ('400,000' -> '400000')."""
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text) if n.strip(",")}


def contains_verbatim(haystack: str, needle: str) -> bool:
    """True when needle appears in haystack after normalising whitespace and quote marks."""
    needle_n = normalise(needle)
    return bool(needle_n) and needle_n.casefold() in normalise(haystack).casefold()
