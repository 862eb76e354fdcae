"""The generator registry: one decorator adds a backend that config, the CLIs and the UI then offer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import ConfigError, Settings, load_settings
from assistant.generators import GenerationError, registry
from tests.conftest import ROOT
from tests.fakes import ScriptedGenerator


@pytest.fixture
def echo() -> Iterator[str]:
    """A backend registered for one test, then removed."""

    @registry.register("echo", label="Echo (test)", requires={"openai_model": "any-name"})
    def make(settings: Settings) -> ScriptedGenerator:
        return ScriptedGenerator(f"model {settings.openai_model} [1].", name="echo")

    yield "echo"
    registry.unregister("echo")


def test_built_in_backends_are_registered_in_order() -> None:
    assert registry.names() == ("extractive", "local", "openai")
    assert registry.label("extractive").startswith("Extractive")
    assert dict(registry.requirements("openai")) == {"openai_base_url": "http://127.0.0.1:8080/v1"}
    with pytest.raises(registry.UnknownGenerator, match="use one of extractive, local, openai"):
        registry.label("gpt-17")


def test_a_registered_backend_is_a_valid_setting_and_can_be_created(echo: str, tmp_path: Path) -> None:
    settings = load_settings(index_dir=tmp_path, llm=echo, openai_model="tiny")
    assert settings.llm == "echo" and echo in registry.names()
    generator = registry.create(echo, settings)
    assert "".join(generator.stream("q", [])) == "model tiny [1]."
    with pytest.raises(ValueError, match="already registered"):
        registry.register("echo", label="again")(lambda settings: generator)


def test_create_refuses_a_backend_whose_settings_are_missing(echo: str, tmp_path: Path) -> None:
    settings = load_settings(index_dir=tmp_path, llm="extractive", openai_model="")
    with pytest.raises(GenerationError) as error:
        registry.create(echo, settings)
    assert str(error.value) == settings.generator_problem(echo)
    with pytest.raises(ConfigError, match="ASSISTANT_OPENAI_MODEL"):
        load_settings(index_dir=tmp_path, llm=echo, openai_model="")


def test_listing_generators_imports_no_backend() -> None:
    code = (
        "import sys, assistant.cli.main, assistant.config\n"
        "from assistant.generators import registry\n"
        "assert registry.names()\n"
        "loaded = [m for m in ('llama_cpp', 'httpx', 'assistant.generators.local',\n"
        "          'assistant.generators.openai_compat', 'assistant.pipeline.engine') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
