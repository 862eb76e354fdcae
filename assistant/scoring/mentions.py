"""Who speaks in each sentence of an article: reported speech found from spaCy's parse.

A sentence reports speech when a verb outside any quotation has a subject and either governs a
clause ('X said (that) ...', '"...," X said') or stands beside a quotation set off as someone's
words, with a name or a pronoun as its subject or a clause of the quotation under it ('Kovac told
the council: "..."', 'the firm issued a statement saying that "..."').
No list of speech verbs is used: the clause or the quotation is what marks the speech. The
subject is then resolved within the article itself: a surname to the fullest name given
('Peskov' -> 'Dmitry Peskov'), a pronoun to the last speaker, a role ('the Turkish leader') to the
person the article introduced with those words, 'a statement released by X' (or 'X said in a
statement') to X; an unnamed group ('some residents') is nobody. A sentence inside a quotation
takes the speaker the quotation is attributed to, and a quotation of whole sentences credited to
nobody goes on with the speaker of the sentence just before it. Narration gets None.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.scoring.nlp import pipeline

# Articles whose speakers are kept; an answer cites at most a handful, so this covers many answers.
MENTION_CACHE_SIZE = 512
# A speaker described by a noun phrase longer than this is a clause, not a name or role.
MAX_SPEAKER_TOKENS = 8
# Title words read before a name ('Kremlin spokesman Dmitry Peskov'): about one job title's length.
MAX_TITLE_TOKENS = 5

_CREDIT_LINE = re.compile(r"[^\W\d]/[^\W\d]")  # 'Photographer/Agency' in a caption's credit
# A quotation between curly or straight marks, mixed as pages mix them. An opening mark is followed
# by a letter or sign and a closing one follows one, so a stray mark (a quotation running over
# paragraphs, each opened and only the last closed) pairs with nothing instead of turning every
# later pair in the article inside out.
_QUOTATION = re.compile(r"[“\"](?=\S)[^“”\"]*[^“”\"\s][”\"]")
_BODY_LABELS = frozenset({"ORG", "NORP", "GPE", "FAC"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_SPEAKER_DEPS = frozenset({"nsubj", "nsubjpass"})
_CLAUSE_DEPS = frozenset({"ccomp", "parataxis"})
_DEFINITE = frozenset({"the", "these", "those", "this", "that"})  # English's definite determiners
_INDEFINITE = frozenset({"a", "an"})
# The words of a name before its last one: "the", "US", "Federal Trade", "Jane".
_NAME_DEPS = frozenset({"compound", "flat", "det"})


@dataclass(frozen=True)
class Mention:
    """A sentence of an article (character span) and who it quotes (None: the outlet's narration)."""

    start: int
    end: int
    speaker: str | None


@dataclass
class _Memory:
    """What the article has said so far: people and their titles, the last speakers, known nouns."""

    people: dict[str, set[str]] = field(default_factory=dict)  # full name -> title words
    last_person: str | None = None  # the last person who spoke
    last_named: str | None = None  # the last person named outside quotations
    last_speaker: str | None = None
    nouns: dict[str, str] = field(default_factory=dict)  # 'statement' -> 'the Kremlin'


def mentions(text: str, nlp: Any | None = None) -> tuple[Mention, ...]:
    """Each sentence of an article with the person or body it quotes (`nlp`: the spaCy pipeline
    to parse with; None: the installed one)."""
    doc = (pipeline() if nlp is None else nlp)(text)
    quotations = [(m.start(), m.end()) for m in _QUOTATION.finditer(text)]
    memory = _Memory(people=_people(doc))
    found = [_sentence_speaker(sent, quotations, memory) for sent in doc.sents]
    return _continued_quotations(_spread_quotations(found, quotations), quotations, text)


def speaker_of(found: tuple[Mention, ...], start: int, end: int) -> str | None:
    """The speaker of a passage: the first speaker among the sentences it overlaps."""
    for mention in found:
        if mention.start < end and start < mention.end and mention.speaker:
            return mention.speaker
    return None


class MentionCache:
    """Speakers per article text, computed once and kept for the most recent articles."""

    def __init__(self, size: int = MENTION_CACHE_SIZE, nlp: Any | None = None) -> None:
        self.size = size
        self.nlp = nlp  # a spaCy pipeline; None: the installed one, loaded on first use
        self._cache: OrderedDict[str, tuple[Mention, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, text: str) -> tuple[Mention, ...]:
        """The mentions of one article text (parsed on first use)."""
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        found = mentions(text, self.nlp)
        with self._lock:
            self._cache[text] = found
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return found


# -- people ----------------------------------------------------------------------------------------
def _people(doc: Any) -> dict[str, set[str]]:
    """Every person the article names in full, with the title words written before the name."""
    people: dict[str, set[str]] = {}
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        name = _clean_name(ent.text)
        if not name:
            continue
        titles = people.setdefault(name, set())
        titles |= _title_words(doc, ent.start)
    full: dict[str, set[str]] = {}
    for name, titles in people.items():
        canonical = _fullest(name, people)
        full.setdefault(canonical, set()).update(titles)
    return full


def _title_words(doc: Any, start: int) -> set[str]:
    """Lower-cased nouns, proper nouns and adjectives just before a name ('Russian President')."""
    words: set[str] = set()
    i = start - 1
    while i >= 0 and start - i <= MAX_TITLE_TOKENS:
        token = doc[i]
        if token.pos_ in ("NOUN", "PROPN", "ADJ"):
            words.add(token.text.lower())
        elif token.pos_ != "ADP":
            break
        i -= 1
    return words


def _clean_name(text: str) -> str:
    """A name without a possessive or stray punctuation; its last line when the entity runs across
    a line break, and nothing when a photo credit ('Jane Roe/AFP/Getty Images') is part of it."""
    text = text.strip().splitlines()[-1] if text.strip() else ""
    if _CREDIT_LINE.search(text):
        return ""
    text = re.sub(r"[’']s$", "", " ".join(text.split()))
    return text.strip(' ,.;:-–—"“”')


def _fullest(name: str, people: dict[str, set[str]] | list[str]) -> str:
    """The longest name the article gives that ends with (or equals) this one: 'Peskov' -> 'Dmitry Peskov'."""
    parts = name.split()
    best = name
    for other in people:
        words = other.split()
        if len(words) > len(best.split()) and words[-len(parts) :] == parts:
            best = other
    return best


# -- one sentence ----------------------------------------------------------------------------------
def _sentence_speaker(sent: Any, quotations: list[tuple[int, int]], memory: _Memory) -> Mention:
    """The sentence with its speaker, updating what the article has said so far."""
    source = _according_to(sent)
    verb = _speech_verb(sent, quotations)
    if verb is not None and _reported_by_someone_unnamed(verb, quotations):
        verb = None
    subject = _subject(verb, quotations) if verb is not None else None
    if source is not None and not _a_person(subject, memory):
        # the sentence names its source: a named one speaks, else nobody here ('X said ...,
        # according to a video' is still X's)
        speaker = _resolve_subject(source, memory, named_only=True)
    else:
        speaker = _resolve_subject(subject, memory)
        if speaker is not None and verb is not None:
            _remember_mediums(verb, speaker, memory)
    if speaker is not None and _CREDIT_LINE.search(speaker) and len(speaker.split()) >= 3:
        speaker = None  # a photo credit ('Jane Roe/AP/Getty Images') run into the subject: a caption
    if speaker is not None:
        memory.last_speaker = speaker
        if speaker in memory.people:
            memory.last_person = speaker
    for ent in sent.ents:
        if ent.label_ == "PERSON" and not _inside(ent.start_char, quotations):
            memory.last_named = _fullest(_clean_name(ent.text), memory.people) or memory.last_named
    return Mention(sent.start_char, sent.end_char, speaker)


def _a_person(subject: Any | None, memory: _Memory) -> bool:
    """True for a subject that is a person's name (tagged so, or a name the article gives a
    person) or a personal pronoun."""
    if subject is None:
        return False
    named = subject.ent_type_ == "PERSON" or _fullest(subject.text, memory.people) in memory.people
    return named or subject.lower_ in _PERSON_PRONOUNS


def _remember_mediums(verb: Any, speaker: str, memory: _Memory) -> None:
    """'X said in a statement', 'X issued a statement saying': a later 'the statement said' is X.
    Only a thing the speech act brings in ('a statement', not 'told the council' or 'in the
    council', which name something the article knows apart from X)."""
    mediums = [c for c in verb.children if c.dep_ == "dobj" and any(g.dep_ == "acl" for g in c.children)]
    mediums += [m for prep in verb.children if prep.dep_ == "prep" for m in prep.children if m.dep_ == "pobj"]
    for medium in mediums:
        brought_in = any(c.dep_ == "det" and c.lower_ in _INDEFINITE for c in medium.children)
        if medium.pos_ == "NOUN" and brought_in:
            memory.nouns.setdefault(medium.lower_, speaker)


def _speech_verb(sent: Any, quotations: list[tuple[int, int]]) -> Any | None:
    """The verb, outside quotations and with a subject, that reports the sentence's speech.

    Candidates govern a clause, or stand in a sentence holding a quotation set off as someone's
    words (not a scare quote or a title inside a clause; see _set_off) with a subject that is a
    name or a pronoun, or reporting a clause of the quotation (_reports). Preferred: a verb the
    parse links to the quotation (its clause inside it, or it hangs off a word inside it), then one
    no other candidate reports (the outermost), then one governing a clause, then a subject that
    is a name or a pronoun, then nearness to the quotation, then nearness to the root.
    """
    marks = [start for start, _ in quotations if sent.start_char <= start < sent.end_char] + [
        end for _, end in quotations if sent.start_char < end <= sent.end_char
    ]
    # A verb with no clause of its own speaks only beside a quotation set off as someone's words.
    spoken = bool(marks) and any(
        _set_off(sent, start, end)
        for start, end in quotations
        if start < sent.end_char and end > sent.start_char
    )
    found = []
    for token in sent:
        if token.pos_ not in ("VERB", "AUX") or _inside(token.idx, quotations):
            continue
        subject = _subject(token, quotations)
        if subject is None:
            continue
        clauses = [c for c in token.children if c.dep_ in _CLAUSE_DEPS]
        named = subject.pos_ == "PRON" or bool(subject.ent_type_)
        # Beside a quotation, a verb with no clause speaks for a name or a pronoun, or when a
        # clause inside the quotation hangs under it ('issued a statement saying that "..."'): a
        # thing described ('the single was titled "..."') is narration that holds a quotation.
        beside = spoken and (named or subject.pos_ == "PROPN" or _reports(token, quotations))
        if not clauses and not beside:
            continue
        linked = any(_inside(c.idx, quotations) for c in clauses) or _hangs_off_quotation(token, quotations)
        distance = min((abs(token.idx - m) for m in marks), default=0)
        found.append(((not linked, not clauses, not named, distance, _depth(token)), token.i))
    verbs = {i for _, i in found}
    # A verb inside the clause another candidate reports ('X said the threat remains "...",
    # emphasizing it is ...') is part of X's words, not a speaker of its own, unless it is linked
    # to a quotation itself ('"...," said X; this year he said that ...').
    ranked = [((key[0], key[0] and _reported_within(sent.doc[i], verbs), *key[1:]), i) for key, i in found]
    return sent.doc[min(ranked)[1]] if ranked else None


def _reported_within(verb: Any, verbs: set[int]) -> bool:
    """True when the verb lies in a clause another candidate verb governs, within one paragraph
    (a parse run over a paragraph break joins two paragraphs' speakers)."""
    token = verb
    while token.head.i != token.i:
        head = token.head
        if head.i in verbs and token.dep_ in _CLAUSE_DEPS:
            low, high = sorted((head.idx, verb.idx))
            return "\n\n" not in verb.doc.text[low:high]
        token = head
    return False


def _reports(verb: Any, quotations: Sequence[tuple[int, int]]) -> bool:
    """True when a clause inside a quotation hangs somewhere under the verb, or the verb off one."""
    return _hangs_off_quotation(verb, quotations) or any(
        t.dep_ in _CLAUSE_DEPS and _inside(t.idx, quotations) for t in verb.subtree
    )


def _hangs_off_quotation(verb: Any, quotations: Sequence[tuple[int, int]]) -> bool:
    """True for '"...," X said' parsed with the verb as a clause of a word inside the quotation."""
    return verb.dep_ in _CLAUSE_DEPS and _inside(verb.head.idx, quotations)


def _set_off(sent: Any, start: int, end: int) -> bool:
    """True when a quotation stands as someone's words, not as a phrase the sentence borrows: it
    opens the sentence or follows a comma, colon, dash, verb or 'that' ('X said "..."'), or it closes with
    punctuation inside its marks, before a comma, or at the sentence's end. A scare quote inside
    a clause ('designed to "prove the point" as X faces ...') is none of these."""
    text = sent.doc.text
    before = text[sent.start_char : start].rstrip()
    if not before or before[-1] in ",:;—–-(":
        return True
    last = sent.start_char + len(before) - 1  # the character before the opening mark
    token = sent.doc.char_span(last, last + 1, alignment_mode="expand")
    if token is not None and len(token) and (token[-1].pos_ in ("VERB", "AUX") or token[-1].lower_ == "that"):
        return True
    if end - start >= 2 and text[end - 2] in ",.!?":
        return True
    after = text[end : sent.end_char].lstrip()
    return not after or after[0] in ",.;:!?—–-)"


def _reported_by_someone_unnamed(verb: Any, quotations: list[tuple[int, int]]) -> bool:
    """True for 'claimed that X said ...' where the claim's own subject is not in the sentence:
    the words are someone else's report of X, so X is not credited."""
    token = verb
    while token.dep_ in _CLAUSE_DEPS and token.head.i != token.i:
        token = token.head
        if token.pos_ in ("VERB", "AUX") and _subject(token, quotations) is None:
            return True
    return False


def _subject(verb: Any, quotations: Sequence[tuple[int, int]] = ()) -> Any | None:
    """The subject of a verb, if it has one outside a quotation."""
    return next(
        (c for c in verb.children if c.dep_ in _SPEAKER_DEPS and not _inside(c.idx, quotations)), None
    )


def _depth(token: Any) -> int:
    """How many heads lie between a token and its sentence root."""
    depth = 0
    while token.head.i != token.i:
        token, depth = token.head, depth + 1
    return depth


def _according_to(sent: Any) -> Any | None:
    """X of 'according to X' in the sentence (a token), if it has one."""
    for token in sent:
        if token.lower_ == "according":
            to = next((c for c in token.children if c.lower_ == "to"), None)
            obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
            if obj is not None:
                return obj
    return None


def _resolve_subject(subject: Any | None, memory: _Memory, named_only: bool = False) -> str | None:
    """The person or body a subject refers to, resolved within the article."""
    if subject is None:
        return None
    agent = _agent(subject)
    if agent is not None:
        resolved = _resolve_subject(agent, memory)
        if resolved:
            memory.nouns[subject.lower_] = resolved
        return resolved
    if subject.pos_ == "PRON":
        return _pronoun(subject, memory)
    span = subject.doc[subject.left_edge.i : subject.right_edge.i + 1]
    for ent in span.ents:
        if ent.label_ == "PERSON" and _names_subject(ent, subject) and (name := _clean_name(ent.text)):
            return _fullest(name, memory.people)
    for ent in span.ents:
        if ent.label_ in _BODY_LABELS and subject.i in range(ent.start, ent.end):
            return _with_article(span, ent)
    role = _role(span, subject, memory)
    if role is not None:
        return role
    noun = memory.nouns.get(subject.lower_)
    if noun is not None:
        return noun
    if "\n" in span.text:  # a description running across a line break joins a byline or headline to it
        return None
    if _CREDIT_LINE.search(span.text):
        return None  # 'Jane Roe/AFP/Getty Images' is a caption's photo credit, not a speaker
    if subject.pos_ == "PROPN":  # a name, without the description set beside it
        span = _name_of(subject)
    if named_only or len(span) > MAX_SPEAKER_TOKENS or subject.pos_ not in ("NOUN", "PROPN"):
        return None
    if _fullest(span.text, memory.people) != span.text:
        return _fullest(span.text, memory.people)  # a surname the parse did not tag as a person
    if _unnamed_group(subject, span):
        return None  # 'Some people', 'advisers', 'many experts': nobody a reader could name
    return _with_article(span, span)


def _unnamed_group(subject: Any, span: Any) -> bool:
    """True for a plural common noun naming no one: no name in it and no definite determiner
    or possessor ('Some people', 'advisers'; not 'the ferry lines', 'the firm's lawyers')."""
    if subject.tag_ != "NNS" or any(t.pos_ == "PROPN" or t.ent_type_ for t in span):
        return False
    return not any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in _DEFINITE) for c in subject.children)


