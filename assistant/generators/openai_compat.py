"""The hosted generator: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx

from assistant.config import Settings
from assistant.generators.base import GenerationError
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

    def _payload(self, question: str, quotes: list[Quote]) -> dict[str, object]:
        """The chat request: instructions as the system message, quotes and question as data."""
        instructions, prompt = render_answer_prompt(question, quotes)
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": instructions},
                {"role": "user", "content": prompt},
            ],
            "temperature": 0,
            "max_tokens": self.max_tokens,
            "stream": True,
        }

    def stream(self, question: str, quotes: list[Quote]) -> Iterator[str]:
        """Yield content deltas; retry a failed connection before any text was produced."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = f"{self.base_url}/chat/completions"
        payload = self._payload(question, quotes)
        last_error: Exception | None = None
        for attempt in range(self.retries + 1):
            produced = False
            try:
                with (
                    httpx.Client(timeout=self.timeout) as client,
                    client.stream("POST", url, json=payload, headers=headers) as response,
                ):
                    if response.status_code >= 400:
                        response.read()
                        raise GenerationError(
                            f"{url} answered HTTP {response.status_code}: {response.text[:200]}"
                        )
                    for delta in _deltas(response.iter_lines()):
                        produced = True
                        yield delta
                return
            except (httpx.HTTPError, GenerationError) as exc:
                last_error = exc
                if produced:
                    break
                if attempt < self.retries:
                    time.sleep(0.5 * (attempt + 1))
        raise GenerationError(
            f"The LLM endpoint {self.base_url} failed ({type(last_error).__name__}: {last_error}). "
            "Check ASSISTANT_OPENAI_BASE_URL and that the server is running."
        )


def _deltas(lines: Iterator[str]) -> Iterator[str]:
    """Parse server-sent events of a streamed chat completion into content deltas."""
    for line in lines:
        line = line.strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
            choice = event["choices"][0]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GenerationError(f"unreadable response from the LLM endpoint: {data[:120]!r}") from exc
        content = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
        if content:
            yield str(content)
