"""The layers stay one-way: index knows nothing of the assistant or LLMs; assistant never imports ui;
and within them every module has a rank and imports only modules of lower rank (no cycles)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
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


# -- the rank table: every module of index/, assistant/ and ui/, lowest first --------------------
# A module may import only modules listed above it (lower rank), so the arrows only point down and
# there can be no cycle. Imports under `if TYPE_CHECKING:` count too: a type checker follows them.
# A new module goes in the layer of its role, below everything that imports it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("index: text and article data", (
        "index", "index.data", "index.textio", "index.models", "index.dates", "index.diskarray",
        "index.sitedata", "index.windows", "index.sentences", "index.sentence_vectors",
    )),
    ("index: embedding", ("index.embedder", "index.onnx_embedding", "index.embedding")),
    ("index: cleaning and loading", (
        "index.boilerplate", "index.cuts", "index.cleaning", "index.chunking", "index.jsonl_loader",
        "index.html_loader", "index.loaders", "index.repetition",
    )),
    ("index: storage and build", (
        "index.lexical", "index.catalog", "index.passages", "index.store", "index.build",
    )),
    ("assistant: pure data and text", (
        "assistant.data", "assistant.text", "assistant.quote_marks", "assistant.markdown_text",
        "assistant.retrieval", "assistant.retrieval.timeframe", "assistant.retrieval.question",
        "assistant.types", "assistant.pipeline.prose_queue",
    )),
    ("assistant: scoring at run time", (
        "assistant.scoring", "assistant.scoring.nlp", "assistant.scoring.features",
        "assistant.scoring.mentions", "assistant.scoring.question_features", "assistant.scoring.model",
    )),
    ("assistant: generators and settings", (
        "assistant.generators.base", "assistant.prompts", "assistant.generators.registry",
        "assistant.generators.readers",
        "assistant.generators.extractive", "assistant.config", "assistant.generators.local",
        "assistant.generators.openai_compat", "assistant.generators",
    )),
    ("assistant: pipeline steps", (
        "assistant.news", "assistant.pipeline.rewrite", "assistant.pipeline.quarantine",
        "assistant.pipeline.speakers", "assistant.pipeline.verify", "assistant.pipeline.request",
        "assistant.retrieval.hybrid", "assistant.pipeline.decline", "assistant.pipeline.lead",
        "assistant.pipeline.evidence", "assistant.retrieval.source", "assistant.pipeline.source_question",
        "assistant.pipeline.admission", "assistant.pipeline.sentence_warmup",
        "assistant.news.disagreement", "assistant.pipeline.readers.base",
        "assistant.pipeline.readers.schema", "assistant.pipeline.readers.quotes",
        "assistant.pipeline.readers.passages", "assistant.pipeline.readers",
    )),
    ("assistant: the state, steps runner and trace of ask()", (
        "assistant.pipeline.state", "assistant.pipeline",
    )),
    ("assistant: the engine", ("assistant.pipeline.engine",)),
    ("assistant: news features and integrations", (
        "assistant.news.comparison", "assistant.news.timeline", "assistant.news.comparison_text",
        "assistant.integrations", "assistant.integrations.llama",
    )),
    ("assistant: the public API (the only holder of the engine singleton)", (
        "assistant.errors", "assistant.api", "assistant.warmup", "assistant",
    )),
    ("assistant: evaluation", (
        "assistant.evaluation.questions", "assistant.evaluation.devset",
        "assistant.evaluation.metrics", "assistant.evaluation.runner", "assistant.evaluation.thresholds",
        "assistant.evaluation.calibrate", "assistant.evaluation.chart", "assistant.evaluation.compare",
        "assistant.evaluation.report", "assistant.evaluation.outlet_compare", "assistant.evaluation.session",
        "assistant.evaluation",
    )),
    ("assistant: fitting the models", (
        "assistant.training", "assistant.training.fit", "assistant.training.fit_lead",
    )),
    ("assistant: command line", (
        "assistant.cli", "assistant.cli.arguments", "assistant.cli.compare", "assistant.cli.dev",
        "assistant.cli.eval", "assistant.cli.fit", "assistant.cli.main", "assistant.__main__",
    )),
    ("ui", (
        "ui", "ui.memory", "ui.styles", "ui.busy", "ui.health", "ui.render", "ui.source_view",
        "ui.coverage_chart", "ui.export", "ui.handlers", "ui.compare_view", "ui.corpus", "ui.app",
        "ui.cli", "ui.__main__",
    )),
)  # fmt: skip
RANK = {module: rank for rank, module in enumerate(m for _, modules in LAYERS for m in modules)}
# Commands import what they run inside the function that runs it, so that `news-assistant --help`
# or listing generators loads no model, index or UI; nothing else imports inside a function.
CLI_MODULES = {
    "assistant.__main__", "assistant.cli.main", "assistant.cli.compare", "assistant.cli.eval",
    "assistant.cli.dev", "assistant.cli.fit", "ui.cli", "ui.__main__",
}  # fmt: skip


@dataclass(frozen=True)
class Edge:
    """One import of a project module by another: where it stands and whether it runs in a function."""

    importer: str
    imported: str
    line: int
    in_function: bool


def project_modules() -> dict[str, Path]:
    """{dotted name: file} of every module of the three packages."""
    modules = {}
    for package in ("index", "assistant", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def project_imports(modules: dict[str, Path]) -> list[Edge]:
    """Every import of a project module by a project module (a `from package import module` names
    the module; a name from a module names that module)."""
    edges = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node, in_function in _walk(tree, in_function=False):
            for name in _targets(node, package):
                imported = _module_of(name, modules)
                if imported is not None and imported != importer:
                    edges.append(Edge(importer, imported, node.lineno, in_function))
    return edges


def _walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it stands inside a function body."""
    for child in ast.iter_child_nodes(node):
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield child, inside
        yield from _walk(child, inside)


