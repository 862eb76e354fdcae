"""The local generator: a GGUF model through llama-cpp-python (default: bundled Gemma 3 270M)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.generators.base import ContextExceeded, GenerationError
from assistant.prompts import render_answer_prompt
from assistant.types import Quote

STOP = ["\n", ". ", "Question:", "Quotes:"]
PROMPT_QUOTES = 1
# One quote, the question and the instructions fit in 1,024 tokens with room for the summary; a
# larger window only costs memory. Prompts are read in batches of 512 tokens (llama.cpp's default).
CONTEXT_TOKENS = 1024
PROMPT_BATCH_TOKENS = 512
# A light penalty keeps a small model from repeating a phrase of the quote in a loop.
REPEAT_PENALTY = 1.1
WARM_UP_PROMPT = "News:"  # any text: one token through the model sets up its compute buffers
_quiet_log: Any = None


def from_settings(settings: Settings) -> LocalGenerator:
    """The registry's factory: a GGUF model through llama-cpp-python, loaded on first use."""
    return LocalGenerator(
        settings.model_path(), threads=settings.llm_threads, max_tokens=settings.llm_max_tokens
    )


def silence_llama_cpp_log() -> None:
    """Drop llama.cpp's own log lines (cache notes on stderr); failures still raise."""
    global _quiet_log
    if _quiet_log is None:
        import ctypes

        import llama_cpp

        @llama_cpp.llama_log_callback  # type: ignore[misc]
        def quiet(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            return None

        _quiet_log = quiet
        llama_cpp.llama_log_set(quiet, ctypes.c_void_p(0))


def release_sampler(llm: Any) -> None:
    """Free the sampler chain a completion left on the model, now rather than at a later GC.

    llama-cpp-python makes a new native sampler chain for every completion and frees the old one
    only when Python's cycle collector finds it (the chain's cleanup closure refers back to it). A
    long-running chat server then grew by 0.4 to 1.7 MB a summary; freed at once, it stays flat
    (tests/test_generators_real.py measures it).
    """
    sampler = getattr(llm, "_sampler", None)
    if sampler is not None and hasattr(sampler, "close"):
        sampler.close()
        llm._sampler = None


class LocalGenerator:
    """Few-shot completion over numbered quotes with a small local model, loaded once."""

    name = "local"
    # Its verified prose follows the lead rather than replacing it: a 270M model's sentences hold
    # the answer less often than the lead built from the quotes (docs/experiments.md, 7 Dec 2026).
    prose_leads = False

    def __init__(self, model_path: Path, threads: int, max_tokens: int) -> None:
        self.model_path = model_path
        self.threads = threads
        self.max_tokens = max_tokens
        self._llm: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model and evaluate one token now, so the first summary pays for neither."""
        with self._lock:
            llm = self._model()
            llm.create_completion(WARM_UP_PROMPT, max_tokens=1, temperature=0.0)
            release_sampler(llm)
            llm.reset()

    def _model(self) -> Any:
        """Load the model on first use."""
        if self._llm is None:
            if not self.model_path.is_file():
                raise GenerationError(
                    f"Model file {self.model_path} not found: set ASSISTANT_LLM_MODEL_PATH to a .gguf file."
                )
            # llama.cpp's OpenMP threads spin while they wait for each other; on two cores busy
            # with other work (a shared machine, CI) the spinning took 134 tokens from 1.9 s to
            # 25 s. Passive waiting gives up only a thread wake-up per wait. OpenMP reads this when
            # llama.cpp's library loads; a value set by the user stays.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # set-up may still be compiling it (`make chat` on a new machine)
                raise GenerationError(
                    "llama.cpp is not installed yet (`make setup` compiles it); summaries follow once it is"
                ) from exc

            silence_llama_cpp_log()
            try:
                self._llm = Llama(
                    model_path=str(self.model_path),
                    n_ctx=CONTEXT_TOKENS,
                    n_threads=self.threads,
                    n_batch=PROMPT_BATCH_TOKENS,
                    verbose=False,
                )
            except Exception as exc:
                raise GenerationError(f"Could not load {self.model_path}: {exc}") from exc
        return self._llm

    def context_tokens(self) -> int:
        """The model's context length in tokens, as loaded."""
        return CONTEXT_TOKENS

    def complete_json(
        self, instructions: str, prompt: str, schema: Mapping[str, Any], max_tokens: int
    ) -> str:
        """The model's reply to a request for JSON, held to the schema by a llama.cpp grammar."""
        from llama_cpp import LlamaGrammar
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        grammar = LlamaGrammar.from_string(json_schema_to_gbnf(json.dumps(dict(schema))), verbose=False)
        with self._lock:
            llm = self._model()
            try:
                reply = llm.create_completion(
                    f"{instructions}\n\n{prompt}\n", max_tokens=max_tokens, temperature=0.0, grammar=grammar
                )
            except ValueError as exc:  # the prompt is longer than the model's context
                raise ContextExceeded(
                    f"the passages do not fit the local model's context ({exc})", CONTEXT_TOKENS
                ) from exc
            finally:
                release_sampler(llm)
        return str(reply["choices"][0]["text"])

    def stream(self, question: str, quotes: list[Quote]) -> Iterator[str]:
        """Yield completion text, one token at a time (one request at a time per model)."""
        _, prompt = render_answer_prompt(question, quotes[:PROMPT_QUOTES])
        with self._lock:
            llm = self._model()
            completion = llm.create_completion(
                prompt,
                max_tokens=self.max_tokens,
                temperature=0.0,
                top_k=1,
                repeat_penalty=REPEAT_PENALTY,
                stop=STOP,
                stream=True,
            )
            try:
                for part in completion:
                    yield part["choices"][0]["text"]
            finally:
                completion.close()
                release_sampler(llm)
