"""Wrong settings fail at start with a fix-it message; the CLI prints messages, not tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.config import ConfigError, load_settings
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"llm": "gpt-17"}, "ASSISTANT_LLM"),
        ({"llm": "openai"}, "ASSISTANT_OPENAI_BASE_URL"),
        ({"openai_base_url": "ftp://example"}, "http"),
        ({"llm_model_path": "/no/such/model.gguf"}, "ASSISTANT_LLM_MODEL_PATH"),
        ({"top_k": 0}, "ASSISTANT_TOP_K"),
    ],
)
def test_wrong_settings_say_how_to_fix_them(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(**overrides)
    assert message in str(error.value)


def test_index_dir_that_is_a_file_is_rejected(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(ConfigError, match="ASSISTANT_INDEX_DIR"):
        load_settings(index_dir=afile)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_LLM", "extractive")
    monkeypatch.setenv("ASSISTANT_TOP_K", "5")
    settings = load_settings()
    assert settings.index_dir == tmp_path and settings.llm == "extractive" and settings.top_k == 5


def test_misspelled_variable_fails_with_the_closest_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOPK", "5")
    with pytest.raises(
        ConfigError, match=re.escape("ASSISTANT_TOPK is not a setting: did you mean ASSISTANT_TOP_K?")
    ):
        load_settings()
    monkeypatch.delenv("ASSISTANT_TOPK")
    monkeypatch.setenv("ASSISTANT_ZZZ", "1")
    with pytest.raises(ConfigError, match="ASSISTANT_ZZZ is not a setting: unset it"):
        load_settings()


def test_every_setting_variable_is_known() -> None:
    from assistant.config import Settings, setting_variables, unknown_variables

    assert unknown_variables({name: "" for name in setting_variables()}) == []
    assert len(setting_variables()) == len(Settings.model_fields)
    assert unknown_variables({"assistant_top_k": "3", "HOME": "/"}) == []  # any case, like pydantic
    assert unknown_variables({"assistant_topk": "3"}) == [
        "assistant_topk is not a setting: did you mean ASSISTANT_TOP_K?"
    ]


def test_login_needs_both_parts_and_the_rule_lives_in_settings(tmp_path: Path) -> None:
    from assistant.config import LOGIN_PAIR

    with pytest.raises(ConfigError, match="ASSISTANT_UI_PASSWORD"):
        load_settings(index_dir=tmp_path, ui_username="ana")
    with pytest.raises(ConfigError, match="ASSISTANT_UI_USERNAME"):
        load_settings(index_dir=tmp_path, ui_password="s3cret")
    assert load_settings(index_dir=tmp_path).login() is None
    half = load_settings(index_dir=tmp_path).model_copy(update={"ui_username": "ana"})  # skips validators
    with pytest.raises(ConfigError) as error:
        half.login()
    assert str(error.value) == LOGIN_PAIR


def test_generator_needs_come_from_the_registry_and_one_message(tmp_path: Path) -> None:
    settings = load_settings(index_dir=tmp_path, llm="extractive")
    problem = settings.generator_problem("openai")
    assert problem and "ASSISTANT_OPENAI_BASE_URL" in problem
    with pytest.raises(ConfigError) as error:
        load_settings(index_dir=tmp_path, llm="openai")
    assert problem in str(error.value)
    hosted = load_settings(index_dir=tmp_path, llm="openai", openai_base_url="http://127.0.0.1:9/v1")
    assert hosted.generator_problem("openai") is None
    with pytest.raises(ConfigError, match="did you mean 'local'"):
        load_settings(index_dir=tmp_path, llm="lokal")


def test_generator_choices_come_from_the_registry() -> None:
    from assistant.cli.main import build_parser
    from assistant.generators import registry

    parser = build_parser()
    for command in ("ask", "eval"):
        choices = _subparser(parser, command)._option_string_actions["--llm"].choices
        assert tuple(choices) == registry.names(), command
    assert all(registry.label(name) for name in registry.names())


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]  # type: ignore[no-any-return]


def test_readme_configuration_table_lists_every_setting() -> None:
    from assistant.config import setting_variables

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `ASSISTANT_")]
    listed = {name for row in rows for name in re.findall(r"`(ASSISTANT_[A-Z_]+)`", row.split(" | ")[0])}
    assert set(setting_variables()) - listed == set(), "add these settings to the README's table"
    assert listed - set(setting_variables()) == set(), "the README lists settings that do not exist"


def test_chat_is_wired_from_ui_and_python_m_assistant_points_there(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["chat", "--port", "1"]) == 2
    assert "news-assistant chat" in capsys.readouterr().err
    from ui.cli import main as full_main

    with pytest.raises(SystemExit) as exit_info:
        full_main(["chat", "--help"])
    assert exit_info.value.code == 0 and "--port" in capsys.readouterr().out


def test_cli_reports_bad_setting_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "nonsense")
    assert main(["articles"]) == 2
    err = capsys.readouterr().err
    assert "ASSISTANT_LLM" in err and "Traceback" not in err


def test_cli_missing_path_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index-dir", str(tmp_path / "i"), "index", str(tmp_path / "nope")]) == 2
    assert "No such file or folder" in capsys.readouterr().err


@pytest.mark.integration
def test_cli_articles_json_on_the_seeds(seed_index: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--index-dir", str(seed_index), "articles", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=True,
    )
    rows = json.loads(result.stdout)
    assert len(rows) == 5
    assert sorted(r["outlet"] for r in rows) == sorted(
        ["Sputnik International", "TASS", "Devdiscourse (PTI)", "Press TV", "Press TV"]
    )
    assert {r["title"] for r in rows} == {
        "Russia, Turkey Constantly Coordinating Actions Regarding Syria",
        "Kremlin says Russia in contact with Turkey on possible meeting on Syria",
        "Kremlin says cooperation with Turkey on Syria of 'great importance'",
        "Putin hails closer Moscow-Ankara ties on Syria crisis",
        "Russia, US to intensify Syria coordination: Kremlin",
    }
    dates = {r["outlet"]: r["published"] for r in rows}
    assert dates["TASS"] == "2016-12-28" and dates["Devdiscourse (PTI)"] == "2020-03-02"
    assert dates["Sputnik International"] is None and dates["Press TV"] is None
    for row in rows:
        assert row["n_chunks"] > 0 and set(row) >= {"id", "source", "url", "text"}
        for chrome in ("Subscribe", "TRENDING", "Telegram", "alternate addresses", "Roku", "©"):
            assert chrome not in row["text"]


@pytest.mark.integration
def test_cli_ask_prints_answer_then_citations(seed_index: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--index-dir", str(seed_index), "ask",
         "How many military observation posts did Turkey establish in Idlib?", "--llm", "extractive"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=True,
    )  # fmt: skip
    # The lead answers first (the number, then the sentence it stands in), then each quote once.
    first_line = result.stdout.split("\n")[0]
    assert "12 military observation posts" in first_line and first_line.endswith("[1].")
    assert "[1] Devdiscourse (PTI) reported (2 Mar 2020): Kremlin says cooperation" in result.stdout
    sources = result.stdout.split("\n[1] ", 1)[1]
    assert sources.count("12 military observation posts") == 1


@pytest.mark.integration
def test_cli_empty_question_is_a_message(seed_index: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--index-dir", str(seed_index), "ask", "   "],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "question is empty" in result.stderr and "Traceback" not in result.stderr
