"""The layers stay one-way: index knows nothing of the assistant or LLMs; assistant never imports ui."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {
    "assistant": {"ui"},
    "index": {"ui", "assistant", "llama_cpp", "openai"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a Python file imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _is_dynamic_import(node) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value.split(".")[0])
    return found


def _is_dynamic_import(call: ast.Call) -> bool:
    """importlib.import_module(...) or __import__(...)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("__import__", "import_module")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upward(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    broken = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package]) for path in files
    }
    assert {path: names for path, names in broken.items() if names} == {}


def test_the_scan_sees_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import ui.app\n"
        "from openai import OpenAI\n"
        "def f():\n"
        "    from llama_cpp import Llama\n"
        "    import importlib\n"
        "    return importlib.import_module('assistant.api')\n"
        "from . import sibling\n"
    )
    assert imported_packages(sample) >= {"ui", "openai", "llama_cpp", "assistant", "importlib"}
