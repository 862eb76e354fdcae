"""Event handlers for the chat: streaming answers, citations, new chat, export and /ask."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import (
    Answer,
    AskRequest,
    Citation,
    ConfigError,
    QuestionError,
    Settings,
    ask_stream,
    generators,
    get_admission,
    get_article,
)
from ui.export import write_exports
from ui.render import Turn, render_article, render_conversation
from ui.source_view import as_source_question

log = logging.getLogger(__name__)
# An unexpected error is named with the start of its message; the full one is in the log.
ERROR_DETAIL_CHARS = 300


def friendly_error(exc: BaseException) -> str:
    """A message for people, never a traceback: known errors as they are, others summarised."""
    if isinstance(exc, QuestionError | ConfigError):
        return str(exc)
    log.exception("error while handling a UI event", exc_info=exc)
    detail = " ".join(str(exc).split())[:ERROR_DETAIL_CHARS]
    name = type(exc).__name__
    return f"Something went wrong ({name}{': ' + detail if detail else ''}). Please try again."


def parse_date(value: str | None, name: str) -> date | None:
    """An ISO date from a text box, None when blank; QuestionError with the fix otherwise."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = f"{name} {text!r} is not a date: use YYYY-MM-DD, e.g. 2020-03-02."
        raise QuestionError(message) from None


def generator_choices(settings: Settings) -> list[tuple[str, str]]:
    """The registered generators these settings can run (openai only when an endpoint is set)."""
    return [
        (generators.label(name), name)
        for name in generators.names()
        if settings.generator_problem(name) is None
    ]