def _targets(node: ast.AST, package: str) -> list[str]:
    """The dotted names an import statement (or importlib.import_module("...")) reaches for."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parent = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parent, *([node.module] if node.module else [])])
        return [f"{base}.{alias.name}" for alias in node.names]
    if isinstance(node, ast.Call) and _is_dynamic_import(node) and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def _module_of(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted name lives in (the longest prefix that is a module), or None."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) if parts else None


def cycles(edges: list[Edge]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


MODULES = project_modules()
EDGES = project_imports(MODULES)


def test_every_module_has_a_rank() -> None:
    assert sorted(set(MODULES) - set(RANK)) == [], "add these modules to LAYERS"
    assert sorted(set(RANK) - set(MODULES)) == [], "LAYERS names modules that do not exist"
    assert len(RANK) == sum(len(modules) for _, modules in LAYERS), "a module is listed twice"


def test_no_import_cycles() -> None:
    assert cycles(EDGES) == []


# The rooms of assistant/ (its sub-packages) import one another one way too: a room whose
# modules import another room's may not be imported by it. assistant's own top-level modules
# (types, text, config, api, ...) and index/ui are left out: they stand below or above every room.
def room(module: str) -> str | None:
    """The sub-package of assistant/ a module lives in ('assistant.pipeline'), or None."""
    parts = module.split(".")
    if parts[0] != "assistant" or len(parts) < 2 or not (ROOT / "assistant" / parts[1]).is_dir():
        return None
    return ".".join(parts[:2])


def test_rooms_import_one_another_one_way() -> None:
    arrows = {(a, b) for e in EDGES if (a := room(e.importer)) and (b := room(e.imported)) and a != b}
    between = [Edge(a, b, 0, False) for a, b in sorted(arrows)]
    assert cycles(between) == []


def test_imports_only_point_down() -> None:
    upward = [
        f"{e.importer}:{e.line} imports {e.imported}"
        for e in EDGES
        if e.importer in RANK and e.imported in RANK and RANK[e.imported] >= RANK[e.importer]
    ]
    assert upward == []


def test_no_project_import_inside_a_function_outside_the_commands() -> None:
    hidden = [
        f"{e.importer}:{e.line} imports {e.imported}"
        for e in EDGES
        if e.in_function and e.importer not in CLI_MODULES
    ]
    assert hidden == []


def test_the_graph_sees_relative_lazy_and_cyclic_imports(tmp_path: Path) -> None:
    modules = {"pkg": tmp_path / "pkg" / "__init__.py", "pkg.a": tmp_path / "pkg" / "a.py",
               "pkg.b": tmp_path / "pkg" / "b.py"}  # fmt: skip
    modules["pkg"].parent.mkdir()
    modules["pkg"].write_text("from . import a\n")
    modules["pkg.a"].write_text("from pkg.b import thing\n")
    modules["pkg.b"].write_text("def f():\n    from .a import other\n")
    edges = project_imports(modules)
    assert {(e.importer, e.imported, e.in_function) for e in edges} == {
        ("pkg", "pkg.a", False),
        ("pkg.a", "pkg.b", False),
        ("pkg.b", "pkg.a", True),
    }
    assert cycles(edges) == [["pkg.a", "pkg.b"]]


def test_the_registry_entry_points_are_ranked_above_it() -> None:
    """The registry names its built-in backends as "module:factory" strings, imported when a
    generator is created: those are imports too, and must point down from the commands' side."""
    path = MODULES["assistant.generators.registry"]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    targets = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[\w.]+:\w+", node.value)
    ]
    assert len(targets) == 3
    for target in targets:
        module, _, factory = target.partition(":")
        assert module in RANK, target
        assert RANK[module] > RANK["assistant.generators.registry"], target
        assert f"def {factory}(" in MODULES[module].read_text(encoding="utf-8"), target
