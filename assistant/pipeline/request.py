"""AskRequest: the one way a question and its options travel, built and checked once.

`ask`, `ask_stream`, the CLI, the chat UI and the eval all build an AskRequest; the engine then
resolves it against the settings (defaults, limits, the generator registry) and every step reads
it. Every problem becomes a QuestionError whose message says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.text import normalise
from index.store import SearchFilter

Message = dict[str, str]


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long, bad option); the message says what to do."""


class AskRequest(BaseModel):
    """A question, the chat before it, the generator, and the outlet and date filters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    history: tuple[Message, ...] = ()
    generator: str | None = Field(default=None, description="a registered generator; None = the setting")
    outlets: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    as_of: date | None = Field(
        default=None,
        description="the day asked on: later articles left out, 'this week' read from it; None = today",
    )
    top_k: int | None = Field(default=None, ge=1, le=50, description="chunks retrieved; None = the setting")

    @field_validator("question", mode="before")
    @classmethod
    def _readable(cls, value: object) -> str:
        """Printable text with whitespace and quote marks folded, never empty."""
        if not isinstance(value, str):
            raise ValueError("the question must be text")
        cleaned = normalise("".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in value))
        if not cleaned:
            raise ValueError("the question is empty: type a question about the articles")
        return cleaned

    @field_validator("history", mode="before")
    @classmethod
    def _turns(cls, value: object) -> object:
        """None means no earlier turns."""
        return () if value is None else value

    @field_validator("outlets", mode="before")
    @classmethod
    def _named_outlets(cls, value: object) -> object:
        """Blank outlet names are dropped; None means every outlet."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        return tuple(str(o).strip() for o in value if o and str(o).strip())  # type: ignore[union-attr]

    @field_validator("generator", mode="before")
    @classmethod
    def _generator_name(cls, value: object) -> object:
        """Generator names are compared in lower case; blank means the setting."""
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @model_validator(mode="after")
    def _date_range(self) -> AskRequest:
        """The date range must not be empty."""
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"the date range is empty: {self.since} is after {self.until}")
        if self.since and self.as_of and self.since > self.as_of:
            raise ValueError(f"the date range is empty: {self.since} is after the day asked on, {self.as_of}")
        return self

    @classmethod
    def of(cls, question: object, history: Sequence[Message] | None = None, **options: Any) -> AskRequest:
        """Build a request from ask()'s arguments (`llm` names the generator); QuestionError if wrong."""
        if "llm" in options:
            options["generator"] = options.pop("llm")
        try:
            return cls(question=question, history=tuple(history or ()), **options)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise QuestionError(_message(exc)) from None

    @property
    def search_filter(self) -> SearchFilter:
        """The outlet and date filter for retrieval (nothing after the day asked on)."""
        until = min(d for d in (self.until, self.as_of) if d) if self.until or self.as_of else None
        return SearchFilter(self.outlets, self.since, until)


def _message(exc: ValidationError) -> str:
    """One readable sentence per problem, naming the option."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        text = str(error["msg"]).removeprefix("Value error, ")
        if where in ("", "question") or text.startswith("the "):
            lines.append(text[:1].upper() + text[1:] + ".")
        else:
            lines.append(f"{where}: {text}.")
    return " ".join(lines)
