"""The hosted generator: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp),
spoken to through the `openai` SDK (streaming, timeouts, retries)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import openai

from assistant.config import Settings
from assistant.generators.base import ContextExceeded, GenerationError
from assistant.prompts import render_answer_prompt
from assistant.types import Quote

# A hosted model writes a few sentences over the quotes; 200 tokens leaves room for them and their
# [n] markers without paying for a runaway answer (the small local model has llm_max_tokens).
MAX_TOKENS = 200


def from_settings(settings: Settings) -> OpenAICompatibleGenerator:
    """The registry's factory: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp)."""
    assert settings.openai_base_url, "registry.create checks the required settings first"
    return OpenAICompatibleGenerator(
        settings.openai_base_url,
        settings.openai_model,
        settings.openai_api_key,
        timeout=settings.openai_timeout,
        retries=settings.openai_retries,
    )


# Structured replies: OpenAI, vLLM and Ollama take a JSON schema as `json_schema`; llama.cpp's
# Python server takes it as `json_object` with a `schema`. The first that the server accepts is
# remembered; a server that takes neither is asked with no format and its reply parsed as it comes.
FORMATS = ("json_schema", "json_object", "none")
# How servers say a prompt did not fit: llama.cpp "exceed context window of 2048", OpenAI and vLLM
# "maximum context length is 8192 tokens".
_CONTEXT_LIMIT = re.compile(r"(?:context window of|maximum context length is)\s+(\d+)", re.IGNORECASE)
# What an API key is when none is set: local servers ignore it, and the SDK insists on one.
NO_KEY = "not-needed"


class OpenAICompatibleGenerator:
    """Streams a chat completion; times out, retries once, and fails with a clear error."""

    name = "openai"
    prose_leads = True  # a capable model's verified prose opens the answer; the lead is its fallback

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout: float,
        retries: int,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.max_tokens = max_tokens
        self.structured_format: str | None = None  # the FORMATS entry this server accepted, once known
        # The SDK's own retries would retry after text was produced too; ours stop once it was.
        self.client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or NO_KEY, timeout=timeout, max_retries=0
        )

    def _messages(self, question: str, quotes: list[Quote]) -> list[dict[str, str]]:
        """The chat request: instructions as the system message, quotes and question as data."""
        instructions, prompt = render_answer_prompt(question, quotes)
        return [{"role": "system", "content": instructions}, {"role": "user", "content": prompt}]

    def stream(self, question: str, quotes: list[Quote]) -> Iterator[str]:
        """Yield content deltas; retry a failed connection before any text was produced."""
        messages = self._messages(question, quotes)
        yield from self._with_retries(partial(self._deltas, messages, self.max_tokens, {}))

    def complete_json(
        self, instructions: str, prompt: str, schema: Mapping[str, Any], max_tokens: int
    ) -> str:
        """The model's whole reply to a request for JSON following `schema` (see FORMATS)."""
        messages = [{"role": "system", "content": instructions}, {"role": "user", "content": prompt}]
        refusal: _Rejected | None = None
        for form in FORMATS if self.structured_format is None else (self.structured_format,):
            extra = _response_format(form, schema)
            try:
                reply = "".join(self._with_retries(partial(self._deltas, messages, max_tokens, extra)))
            except _Rejected as exc:
                refusal = exc
                continue
            self.structured_format = form
            return reply
        raise GenerationError(f"no request for a structured reply was accepted: {refusal}")

    def context_tokens(self) -> int | None:
        """The model's context length as the server states it (vLLM, llama.cpp), else None."""
        try:
            found = self.client.models.retrieve(self.model)
        except (openai.OpenAIError, ValueError):
            return None
        data = found.model_dump() if hasattr(found, "model_dump") else {}
        meta = data.get("meta") or {}
        value = data.get("max_model_len") or meta.get("n_ctx") or meta.get("n_ctx_train")
        return int(value) if isinstance(value, int | float) and value > 0 else None

    def _deltas(
        self, messages: list[dict[str, str]], max_tokens: int, extra: dict[str, Any]
    ) -> Iterator[str]:
        """One streamed chat completion's content deltas."""
        stream = self.client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0,
            max_tokens=max_tokens,
            stream=True,
            **extra,
        )
        with stream:
            for event in stream:
                choice = event.choices[0] if event.choices else None
                content = choice.delta.content if choice is not None and choice.delta else None
                if content:
                    yield str(content)

    def _with_retries(self, attempt: Callable[[], Iterator[str]]) -> Iterator[str]:
        """Run attempt() (an iterator of text) with our retries; a clear GenerationError at the end."""
        last_error: Exception | None = None
        for number in range(self.retries + 1):
            produced = False
            try:
                for delta in attempt():
                    produced = True
                    yield delta
                return
            except (openai.OpenAIError, ValueError, KeyError, TypeError) as exc:
                if isinstance(exc, openai.APIStatusError):
                    _raise_refusal(exc, self.base_url)
                last_error = exc
                if produced:
                    break
                if number < self.retries:
                    time.sleep(0.5 * (number + 1))
        raise GenerationError(
            f"The LLM endpoint {self.base_url} failed ({_describe(last_error)}). "
            "Check ASSISTANT_OPENAI_BASE_URL and that the server is running."
        )


class _Rejected(GenerationError):
    """The server refused the request as malformed (for example, a response format it lacks)."""


def _raise_refusal(error: openai.APIStatusError, base_url: str) -> None:
    """Raise ContextExceeded when the prompt did not fit the model, _Rejected when the server
    refused a response format it lacks (llama.cpp's Python server answers that with HTTP 500); a
    refused request is not retried as it was. Other errors return, to be retried."""
    message = str(error.message)
    limit = _CONTEXT_LIMIT.search(message)
    if limit:
        raise ContextExceeded(
            f"the prompt does not fit the model ({_describe(error)})", int(limit[1])
        ) from error
    if "response_format" in message or "json_schema" in message:
        raise _Rejected(f"{base_url} refused the request ({_describe(error)})") from error


def _response_format(form: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The create() arguments that ask for JSON in one of FORMATS."""
    if form == "json_schema":
        spec = {"name": "reading", "schema": dict(schema), "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    if form == "json_object":
        return {"response_format": {"type": "json_object", "schema": dict(schema)}}
    return {}


def _describe(error: Exception | None) -> str:
    """'APIStatusError: HTTP 500 ...', 'APITimeoutError: Request timed out.', ..."""
    if isinstance(error, openai.APIStatusError):
        return f"{type(error).__name__}: HTTP {error.status_code}: {str(error.message)[:200]}"
    if isinstance(error, json.JSONDecodeError):
        return f"unreadable response from the LLM endpoint ({error.msg})"
    return f"{type(error).__name__}: {error}"
