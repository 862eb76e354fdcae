"""Gold questions: the YAML file format, loaded and validated into pydantic models."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# A broken file lists its first problems only: they are usually one mistake repeated.
PROBLEMS_SHOWN = 20


class QuestionFileError(ValueError):
    """The question file cannot be used; the message names the file, question id and field."""


class Turn(BaseModel):
    """One earlier turn of the chat a follow-up question belongs to."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class Filters(BaseModel):
    """Search filters passed to ask() with the question."""

    model_config = ConfigDict(extra="forbid")

    outlets: list[str] = Field(default_factory=list)
    since: date | None = None
    until: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        """The date range must not be empty."""
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}")
        return self


class GoldQuestion(BaseModel):
    """One gold question with what a correct answer must contain, cite and credit."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str = ""
    must_contain: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list, description="wrong answers, as regexes")
    outlets: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list)
    answerable: bool
    history: list[Turn] = Field(default_factory=list)
    filters: Filters | None = None
    silent: list[str] = Field(
        default_factory=list, description="compare items: outlets that must have nothing relevant"
    )
    paraphrases: list[str] = Field(
        default_factory=list,
        description="compare items: the same question in other words, each scored against the same outlets",
    )
    expect_speaker: str | None = Field(
        default=None, description="regex: who said the answering quotes (those matching must_contain)"
    )
    as_of: date | None = Field(default=None, description="the day the question was asked on; None = today")
    expect_decline_reason: str | None = Field(default=None, description="Answer.decline_reason expected")

    @field_validator("expect_speaker")
    @classmethod
    def _valid_speaker(cls, pattern: str | None) -> str | None:
        """The expected speaker must be a regular expression that compiles."""
        if pattern is not None:
            re.compile(pattern, re.IGNORECASE)
        return pattern

    @field_validator("must_contain", "must_not_contain")
    @classmethod
    def _valid_patterns(cls, patterns: list[str]) -> list[str]:
        """Every must_contain entry must be a regular expression that compiles."""
        for pattern in patterns:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
        return patterns

    @model_validator(mode="after")
    def _consistent(self) -> GoldQuestion:
        """A must-decline question cannot require content or outlets in its answer."""
        if not self.answerable and (self.must_contain or self.must_not_contain or self.outlets):
            raise ValueError(
                "answerable: false questions must have empty must_contain, must_not_contain and outlets"
            )
        return self

    def messages(self) -> list[dict[str, str]]:
        """The chat history as the list of role/content dicts ask() takes."""
        return [turn.model_dump() for turn in self.history]


def load_questions(path: Path | str) -> list[GoldQuestion]:
    """Read and validate a gold-question YAML file; QuestionFileError lists every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuestionFileError(f"{path}: no such question file (use --questions FILE)") from None
    except yaml.YAMLError as exc:
        raise QuestionFileError(f"{path}: not valid YAML: {exc}") from None
    if isinstance(raw, dict) and isinstance(raw.get("questions"), list):
        raw = raw["questions"]
    if not isinstance(raw, list) or not raw:
        raise QuestionFileError(f"{path}: expected a non-empty YAML list of questions")
    return parse_questions(raw, source=str(path))


def parse_questions(raw: list[object], source: str = "questions") -> list[GoldQuestion]:
    """Validate a list of question mappings; raise QuestionFileError naming each bad question."""
    questions: list[GoldQuestion] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(raw, start=1):
        label = _label(item, number)
        if not isinstance(item, dict):
            problems.append(f"{label}: expected a mapping with id, question, ... got {item!r}")
            continue
        try:
            question = GoldQuestion.model_validate(item)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"]) or "question"
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.append(f"{label}: {where}: {message}")
            continue
        if question.id in seen:
            problems.append(f"{label}: duplicate id (also question #{seen[question.id]})")
        seen.setdefault(question.id, number)
        questions.append(question)
    if problems:
        shown = problems[:PROBLEMS_SHOWN] + (
            [f"... and {len(problems) - PROBLEMS_SHOWN} more"] if len(problems) > PROBLEMS_SHOWN else []
        )
        raise QuestionFileError(f"{source}: invalid questions:\n  " + "\n  ".join(shown))
    return questions


def select(
    questions: list[GoldQuestion], categories: list[str] | None = None, limit: int | None = None
) -> list[GoldQuestion]:
    """The questions of the given categories (all when none), at most limit of them."""
    if categories:
        known = {q.category for q in questions}
        unknown = sorted(set(categories) - known)
        if unknown:
            raise QuestionFileError(
                f"unknown categories {', '.join(unknown)}: use one of {', '.join(sorted(known))}"
            )
        questions = [q for q in questions if q.category in categories]
    return questions[:limit] if limit else questions


def _label(item: object, number: int) -> str:
    """'question #3 (id fact-03)' for messages, with the id when there is one."""
    if isinstance(item, dict) and item.get("id"):
        return f"question #{number} (id {item['id']})"
    return f"question #{number} (no id)"
