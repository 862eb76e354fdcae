"""What a question asks for: its terms (spelling-corrected), names, and the kind of answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import content_terms, lemma_stems, numbers

FOLLOW_UP_MARK = "(follow-up to:"
_LEMMA_STEMS = lemma_stems()
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
    r"thousands?|millions?|billions?|half|several|first|second|third)\b",
    re.I,
)
_PERSON_NAME = re.compile(r"(?<![\w-])[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+(?![\w-])")
TIME_WORDS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|midnight|\d{4}|week|month|year)\b",
    re.I,
)
_HOW_MANY = re.compile(
    r"\bhow (?:many|much)\s+(?:of\s+the\s+|of\s+)?((?:(?!(?:were|was|are|is|did|do|does|have|has|"
    r"had|will|would|can|could)\b)[\w'’-]+\s*){0,4})",
    re.I,
)
_SPEAKER = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|will|would)\s+(.{2,60}?)\s+"
    r"(?:say|tell|state|stress|note|claim|announce|add|respond|describe|call)\b",
    re.I,
)
_CAUSE = re.compile(r"\bwhy\b|\bwhat (?:led|caused|prompted|triggered|was behind)\b|\breason\b", re.I)
_CAUSE_CUES = re.compile(
    r"\b(because|due to|following|after|as a result|led to|prompted|triggered|caused|amid|"
    r"in response to|citing|since|over)\b",
    re.I,
)
SPEECH = re.compile(
    r"\b(said|says|say|told|tells|stated|states|stressed|noted|notes|added|announced|pointed out|"
    r"highlighted|praised|welcomed|voiced|called|insisted|warned|confirmed)\b",
    re.I,
)
_CAPS_OK = {"i", "what", "who", "when", "where", "why", "how", "which", "did", "does", "according"}


@dataclass
class QuestionTerms:
    """A question's own (focus) terms, context terms from earlier turns, names, and kind."""

    focus: list[str]
    context: list[str]
    names: list[str]
    kind: str
    question: str = ""
    counted: str | None = None
    speaker: str | None = None

    @classmethod
    def of(
        cls,
        question: str,
        focus_text: str | None = None,
        vocabulary: frozenset[str] | None = None,
        outlet_terms: frozenset[str] = frozenset(),
    ) -> QuestionTerms:
        """Analyse a standalone question; focus_text is a follow-up's own words, if any.

        With the corpus vocabulary, misspelt terms are corrected to a known term one or two edits
        away; outlet names in the question are attribution, not content to match.
        """
        focus_source = focus_text or question
        context_source = question.replace(FOLLOW_UP_MARK, " ")

        def fix(terms: list[str]) -> list[str]:
            fixed = [correct(t, vocabulary) if vocabulary else t for t in terms]
            return [t for t in dict.fromkeys(fixed) if t and t not in outlet_terms]

        focus = fix(content_terms(focus_source))
        context = [t for t in fix(content_terms(context_source)) if t not in focus]
        names = [t for t in fix(_names(focus_source)) if t in focus]
        counted = None
        match = _HOW_MANY.search(focus_source)
        if match:
            counted_terms = fix(content_terms(match.group(1)))
            counted = counted_terms[-1] if counted_terms else None
        speaker = None
        said = _SPEAKER.search(focus_source)
        if said:
            speaker_terms = fix(content_terms(said.group(1)))
            speaker = speaker_terms[-1] if speaker_terms else None
        kind = question_kind(focus_source)
        return cls(focus, context, names, kind, question, counted, speaker)


def correct(term: str, vocabulary: frozenset[str]) -> str:
    """Return term if the corpus knows it, else a known term within 1 (or 2, if long) edits."""
    if term in vocabulary or term.isdigit() or term in _LEMMA_STEMS:
        return term
    if len(term) <= 3:
        return ""
    limit = 1 if len(term) < 7 else 2
    best, best_distance = term, limit + 1
    for known in vocabulary:
        if abs(len(known) - len(term)) > limit or known[0] != term[0]:
            continue
        distance = _edit_distance(term, known, limit)
        if distance < best_distance:
            best, best_distance = known, distance
    return best


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it exceeds limit."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _names(text: str) -> list[str]:
    """Capitalised words past the first, and numbers: things an answer must mention."""
    tokens = re.findall(r"[A-Za-z][\w'’\-]*|\d[\d,.]*", text)
    found = []
    for index, token in enumerate(tokens):
        if token[0].isdigit() or (index > 0 and token[0].isupper() and token.lower() not in _CAPS_OK):
            found.extend(content_terms(token))
    return list(dict.fromkeys(found))


