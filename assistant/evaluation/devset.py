"""A development set written by others (RealTime QA news quizzes): loading, halves, unanswerables.

The format (one JSON object per line):
    questions.jsonl  {id, question, choices: [4 strings], answer (the right choice), articles: [ids],
                      asked_on (optional, YYYY-MM-DD; else an id starting YYYYMMDD gives the day)}
    corpus.jsonl.gz  {id, url, outlet, title, published_at, authors, body}

Judging follows the quiz: an answer is right when it contains the right choice and none of the
wrong ones. Questions are split once, by a hash of their id, into a tuning half (fit and tune on it)
and a check half (report it). Within each half a fixed share of questions, again chosen by hash,
has its articles left out of the index: those are the unanswerables. Each question is asked as on
the day the quiz asked it: articles published later are left out, and 'this week' means that week.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from assistant.evaluation.questions import GoldQuestion, QuestionFileError

Half = Literal["tune", "check"]
HALVES: tuple[Half, ...] = ("tune", "check")
# One question in five has its articles left out of the index: enough unanswerables to measure
# decline recall on each half (about 40), while most questions stay answerable.
UNANSWERABLE_ONE_IN = 5


@dataclass(frozen=True)
class DevQuestion:
    """One quiz question with its choices, right answer and the articles its search returned."""

    id: str
    question: str
    choices: tuple[str, ...]
    answer: str
    articles: tuple[str, ...]
    asked: str = ""  # the record's asked_on field, when it has one

    @property
    def half(self) -> Half:
        """'tune' or 'check', fixed by a hash of the id."""
        return "tune" if _hash(self.id, "half") % 2 == 0 else "check"

    @property
    def held_out(self) -> bool:
        """True when this question's articles are left out of the index (an unanswerable)."""
        return _hash(self.id, "held-out") % UNANSWERABLE_ONE_IN == 0

    @property
    def asked_on(self) -> date | None:
        """The day the quiz asked it: an `asked_on` field, else a YYYYMMDD prefix of the id."""
        found = re.match(r"(\d{4})(\d{2})(\d{2})(?!\d)", self.asked or self.id)
        if not found:
            return None
        try:
            return date(*(int(part) for part in found.groups()))
        except ValueError:
            return None

    @property
    def wrong(self) -> list[str]:
        """The wrong choices."""
        return [c for c in self.choices if c != self.answer]


@dataclass(frozen=True)
class DevSet:
    """The dev questions, the corpus records by id, and which records the index leaves out."""

    questions: list[DevQuestion]
    records: dict[str, dict[str, object]]

    def left_out(self) -> set[str]:
        """Ids of articles linked only by held-out questions."""
        kept = {a for q in self.questions if not q.held_out for a in q.articles}
        return {a for q in self.questions if q.held_out for a in q.articles} - kept

    def unanswerable(self, question: DevQuestion, indexed: set[str]) -> bool:
        """True when none of the question's articles is in the index."""
        return not any(a in indexed for a in question.articles)

    def indexed(self, chosen: Iterable[DevQuestion]) -> set[str]:
        """Ids of the articles an index for these questions holds: theirs, less the held-out ones."""
        return {a for q in chosen if not q.held_out for a in q.articles if a in self.records}

    def half(self, name: Half | None) -> list[DevQuestion]:
        """The questions of one half (all of them for None), in file order."""
        return [q for q in self.questions if name is None or q.half == name]


def _hash(text: str, salt: str) -> int:
    """A stable integer from a text and a salt (the same on every machine and Python)."""
    return int.from_bytes(hashlib.sha256(f"{salt}:{text}".encode()).digest()[:8], "big")


def sample(questions: list[DevQuestion], size: int | None) -> list[DevQuestion]:
    """A fixed sample: the first `size` questions in hash order (all of them for None)."""
    if not size:
        return questions
    return sorted(questions, key=lambda q: _hash(q.id, "sample"))[:size]


def load_dev_questions(path: Path) -> list[DevQuestion]:
    """Read a questions.jsonl file; QuestionFileError names the line of any bad record."""
    questions = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QuestionFileError(f"{path}: no such question file") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            choices = tuple(str(c) for c in raw["choices"])
            answer = str(raw["answer"])
            if answer not in choices:
                raise ValueError("the answer is not one of the choices")
            questions.append(
                DevQuestion(
                    id=str(raw["id"]),
                    question=str(raw["question"]),
                    choices=choices,
                    answer=answer,
                    articles=tuple(str(a) for a in raw["articles"]),
                    asked=str(raw.get("asked_on") or "").replace("-", ""),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionFileError(f"{path}:{number}: not a dev question ({exc})") from None
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions


def iter_records(path: Path) -> Iterator[dict[str, object]]:
    """The JSON records of a .jsonl or .jsonl.gz corpus file."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_dev_set(questions: Path, corpus: Path) -> DevSet:
    """The questions and the corpus records they link to, by id (first record of an id wins)."""
    records: dict[str, dict[str, object]] = {}
    for record in iter_records(corpus):
        records.setdefault(str(record.get("id")), record)
    return DevSet(load_dev_questions(questions), records)


def write_corpus(records: Iterable[dict[str, object]], path: Path) -> int:
    """Write records as a .jsonl.gz corpus (what the indexer reads); return how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def to_gold(question: DevQuestion, dev: DevSet, indexed: set[str]) -> GoldQuestion:
    """The dev question as a gold question: must contain the answer and no wrong choice."""
    answerable = not dev.unanswerable(question, indexed)
    urls = [str(dev.records[a].get("url")) for a in question.articles if a in dev.records]
    return GoldQuestion(
        id=question.id,
        category=f"dev-{question.half}" + ("" if answerable else "-unanswerable"),
        question=question.question,
        answer=question.answer,
        must_contain=[choice_pattern(question.answer)] if answerable else [],
        must_not_contain=[choice_pattern(w) for w in question.wrong] if answerable else [],
        articles=urls,
        answerable=answerable,
        as_of=question.asked_on,
    )


def choice_pattern(choice: str) -> str:
    """A regex matching a choice as whole words, whitespace and quote marks folded."""
    folded = choice.replace("’", "'")
    parts = [re.escape(p).replace("'", "['’]") for p in folded.split()]
    body = r"\s+".join(parts)
    left = r"(?<![\w])" if choice[:1].isalnum() else ""
    right = r"(?![\w])" if choice[-1:].isalnum() else ""
    return left + body + right