def _name_of(subject: Any) -> Any:
    """A proper noun with the words of its name before it ('the US Federal Trade Commission'),
    not an apposition or clause after it ('Jane Roe, an analyst at ...')."""
    first = subject.i
    while (
        first > 0
        and subject.doc[first - 1].head.i in range(first, subject.i + 1)
        and (subject.doc[first - 1].dep_ in _NAME_DEPS)
    ):
        first -= 1
    return subject.doc[first : subject.i + 1]


def _names_subject(ent: Any, subject: Any) -> bool:
    """True when a person's name is the subject itself ('Dmitry Peskov'), or set beside it ('the
    Turkish leader, Recep Tayyip Erdogan'); not a person the subject's modifiers mention ('a lawyer
    for the family of X', 'the service owned by X')."""
    return subject.i in range(ent.start, ent.end) or (
        ent.root.dep_ == "appos" and ent.root.head.i == subject.i
    )


def _agent(subject: Any) -> Any | None:
    """X in 'a statement released by X' or 'a report by X': only for a common noun subject, and
    not through an apposition ('Tidal, the service owned by X, announced' is Tidal's news)."""
    if subject.pos_ != "NOUN":
        return None
    for token in subject.subtree:
        is_agent = token.dep_ == "agent" or (token.lower_ == "by" and token.dep_ == "prep")
        if is_agent and not _through_apposition(token, subject):
            return next((c for c in token.children if c.dep_ == "pobj"), None)
    return None