def history_of(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The chat history ask() expects: user questions and the answers' plain text."""
    history: list[dict[str, str]] = []
    for turn in turns:
        if turn.answer is not None:
            history.append({"role": "user", "content": turn.question})
            history.append({"role": "assistant", "content": turn.answer.text})
    return history


def find_citation(turns: Sequence[Turn], ref: str) -> Citation | None:
    """The citation named 'turn:number' by a click, or None."""
    try:
        turn_text, number_text = ref.split(":", 1)
        turn, number = int(turn_text), int(number_text)
    except (AttributeError, ValueError):
        return None
    if not 0 <= turn < len(turns) or turns[turn].answer is None:
        return None
    answer = turns[turn].answer
    assert answer is not None
    return next((c for c in answer.citations if c.number == number), None)


def export_button(label: str, elem_id: str) -> gr.DownloadButton:
    """A small download button, greyed out until there is a conversation to export."""
    return gr.DownloadButton(label, elem_id=elem_id, size="sm", interactive=False)


def export_update(path: str | None) -> Any:
    """An export button's new state: the file to download, enabled only when there is one."""
    return gr.update(value=path, interactive=path is not None)


class ChatHandlers:
    """The chat's event handlers over one Settings (and so one index)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.export_dir = Path(tempfile.mkdtemp(prefix="news-assistant-export-"))

    def request(
        self,
        question: str,
        history: Sequence[dict[str, str]],
        outlets: Sequence[str] | None,
        since: str | None,
        until: str | None,
        llm: str | None,
        top_k: float | None,
    ) -> AskRequest:
        """The AskRequest for a question and the side panel's controls (QuestionError if unusable)."""
        name = (llm or self.settings.llm).strip().lower()
        problem = self.settings.generator_problem(name) if name in generators.names() else None
        if problem:
            raise QuestionError(problem)
        return AskRequest.of(
            question,
            history,
            generator=name,
            outlets=outlets,
            since=parse_date(since, "Since"),
            until=parse_date(until, "Until"),
            top_k=int(top_k) if top_k else None,
        )

    def respond(
        self,
        question: str,
        turns: list[Turn] | None,
        outlets: list[str] | None,
        since: str,
        until: str,
        llm: str,
        top_k: float,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream an answer into the conversation, then show the verified Answer and exports."""
        turns = list(turns or [])
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question about the articles first.")
            yield render_conversation(turns), turns, "", gr.skip(), gr.skip()
            return
        turn = Turn(question=question)
        history = history_of(turns)
        turns.append(turn)
        yield render_conversation(turns), turns, "", gr.skip(), gr.skip()
        try:
            request = self.request(question, history, outlets, since, until, llm, top_k)
            for item in self.answers(request):
                if isinstance(item, Answer):
                    turn.answer = item
                    if item.pending:  # the quotes, shown while the summary is written
                        yield render_conversation(turns), turns, "", gr.skip(), gr.skip()
                elif item:
                    turn.partial += item
                    yield render_conversation(turns), turns, "", gr.skip(), gr.skip()
            if turn.answer is None:
                turn.error = "No answer came back. Please try again."
        except Exception as exc:  # the UI edge: errors become messages
            turn.error = friendly_error(exc)
            gr.Warning(turn.error)
        markdown, data = self.export(turns)
        yield render_conversation(turns), turns, "", export_update(markdown), export_update(data)

    def answers(self, request: AskRequest) -> Iterator[str | Answer]:
        """ask_stream behind the admission: Busy at once when the room is full; the ask counts as
        in flight until its quotes are out (a summary waits in its own line)."""
        ticket = get_admission(self.settings).admit()
        try:
            for item in ask_stream(request, settings=self.settings):
                if isinstance(item, Answer):
                    ticket.finish()
                yield item
        finally:
            ticket.finish()

    def respond_source(self, question: str, *controls: Any) -> Iterator[tuple[Any, ...]]:
        """Answer the question box's pasted passage as a where-is-this-from question."""
        yield from self.respond(as_source_question(question), *controls)

    def export(self, turns: Sequence[Turn]) -> tuple[str | None, str | None]:
        """Write the conversation's Markdown and JSON exports; return their paths."""
        if not turns:
            return None, None
        try:
            stem = f"conversation-{uuid.uuid4().hex[:8]}"
            markdown, data = write_exports(turns, self.export_dir, stem)
        except OSError as exc:
            gr.Warning(f"Could not write the export files: {exc.strerror or exc}")
            return None, None
        return str(markdown), str(data)

    def show_source(self, turns: list[Turn] | None, evt: gr.EventData) -> str:
        """Open the clicked citation's article with its quote highlighted (or a closest article)."""
        data = getattr(evt, "_data", None) or {}
        try:
            if data.get("cite"):
                citation = find_citation(turns or [], str(data["cite"]))
                if citation is None:
                    return render_article(None, missing="That citation is no longer in this chat.")
                article = get_article(citation.article_id, settings=self.settings)
                return render_article(article, citation)
            if data.get("article"):
                return render_article(get_article(str(data["article"]), settings=self.settings))
        except Exception as exc:  # the UI edge: errors become messages
            return render_article(None, missing=friendly_error(exc))
        return gr.skip()

    def new_chat(self) -> tuple[Any, ...]:
        """Clear the conversation, the article panel and the exports."""
        return render_conversation([]), [], EMPTY_ARTICLE, export_update(None), export_update(None), ""

    def ask_api(
        self,
        question: str,
        generator: str = "",
        outlets: list[str] | None = None,
        since: str = "",
        until: str = "",
        top_k: int = 0,
    ) -> dict[str, Any]:
        """Answer a question for programs: the Answer as JSON (answer.model_dump(mode='json'))."""
        final: dict[str, Any] = {}
        for event in self.ask_events(question, generator, outlets, since, until, top_k):
            final = event.get("answer", final)
        return final

    def ask_events(
        self,
        question: str,
        generator: str = "",
        outlets: list[str] | None = None,
        since: str = "",
        until: str = "",
        top_k: int = 0,
        history: list[dict[str, str]] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stream an answer for programs: {"quotes": Answer} as soon as the verified quotes are
        ready (while a summary is written), {"text": piece} as the summary streams, then
        {"answer": Answer}, the final one."""
        try:
            request = self.request(question, history or [], outlets, since, until, generator or None, top_k)
            for item in self.answers(request):
                if isinstance(item, Answer):
                    yield {"quotes" if item.pending else "answer": item.model_dump(mode="json")}
                elif item:
                    yield {"text": item}
        except Exception as exc:  # the API edge: a message, never a traceback
            raise gr.Error(friendly_error(exc)) from None


EMPTY_ARTICLE = (
    '<div class="na-article na-article-empty">Click a source or an [n] marker in an answer to '
    "read its article here, with the quote highlighted.</div>"
)