def question_kind(question: str) -> str:
    """A coarse question type: number, name, when, who-said or other."""
    lowered = question.lower()
    if re.search(r"\bhow (many|much)\b|\bnumber of\b|\bhow long\b|\bwhat year\b", lowered):
        return "number"
    if re.search(r"\b(what|which) (is|was) the name\b", lowered):
        return "name"
    if re.search(r"\bwhen\b|\b(what|which) (date|day|time|month)\b", lowered):
        return "when"
    if _CAUSE.search(question):
        return "cause"
    if re.search(r"\bwhere\b", lowered):
        return "where"
    if re.search(r"\bwho\b.*\b(said|say|says|told|called|stated)\b|\bwhat did .* (say|tell)\b", lowered):
        return "who-said"
    return "other"


def answers_kind(terms: QuestionTerms, text: str) -> bool:
    """True when a quote holds the kind of thing asked for: a count of the thing, a time, a name."""
    if terms.kind == "number":
        has_number = bool(numbers(text)) or bool(_NUMBER_WORDS.search(text))
        return has_number and (terms.counted is None or terms.counted in content_terms(text))
    if terms.kind == "when":
        return bool(TIME_WORDS.search(text)) or bool(numbers(text))
    if terms.kind == "name":
        asked = set(re.findall(r"\w+", terms.question.lower()))
        return any(
            not any(word.lower() in asked for word in name.split()) for name in _PERSON_NAME.findall(text)
        )
    return True


def prefers(terms: QuestionTerms, text: str, lead_in: str = "") -> bool:
    """True when a quote has the shape the question favours: the speaker speaking, a cause, or a
    place. `lead_in` is the passage leading up to the quote, where 'he said' finds its 'he'."""
    if terms.speaker:
        return speaks(terms.speaker, text, lead_in)
    if terms.kind == "cause":
        return bool(_CAUSE_CUES.search(text))
    if terms.kind == "where":
        asked = terms.question.lower()
        return any(place.lower() not in asked for place in _PLACE.findall(text))
    return False


_PLACE = re.compile(r"\b(?:in|at)\s+(?:the\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}


def speaks(speaker: str, text: str, lead_in: str = "") -> bool:
    """True when the speaker is the subject of a speech verb ('Peskov said', 'said Peskov'), or
    'he said' follows a passage whose last named speaker is them."""
    tokens = re.findall(r"[\w'’-]+", text)
    for index, token in enumerate(tokens):
        if not SPEECH.fullmatch(token):
            continue
        previous = tokens[index - 1].lower() if index > 0 else ""
        if previous in _PRONOUNS:
            if previous in ("he", "she") and _named_speakers(lead_in)[-1:] == [speaker]:
                return True
            continue
        if speaker in _names_near(tokens, index):
            return True
    return False


def _names_near(tokens: list[str], index: int) -> list[str]:
    """Stems of the words within eight before or three after a speech verb."""
    window = tokens[max(0, index - 8) : index] + tokens[index + 1 : index + 4]
    return [term for token in window for term in content_terms(token)[:1]]


def _named_speakers(text: str) -> list[str]:
    """Stems of capitalised names attached to speech verbs in a passage, in order."""
    tokens = re.findall(r"[\w'’-]+", text)
    speakers = []
    for index, token in enumerate(tokens):
        if not SPEECH.fullmatch(token):
            continue
        near = [t for t in tokens[max(0, index - 3) : index] if t[:1].isupper()]
        after = [t for t in tokens[index + 1 : index + 3] if t[:1].isupper()]
        name = near[-1] if near else (after[-1] if after else None)
        if name:
            speakers.extend(content_terms(name)[:1])
    return speakers