def _through_apposition(token: Any, subject: Any) -> bool:
    """True when the path from a token up to the subject passes an apposition."""
    while token.i != subject.i and token.head.i != token.i:
        if token.dep_ == "appos":
            return True
        token = token.head
    return False


def _pronoun(subject: Any, memory: _Memory) -> str | None:
    """He/she: the last person who spoke (else the last one named); it/they: the last speaker."""
    if subject.lower_ in _PERSON_PRONOUNS:
        return memory.last_person or memory.last_named
    if subject.lower_ in ("it", "they"):
        return memory.last_speaker
    return None


def _role(span: Any, subject: Any, memory: _Memory) -> str | None:
    """The person a description names: 'the Kremlin spokesman' -> the one introduced so."""
    if subject.pos_ != "NOUN" or subject.tag_ != "NN":  # a singular common noun: 'the spokesman'
        return None
    words = {t.text.lower() for t in span if t.pos_ in ("NOUN", "PROPN", "ADJ")}
    head = subject.text.lower()
    best, score = None, 0
    for name, titles in memory.people.items():
        shared = words & titles
        if not shared:
            continue
        points = len(shared) + (1 if head in titles else 0) + (1 if name == memory.last_person else 0)
        if (head in titles or name == memory.last_person) and points > score:
            best, score = name, points
    return best


