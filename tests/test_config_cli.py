"""Wrong settings fail at start with a fix-it message; the CLI prints messages, not tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
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
    assert "[1] Devdiscourse (PTI) · 2 Mar 2020 · Kremlin says cooperation" in result.stdout
    assert "12 military observation posts" in result.stdout


@pytest.mark.integration
def test_cli_empty_question_is_a_message(seed_index: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--index-dir", str(seed_index), "ask", "   "],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "question is empty" in result.stderr and "Traceback" not in result.stderr
