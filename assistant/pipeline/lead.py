"""The lead: one short line that answers, built from the verified quotes and checked like any prose.

Two kinds, chosen from the question's parse (spaCy), never from a list of questions:
    span      a question asking for a thing (who, which, what NOUN, how many, when, where): the span
              of a shown quote that fills the question's answer slot, picked by a scorer fitted on
              the dev set's tuning half (scoring/lead_model.json), then the sentence it stands in,
              quoted: '12: Devdiscourse (PTI) reported "... 12 military observation posts ..." [1].'
    reported  a question about what someone said or what happened: the best quote's main reported
              clause credited to its outlet and speaker ('TASS: Dmitry Peskov said Russia and
              Turkey ... [2].') or its sentence, quoted, credited to the outlet ('TASS reported:
              "..." [1].').
Every span and clause is a substring of its cited quote (itself verified verbatim in the page as
published), and credits come from the citation; a lead that fails that check is not shown.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from assistant.pipeline.speakers import asked_subject, spoken_by
from assistant.pipeline.verify import news_organisations
from assistant.quote_marks import shown_quote
from assistant.scoring.nlp import expected_labels, pipeline, question_doc
from assistant.text import content_terms, normalise
from assistant.types import Citation, Lead

LEAD_MODEL = "lead_model.json"
# The scorer's logit is clipped here before exp(): the probability is 1 or 0 within 1e-13 beyond it.
LOGIT_LIMIT = 30.0
# Quote parses kept for leads: a few asks' worth of shown quotes (four each); a parse is ~5 ms.
QUOTE_DOCS = 512
# Words of a question that ask for a thing; with a wh-word the question wants a span, unless its
# verb asks for speech or events (below).
_WH_THING = frozenset({"who", "whom", "whose", "which", "where", "when"})
# Subject dependencies: the span is the one doing or saying.
_SUBJECT = frozenset({"nsubj", "nsubjpass", "csubj", "agent"})
_OBJECT = frozenset({"dobj", "pobj", "attr", "oprd", "appos", "dative"})
# Spans longer than this many words are clauses, not an answer slot.
MAX_SPAN_WORDS = 8
# A reported clause shorter than this many words is a fragment ("he said so"): use the sentence.
MIN_CLAUSE_WORDS = 4
# A lead longer than this many characters (about two lines of a phone's chat) is cut to the
# smallest clause around its answer that still has MIN_CLAUSE_WORDS words.
LEAD_MAX_CHARS = 200
# Dependencies that head a clause of their own: where a long sentence can be cut.
_CLAUSE_HEADS = frozenset({"ROOT", "ccomp", "advcl", "conj"})

FEATURES: tuple[str, ...] = (
    "type_match",
    "typed_question",
    "entity",
    "number",
    "in_question",
    "any_in_question",
    "rank",
    "sentence_coverage",
    "tree_tie",
    "nearness",
    "votes",
    "length",
    "subject",
    "object",
    "speaker",
    "first_sentence",
)


@dataclass(frozen=True)
class Span:
    """A candidate answer span inside one cited quote, with what the scorer sees of it."""

    citation: int
    text: str
    start: int
    end: int
    sentence: str
    label: str
    features: tuple[float, ...]


@dataclass(frozen=True)
class LeadModel:
    """A fitted logistic scorer over FEATURES: P(span is the question's answer)."""

    weights: tuple[float, ...]
    bias: float
    floor: float

    def probability(self, features: Sequence[float]) -> float:
        """The fitted probability that a span with these features answers the question."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, LOGIT_LIMIT), -LOGIT_LIMIT)))


@lru_cache(maxsize=1)
def load_lead_model() -> LeadModel:
    """The span scorer shipped beside the evidence model (written by `fit_lead`)."""
    raw = json.loads(resources.files("assistant.scoring").joinpath(LEAD_MODEL).read_text(encoding="utf-8"))
    if tuple(raw["features"]) != FEATURES:
        raise ValueError(f"{LEAD_MODEL} was fitted on other features: refit it (make fit-lead)")
    return LeadModel(tuple(float(w) for w in raw["weights"]), float(raw["bias"]), float(raw["floor"]))


class QuoteDocs:
    """spaCy parses of quote texts, the most recent kept."""

    def __init__(self, size: int = QUOTE_DOCS) -> None:
        self.size = size
        self._docs: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def parse_all(self, texts: Sequence[str]) -> None:
        """Parse the quotes not kept yet in one batch (faster than one by one)."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._docs))
        if not missing:
            return
        docs = list(pipeline().pipe(missing))  # parsed outside the lock
        self._keep(zip(missing, docs, strict=True))

    def get(self, text: str) -> Any:
        """The parse of one quote."""
        with self._lock:
            if text in self._docs:
                self._docs.move_to_end(text)
                return self._docs[text]
        doc = pipeline()(text)
        self._keep([(text, doc)])
        return doc

    def _keep(self, parsed: Iterable[tuple[str, Any]]) -> None:
        """Keep these parses, forgetting the least recently used beyond the size."""
        with self._lock:
            for text, doc in parsed:
                self._docs[text] = doc
            while len(self._docs) > self.size:
                self._docs.popitem(last=False)


_DOCS = QuoteDocs()


def wants_span(question: str) -> bool:
    """True when the question asks for a thing (a name, number, date, place or noun phrase), False
    when it asks what someone said or what happened."""
    doc = question_doc(question)
    if _asks_speech(doc):
        return False
    lowered = [t.lower_ for t in doc]
    if expected_labels(question):
        return True
    if any(w in _WH_THING for w in lowered):
        return True
    # "what/which NOUN ..." asks for a thing; "what did/happened/is ..." does not.
    for token in doc:
        if token.lower_ in ("what", "which") and token.dep_ == "det":
            return True
    return any(t.tag_ in ("WP", "WDT") and t.dep_ in _SUBJECT | _OBJECT for t in doc) and not _asks_event(doc)


def _asks_speech(doc: Any) -> bool:
    """'What did X say/tell/announce (about Y / X would do)?': 'what' inside what a reporting verb
    with a subject governs, so the answer is that subject's words, not a thing."""
    for token in doc:
        if token.lower_ not in _speech_forms() or token.pos_ != "VERB":
            continue
        if not any(c.dep_ in _SUBJECT for c in token.children):
            continue
        if any(t.lower_ == "what" and t.tag_ in ("WP", "WDT") and t.dep_ != "det" for t in token.subtree):
            return True
    return False


def _asks_event(doc: Any) -> bool:
    """'What happened ...' / 'What is going on ...': a wh-subject of an intransitive verb."""
    return any(
        t.tag_ == "WP"
        and t.dep_ == "nsubj"
        and t.head.pos_ == "VERB"
        and not any(c.dep_ in _OBJECT for c in t.head.children)
        for t in doc
    )


@lru_cache(maxsize=1)
def _speech_forms() -> frozenset[str]:
    """Word forms of reporting verbs: general English, the verbs that introduce reported speech."""
    stems = ("say", "said", "tell", "told", "claim", "announce", "state", "warn", "argue", "stress",
             "insist", "declare", "comment", "describe", "call", "suggest", "propose", "think",
             "believe", "mean", "add", "note", "explain", "promise", "threaten", "accuse", "urge",
             "ask", "predict", "admit", "deny", "write", "wrote", "reply", "respond", "report")  # fmt: skip
    forms = set(stems)
    for stem in stems:
        forms.update({stem + "s", stem + "ed", stem + "d", stem + "ing"})
    return frozenset(forms)


def spans(question: str, citations: Sequence[Citation], asking: str = "") -> list[Span]:
    """Every candidate answer span of the cited quotes (entities and noun phrases), with features;
    `asking` (default: the question) is the wording whose wh-phrase says what type is wanted."""
    labels = expected_labels(asking or question)
    asked = set(content_terms(question))
    texts = [normalise(c.quote).casefold() for c in citations]
    found: list[Span] = []
    for index, citation in enumerate(citations):
        doc = _DOCS.get(citation.quote)
        sentences = _sentences(doc)
        first_sentence = sentences[0] if sentences else None
        seen: set[tuple[int, int]] = set()
        for span, label in _candidates(doc):
            if (span.start_char, span.end_char) in seen:
                continue
            seen.add((span.start_char, span.end_char))
            terms = content_terms(span.text)
            if not terms:
                continue
            sent = _sentence_of(sentences, span.start)
            sentence = _clause_around(
                doc, span, _piece(doc.text, sent.start_char, sent.end_char, span.start_char)
            )
            others = sum(normalise(span.text).casefold() in t for j, t in enumerate(texts) if j != index)
            row = {
                "type_match": float(label in labels),
                "typed_question": float(bool(labels)),
                "entity": float(bool(label)),
                "number": float(any(t.like_num for t in span)),
                "in_question": sum(_asked(t, asked) for t in terms) / len(terms),
                "any_in_question": float(any(_asked(t, asked) for t in terms)),
                "rank": 1.0 / citation.number,
                "sentence_coverage": _coverage(sent.text, asked),
                "tree_tie": _tree_tie(span, sent, asked),
                "nearness": _nearness(span, sent, asked),
                "votes": others / max(len(citations) - 1, 1),
                "length": math.log1p(len(span)),
                "subject": float(span.root.dep_ in _SUBJECT),
                "object": float(span.root.dep_ in _OBJECT),
                "speaker": float(bool(citation.speaker) and _same_name(span.text, citation.speaker or "")),
                "first_sentence": float(first_sentence is not None and sent.start == first_sentence.start),
            }
            found.append(
                Span(
                    citation=citation.number,
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    sentence=sentence,
                    label=label,
                    features=tuple(row[name] for name in FEATURES),
                )
            )
    return found


def _sentences(doc: Any) -> list[Any]:
    """A parsed quote's sentences, listed once per parse (spaCy walks every token to find them)."""
    found = doc.user_data.get("lead_sentences")
    if found is None:
        found = doc.user_data["lead_sentences"] = list(doc.sents)
    return found  # type: ignore[no-any-return]


def _sentence_of(sentences: list[Any], token: int) -> Any:
    """The sentence that holds the token at this index."""
    starts = [sent.start for sent in sentences]
    return sentences[bisect.bisect_right(starts, token) - 1]


def _piece(text: str, start: int, end: int, inside: int) -> str:
    """The part of text[start:end] between line breaks that holds offset `inside`, stripped: a
    sentence never runs across a line (a headline or paragraph break the parser missed)."""
    left = text.rfind("\n", start, inside) + 1 or start
    right = text.find("\n", inside, end)
    return text[max(left, start) : end if right < 0 else right].strip()


def _clause_around(doc: Any, span: Any, sentence: str) -> str:
    """The sentence, or when it is longer than LEAD_MAX_CHARS the smallest clause of it that holds
    the span and has at least MIN_CLAUSE_WORDS words (verbatim: a subtree is one run of text)."""
    if len(sentence) <= LEAD_MAX_CHARS:
        return sentence
    for head in [span.root, *span.root.ancestors]:
        if head.dep_ not in _CLAUSE_HEADS or head.pos_ not in ("VERB", "AUX"):
            continue
        if not any(c.dep_ in _SUBJECT or c.dep_ == "expl" for c in head.children):
            continue  # a clause without its subject ('establishing 12 posts ...') reads as a fragment
        left, right = head.left_edge, head.right_edge
        if left.i > span.start or right.i < span.end - 1 or right.i - left.i + 1 < MIN_CLAUSE_WORDS:
            continue
        while right.i > left.i and (right.is_punct or right.dep_ == "cc"):
            right = doc[right.i - 1]
        clause = doc.text[left.idx : right.idx + len(right.text)]
        if "\n" not in clause and len(clause) < len(sentence) and clause in sentence:
            return clause
        break
    return sentence


def _candidates(doc: Any) -> list[tuple[Any, str]]:
    """Entities (with their label) and noun phrases (label '') of a parsed quote; pronouns and
    over-long phrases are no answer."""
    out = [(ent, ent.label_) for ent in doc.ents]
    for chunk in doc.noun_chunks:
        if chunk.root.pos_ == "PRON" or len(chunk) > MAX_SPAN_WORDS:
            continue
        trimmed = chunk[1:] if chunk[0].dep_ == "det" and len(chunk) > 1 else chunk
        out.append((trimmed, ""))
    return out


# Two terms sharing this many leading letters are one word's forms ('Syria' / 'Syrian', 'Turkey' /
# 'Turkish' share 'turk'): the stemmer keeps a name and its adjective apart.
SHARED_PREFIX = 4


def _asked(term: str, asked: set[str]) -> bool:
    """True when the question holds the term or another form of it (a shared prefix of at least
    SHARED_PREFIX letters, the shorter word wholly: 'syria' in 'syrian')."""
    if term in asked:
        return True
    return len(term) >= SHARED_PREFIX and any(
        len(a) >= SHARED_PREFIX
        and (a.startswith(term) or term.startswith(a[: max(len(a) - 2, SHARED_PREFIX)]))
        for a in asked
    )


def _coverage(text: str, asked: set[str]) -> float:
    """The share of the question's terms that a sentence holds."""
    if not asked:
        return 0.0
    return len(asked & _terms(text)) / len(asked)


# Term sets of the sentences and words leads weigh, kept: every span of a quote weighs its sentence
# and the words around it again. Sized for a few asks' worth of shown quotes.
TERM_CACHE = 4096


@lru_cache(maxsize=TERM_CACHE)
def _terms(text: str) -> frozenset[str]:
    """The content terms of a sentence, as a set."""
    return frozenset(content_terms(text))


def clear_term_caches() -> None:
    """Forget the kept term sets (a benchmark's cold question)."""
    _terms.cache_clear()
    _first_term.cache_clear()


@lru_cache(maxsize=TERM_CACHE)
def _first_term(word: str) -> str:
    """The content term of one word ('' for a stopword or punctuation)."""
    terms = content_terms(word)
    return terms[0] if terms else ""


def _question_tokens(sent: Any, asked: set[str], span: Any) -> list[Any]:
    """Tokens of the sentence outside the span whose term the question holds."""
    return [
        t
        for t in sent
        if not (span.start <= t.i < span.end) and (terms := _first_term(t.text)) and terms in asked
    ]


def _tree_tie(span: Any, sent: Any, asked: set[str]) -> float:
    """1/(1 + the shortest dependency path from the span's head to a word the question holds)."""
    targets = _question_tokens(sent, asked, span)
    if not targets:
        return 0.0
    ancestors = _path_lengths(span.root)
    best = min((_distance(ancestors, t) for t in targets), default=None)
    return 0.0 if best is None else 1.0 / (1.0 + best)


def _path_lengths(token: Any) -> dict[int, int]:
    """{token index: steps up from `token`} for the token and each of its ancestors."""
    out = {token.i: 0}
    for steps, ancestor in enumerate(token.ancestors, start=1):
        out[ancestor.i] = steps
    return out


def _distance(ancestors: dict[int, int], other: Any) -> int | None:
    """Tree distance from the token behind `ancestors` to `other`, through their lowest common head."""
    if other.i in ancestors:
        return ancestors[other.i]
    for steps, node in enumerate(other.ancestors, start=1):
        if node.i in ancestors:
            return steps + ancestors[node.i]
    return None


def _nearness(span: Any, sent: Any, asked: set[str]) -> float:
    """1/(1 + words between the span and the nearest word the question holds)."""
    targets = _question_tokens(sent, asked, span)
    if not targets:
        return 0.0
    gap = min(min(abs(t.i - span.start), abs(t.i - (span.end - 1))) for t in targets)
    return 1.0 / (1.0 + gap)


def _same_name(a: str, b: str) -> bool:
    """True when one name's terms hold the other's (a surname alone matches the full name)."""
    x, y = set(content_terms(a)), set(content_terms(b))
    return bool(x and y) and (x <= y or y <= x)


def write_lead(
    question: str,
    citations: Sequence[Citation],
    focus: str = "",
    model: LeadModel | None = None,
) -> Lead | None:
    """The lead for an answer's verified citations (None when there are none). `focus` is the
    asker's own words when the question was rewritten from a follow-up: they say what is asked."""
    if not citations:
        return None
    _DOCS.parse_all([c.quote for c in citations])
    asking = focus or question
    if asks_who_said(asking) and any(c.speaker for c in citations):
        chosen = best_reported([c for c in citations if c.speaker], question)
        return _speaker_lead(chosen, question)
    if wants_span(asking):
        model = model or load_lead_model()
        scored = [(model.probability(s.features), s) for s in spans(question, citations, asking)]
        if scored:
            probability, best = max(scored, key=lambda pair: pair[0])
            if probability >= model.floor:
                lead = span_lead(best, citations)
                if lead is not None:
                    return lead
    return reported_lead(best_reported(citations, question), question)


def typed_answers(question: str, citations: Sequence[Citation], model: LeadModel | None = None) -> list[str]:
    """The distinct texts of the spans whose entity label is one the question asks for, best first
    by the span scorer."""
    labels = expected_labels(question)
    if not labels:
        return []
    model = model or load_lead_model()
    typed = [s for s in spans(question, citations) if s.label in labels]
    ranked = sorted(typed, key=lambda s: -model.probability(s.features))
    return list(dict.fromkeys(s.text for s in ranked))


def asks_who_said(question: str) -> bool:
    """'Who said / told / warned ...?': 'who' is the subject of a reporting verb, so the answer is
    the speaker the article credits, not a name inside the words."""
    return any(
        t.lower_ in ("who", "whom") and t.dep_ in _SUBJECT and t.head.lower_ in _speech_forms()
        for t in question_doc(question)
    )


def _speaker_lead(citation: Citation, question: str) -> Lead:
    """'SPEAKER: OUTLET reported "the sentence they said" [n].' when the quote names them, else the
    quote's reported lead (credited to the speaker)."""
    speaker = citation.speaker or ""
    doc = _DOCS.get(citation.quote)
    sent = _best_sentence(doc, _asked_terms(question), speech_topic(question))
    sentence = _piece(doc.text, sent.start_char, sent.end_char, sent.start_char)
    if speaker and speaker in citation.quote and sentence:
        text = f"{speaker}: {_outlet(citation)} reported {_quoted(sentence, citation.number)}"
        return Lead(text=text, kind="span", answer=speaker, clause=sentence, citation=citation.number)
    return reported_lead(citation, question)


def span_lead(span: Span, citations: Sequence[Citation]) -> Lead | None:
    """'SPAN: OUTLET reported "the sentence it stands in" [n].', checked verbatim against the quote."""
    citation = next(c for c in citations if c.number == span.citation)
    if span.text not in citation.quote or span.sentence not in citation.quote:
        return None
    sentence = span.sentence.rstrip()
    text = f"{span.text}: {_outlet(citation)} reported {_quoted(sentence, citation.number)}"
    return Lead(text=text, kind="span", answer=span.text, clause=sentence, citation=citation.number)


def reported_lead(citation: Citation, question: str = "") -> Lead:
    """The quote's sentence holding most of the question's terms (the speaker's name aside), as the
    speaker's reported clause ('TASS: Dmitry Peskov said CLAUSE [n].'), else in quotation marks
    credited to the outlet ('TASS reported: "SENTENCE" [n].'). The article's own sentences are
    always quoted, so a sentence that names an outlet never reads as the assistant's words."""
    doc = _DOCS.get(citation.quote)
    speaker = citation.speaker or ""
    sent = _best_sentence(doc, _asked_terms(question, drop=speaker), speech_topic(question))
    sentence = _piece(doc.text, sent.start_char, sent.end_char, sent.start_char) or citation.quote.strip()
    outlet = _outlet(citation)
    if speaker:
        clause = _reported_clause(sent, speaker)
        if clause is not None and clause in citation.quote and not _names_an_outlet(clause):
            who = _capitalised(speaker)
            if _direct_speech(doc, citation.quote, clause):  # the speaker's own words: keep them quoted
                text = f"{outlet}: {who} said {_quoted(clause, citation.number)}"
            else:
                text = f"{outlet}: {who} said {_with_marker(clause, citation.number)}"
            return Lead(text=text, kind="reported", clause=clause, citation=citation.number)
    quoted = speaker and sentence[:1] in _OPENING and not _names_speaker(sent, speaker)
    who = f"{_capitalised(speaker)} said, as {outlet} reported" if quoted else f"{outlet} reported"
    return Lead(text=f"{who}: {_quoted(sentence, citation.number)}", kind="reported", clause=sentence,
                citation=citation.number)  # fmt: skip


def _outlet(citation: Citation) -> str:
    """The publishing outlet as a lead credits it."""
    return _capitalised(citation.outlet or "an unnamed outlet")


def _names_an_outlet(text: str) -> bool:
    """True when a text names a news organisation: then it is shown in quotation marks, credited."""
    folded = text.casefold()
    return any(
        re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", folded) for name in news_organisations()
    )


def _quoted(sentence: str, number: int) -> str:
    """'"SENTENCE" [n].': the article's words in quotation marks (paired as every quote is shown),
    the marker, and a full stop."""
    body = sentence.strip()
    if body[-1:] == ".":
        body = body[:-1].rstrip()
    return f"{shown_quote(body)} [{number}]."


def best_reported(citations: Sequence[Citation], question: str) -> Citation:
    """The shown quote whose best sentence names the topic of the asked speech (speech_topic) and
    holds most of the question's terms (its speaker's name aside, unless the question asks for that
    speaker's account: 'according to X'), among the asked speaker's own quotes when the question asks what
    someone said and they have any; the better-ranked quote on a tie."""
    subject = asked_subject(question)
    own = [c for c in citations if subject and spoken_by(c.speaker, subject)]
    citations = own or citations

    topic = speech_topic(question)
    named = _cited_sources(question)

    def fit(citation: Citation) -> tuple[int, float]:
        """How well the quote's best sentence fits (_best_sentence's own measure)."""
        speaker = citation.speaker or ""
        asked = _asked_terms(question, drop="" if set(content_terms(speaker)) & named else speaker)
        return max(_sentence_fit(s.text, asked, topic) for s in _sentences(_DOCS.get(citation.quote)))

    return max(citations, key=lambda c: (fit(c), -c.number))


def _best_sentence(doc: Any, asked: set[str], topic: frozenset[str] = frozenset()) -> Any:
    """The sentence of a parsed quote that names the topic of the asked speech and holds most of
    the asked terms (the first on a tie)."""
    return max(_sentences(doc), key=lambda s: (_sentence_fit(s.text, asked, topic), -s.start))


def _sentence_fit(text: str, asked: set[str], topic: frozenset[str]) -> tuple[int, float]:
    """(topic words the sentence holds, share of the asked terms it holds): what a reported lead
    is chosen by, the topic first."""
    return len(topic & _terms(text)), _coverage(text, asked)


def speech_topic(question: str) -> frozenset[str]:
    """The terms of what a question asks someone said something about: the head word of the
    object of a preposition hanging off a reporting verb ('say about the Russian and Turkish
    militaries' -> militaries; 'tell reporters regarding the bridge closure' -> closure). The
    sentence a reported lead shows must name it before it may hold the question's other words
    (the circumstances: 'ahead of the talks ...'). Only when the reporting verb governs the
    wh-word and asks for no action. Empty for any other question."""
    found: set[str] = set()
    for token in question_doc(question):
        verb = token.head
        if token.dep_ != "prep" or verb.lower_ not in _speech_forms() or verb.pos_ != "VERB":
            continue
        if not any(c.tag_ in ("WP", "WDT") for c in verb.children) or _asks_to_do(verb):
            continue
        for head in token.children:
            if head.dep_ in ("pobj", "pcomp"):
                found.update(content_terms(head.text))
    return frozenset(found)


def _asks_to_do(verb: Any) -> bool:
    """True when the verb takes an infinitive clause ('call on Obama to do', 'urge them to act'):
    its preposition's object is the one addressed, not a topic."""
    return any(
        c.dep_ in ("xcomp", "advcl", "ccomp") and any(a.tag_ == "TO" for a in c.children)
        for c in verb.children
    )


def _cited_sources(question: str) -> set[str]:
    """The terms of the sources a question asks for the account of ('according to X')."""
    doc = question_doc(question)
    objects = [
        c
        for t in doc
        if t.lower_ == "to" and t.head.lower_ == "according"
        for c in t.children
        if c.dep_ == "pobj"
    ]
    return {term for o in objects for term in content_terms(doc[o.left_edge.i : o.right_edge.i + 1].text)}


def _asked_terms(question: str, drop: str = "") -> set[str]:
    """The question's terms less those of `drop` (a speaker's name), unweighted: weighing them by
    the index's rarity chose worse sentences on the tuning half (docs/experiments.md)."""
    return set(content_terms(question)) - set(content_terms(drop))


def _capitalised(name: str) -> str:
    """A credit that opens a sentence: its first letter upper-case ('the Kremlin' -> 'The Kremlin')."""
    return name[:1].upper() + name[1:]


def _direct_speech(doc: Any, quote: str, clause: str) -> bool:
    """True when the clause is the speaker's own words: it starts right after an opening quotation
    mark, or with a capital on a word that is no name ('We agreed ...', a quotation whose opening
    mark lies before the quote)."""
    start = quote.index(clause)
    if quote[:start].rstrip()[-1:] in _OPENING:
        return True
    first = next((t for t in doc if t.idx == start), None)
    return first is not None and clause[:1].isupper() and first.pos_ != "PROPN"


def _names_speaker(sent: Any, speaker: str) -> bool:
    """True when a sentence names the speaker (a surname alone counts)."""
    return any(_same_name(ent.text, speaker) for ent in sent.ents if ent.label_ in ("PERSON", "ORG", "NORP"))


def _reported_clause(sent: Any, speaker: str) -> str | None:
    """The clause a verb of the sentence governs whose subject is the speaker ('Peskov said [that]
    CLAUSE'), verbatim; None when no such clause of at least MIN_CLAUSE_WORDS words stands on one
    line."""
    doc = sent.doc
    for token in sent:
        if token.dep_ != "ccomp" or token.head.pos_ != "VERB":
            continue
        subjects = [c for c in token.head.children if c.dep_ in _SUBJECT]
        if not any(_same_name(doc[s.left_edge.i : s.right_edge.i + 1].text, speaker) for s in subjects):
            continue
        words = [t for t in token.subtree if not (t.dep_ == "mark" and t.head == token)]
        while words and words[-1].is_punct:
            words = words[:-1]
        while words and words[0].is_punct:
            words = words[1:]
        if len(words) < MIN_CLAUSE_WORDS:
            continue
        text = doc.text[words[0].idx : words[-1].idx + len(words[-1].text)]
        if any(mark in text for mark in ('"', "“", "”", "\n")):
            continue
        return text
    return None


# Double quotation marks only: a single one is as often an apostrophe ('the Kremlin’s').
_OPENING = ('"', "“")


def _with_marker(sentence: str, number: int) -> str:
    """'SENTENCE [n].': the marker before the sentence's own final stop (one is added if none);
    its quotation marks paired as every quote is shown (quote_marks.shown_quote)."""
    body = shown_quote(sentence, wrap=False)
    end = body[-1:] if body[-1:] in (".", "!", "?") else "."
    if body[-1:] in (".", "!", "?"):
        body = body[:-1].rstrip()
    return f"{body} [{number}]{end}"