def _with_article(span: Any, part: Any) -> str:
    """'the Kremlin' (a leading 'the' kept in lower case), else the text as written."""
    text = part.text
    before = span.doc[part.start - 1] if part.start > span.start else None
    if before is not None and before.lower_ == "the":
        return f"the {text}"
    if part[0].lower_ == "the":
        return "the " + part[1:].text
    return str(text)


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    """True when an offset lies within one of the spans."""
    return any(start < offset < end for start, end in spans)


# -- quotations ------------------------------------------------------------------------------------
def _spread_quotations(found: list[Mention], quotations: list[tuple[int, int]]) -> tuple[Mention, ...]:
    """Sentences inside a quotation take the speaker the quotation is attributed to."""
    result = list(found)
    for start, end in quotations:
        inside = [i for i, m in enumerate(result) if m.start < end and start < m.end]
        speaker = next((result[i].speaker for i in reversed(inside) if result[i].speaker), None)
        if speaker is None:
            continue
        for i in inside:
            if result[i].speaker is None:
                result[i] = Mention(result[i].start, result[i].end, speaker)
    return tuple(result)


def _continued_quotations(
    found: tuple[Mention, ...], quotations: list[tuple[int, int]], text: str
) -> tuple[Mention, ...]:
    """A quotation no one is credited with, standing as whole sentences right after a sentence
    that credits a speaker (in the same paragraph, or ending the one before), goes on with that
    speaker's words: '"...," he said. "But ..."' and 'X told reporters: ¶ "..."'."""
    result = list(found)
    for start, end in quotations:
        inside = [i for i, m in enumerate(result) if m.start < end and start < m.end]
        if not inside or inside[0] == 0 or any(result[i].speaker for i in inside):
            continue
        first, last, before = result[inside[0]], result[inside[-1]], result[inside[0] - 1]
        # whole sentences: nothing before the opening mark or after the closing one in its
        # paragraph (a parse may run a sentence on over a paragraph break)
        opening = text[first.start : start].split("\n\n")[-1]
        whole = not opening.strip() and not text[end : last.end].split("\n\n")[0].strip()
        near = text[before.end : first.start].count("\n\n") <= 1
        if whole and near and before.speaker:
            for i in inside:
                result[i] = Mention(result[i].start, result[i].end, before.speaker)
    return tuple(result)
