"""`python -m benchmarks.coldstart` (make bench-coldstart): a cold start, from the CLI and the chat.

Each figure is a new process over the index named by ASSISTANT_INDEX_DIR (default: the project's),
run the way a user starts it, beside a baseline measured in the same run:
- `news-assistant ask` with the extractive and the default generator, with and without
  PYTHONDONTWRITEBYTECODE=1, reading the bytecode that set-up wrote;
- the baseline: the same command as before this change, with torch imported ahead of spaCy (as
  thinc did) and no bytecode anywhere (set-up installed with --no-compile, and
  PYTHONDONTWRITEBYTECODE=1 kept Python from writing any), so each start compiled every module;
- the chat: `news-assistant chat` until it says ready, then its first answer through /ask_stream
  (when the first verified quote came, and the whole answer with the summary).
The figures go to benchmarks/coldstart.json and a section of benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT
from benchmarks.measure import OFFLINE_ENV, machine_info, now_iso, percentile

OUT_DIR = PROJECT_ROOT / "benchmarks"
QUESTION = "What did the Kremlin say Russia and the US were prepared to do in Syria?"
REPEATS = 3  # new processes per figure: enough for a median on a shared machine, a few minutes in all
# The targets, in seconds.
TARGETS = {"extractive": 3.0, "default": 5.0, "first_quote": 1.0, "whole_answer": 3.0}
SERVER_READY_TIMEOUT = 300  # seconds; a fresh index of the seeds and every model load well within it
SECTION = "cold start"
# The baseline's start: torch imported first, as thinc imported it ahead of spaCy before this change.
BASELINE_PRELUDE = (
    "import runpy, sys, torch; sys.argv[0] = 'assistant'; runpy.run_module('assistant', run_name='__main__')"
)


def _env(extra: Mapping[str, str], drop: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment, offline, with the project first on the path, less `drop`."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(OFFLINE_ENV)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update(extra)
    return env


def variants(no_bytecode: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """{name: (python arguments before `ask`, environment)} for each way of starting a cold ask."""
    new = ["-m", "assistant"]
    old = ["-c", BASELINE_PRELUDE]
    return {  # in this order: the first reads only the bytecode that set-up wrote
        "now, PYTHONDONTWRITEBYTECODE=1": (
            new,
            _env({"PYTHONDONTWRITEBYTECODE": "1"}, drop=("PYTHONPYCACHEPREFIX",)),
        ),
        "now": (new, _env({}, drop=("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"))),
        "baseline, PYTHONDONTWRITEBYTECODE=1": (
            old,
            _env({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(no_bytecode)}),
        ),
    }


def cold_ask(arguments: list[str], env: dict[str, str], generator: str, repeats: int) -> dict[str, Any]:
    """Wall seconds of `repeats` new processes answering QUESTION with this generator."""
    command = [sys.executable, *arguments, "ask", QUESTION, "--llm", generator]
    runs, cpu = [], []
    for _ in range(repeats):
        cpu_before = _children_cpu_s()
        began = time.perf_counter()
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
        runs.append(round(time.perf_counter() - began, 2))
        cpu.append(round(_children_cpu_s() - cpu_before, 2))
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {done.stderr[-800:]}")
    return {
        "runs_s": runs,
        "median_s": round(percentile(runs, 50) or 0.0, 2),
        "cpu_s": cpu,
        "median_cpu_s": round(percentile(cpu, 50) or 0.0, 2),
    }


def _children_cpu_s() -> float:
    """User plus system CPU seconds of this process's finished children (less sensitive to load)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def chat_first_answer(index_dir: Path, scratch: Path) -> dict[str, Any]:
    """Start `news-assistant chat` with its defaults; seconds until it says ready, then the first
    answer's first quote and whole answer, timed from the ask."""
    from gradio_client import Client

    index = scratch / "index"
    shutil.copytree(index_dir, index)
    port = free_port()
    log_path = scratch / "chat.log"
    command = [sys.executable, "-m", "ui", "--index-dir", str(index), "chat", "--port", str(port)]
    env = _env({}, drop=("PYTHONDONTWRITEBYTECODE", "ASSISTANT_LLM", "ASSISTANT_INDEX_DIR"))
    with open(log_path, "wb") as log:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            ready_s = _wait_ready(log_path, process, began)
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            first, whole, answer = timed_ask(client, QUESTION)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "ready_s": ready_s,
        "first_quote_s": first,
        "whole_answer_s": whole,
        "summary": bool(answer.get("prose")) and not answer.get("fallback"),
        "note": answer.get("note"),
    }


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(log_path: Path, process: subprocess.Popen[bytes], began: float) -> float:
    """Seconds until the server's log says Ready (RuntimeError if it exits or takes too long)."""
    while time.perf_counter() - began < SERVER_READY_TIMEOUT:
        if re.search(r"^Ready: ", log_path.read_text(errors="replace"), re.M):
            return round(time.perf_counter() - began, 2)
        if process.poll() is not None:
            raise RuntimeError(f"the chat server exited: {log_path.read_text(errors='replace')[-800:]}")
        time.sleep(0.1)
    raise RuntimeError(f"the chat server did not say ready within {SERVER_READY_TIMEOUT} s")


def timed_ask(client: Any, question: str) -> tuple[float | None, float, dict[str, Any]]:
    """Ask through /ask_stream: seconds to the first verified quote, to the final answer, and it."""
    began = time.perf_counter()
    first: float | None = None
    final: dict[str, Any] | None = None
    job = client.submit(question, "", None, "", "", 0, [], api_name="/ask_stream")
    for event in job:
        answer = event.get("quotes") or event.get("answer")
        if answer and first is None and (answer.get("citations") or answer.get("refused")):
            first = round(time.perf_counter() - began, 2)
        if "answer" in event:
            final = event["answer"]
    if final is None:
        final = next((e["answer"] for e in reversed(job.outputs()) if "answer" in e), None)
    if final is None:
        raise RuntimeError(f"no final answer came back (status {job.status()})")
    return first, round(time.perf_counter() - began, 2), final


def run(index_dir: Path, repeats: int) -> dict[str, Any]:
    """Every figure of this benchmark, with the machine it ran on."""
    results: dict[str, Any] = {"measured_at": now_iso(), "machine": machine_info(), "repeats": repeats}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        no_bytecode = Path(scratch) / "no-bytecode"  # an empty bytecode cache that is never written
        asks: dict[str, dict[str, Any]] = {}
        for name, (arguments, env) in variants(no_bytecode).items():
            env["ASSISTANT_INDEX_DIR"] = str(index_dir)
            for generator in ("extractive", "local"):
                asks[f"{name} | {generator}"] = cold_ask(arguments, env, generator, repeats)
        results["ask"] = asks
        results["chat"] = chat_first_answer(index_dir, Path(scratch))
    results["machine"]["load_after"] = machine_info().get("load_average")
    return results


def render(results: dict[str, Any]) -> str:
    """The Markdown section for benchmarks/results.md."""
    asks = results["ask"]
    lines = [
        f"<!-- {SECTION}: start -->",
        "## Cold start: `news-assistant ask` in a new process, and the chat's first answer "
        "(`make bench-coldstart`)",
        "",
        f"Measured {results['measured_at']}, {results['machine'].get('cores')} cores, load average "
        f"{results['machine'].get('load_average')} before and {results['machine'].get('load_after')} after; "
        f"{results['repeats']} new processes per figure; question: {QUESTION!r}. The baseline starts as "
        "before this change: torch imported ahead of spaCy and no bytecode (each start compiles).",
        "",
        "| start | generator | runs (s) | median | target | vs baseline | CPU s (median) | CPU vs baseline |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for key, figure in asks.items():
        name, generator = key.split(" | ")
        target = TARGETS["extractive" if generator == "extractive" else "default"]
        base = asks.get(f"baseline, PYTHONDONTWRITEBYTECODE=1 | {generator}", {})
        ratio = f"{figure['median_s'] / base['median_s']:.2f}x" if base else "-"
        cpu_ratio = f"{figure['median_cpu_s'] / base['median_cpu_s']:.2f}x" if base else "-"
        runs = ", ".join(f"{r:.2f}" for r in figure["runs_s"])
        lines.append(
            f"| {name} | {generator} | {runs} | {figure['median_s']:.2f} s | <= {target:g} s | {ratio} "
            f"| {figure['median_cpu_s']:.2f} | {cpu_ratio} |"
        )
    chat = results.get("chat", {})
    if chat:
        lines += [
            "",
            "The chat (`news-assistant chat`, default settings, a copy of the index): "
            f"ready {chat['ready_s']:.1f} s after start; its first answer's first quote "
            f"{chat['first_quote_s']} s (target <= {TARGETS['first_quote']:g} s), whole answer "
            f"{chat['whole_answer_s']} s (target <= {TARGETS['whole_answer']:g} s), "
            f"{'with' if chat['summary'] else 'without'} the model's summary.",
        ]
    lines.append(f"<!-- {SECTION}: end -->")
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], folder: Path = OUT_DIR) -> None:
    """Write coldstart.json and replace (or append) its section in results.md."""
    (folder / "coldstart.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    path = folder / "results.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    name = re.escape(SECTION)
    pattern = re.compile(f"<!-- {name}: start -->.*?<!-- {name}: end -->\n?", re.S)
    section = render(results)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip() + "\n\n" + section
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    from assistant.config import default_settings

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.coldstart", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--index-dir", type=Path, help="the index to ask (default: the settings' index)")
    args = parser.parse_args(argv)
    index_dir = args.index_dir or default_settings().index_dir
    results = run(index_dir.resolve(), args.repeats)
    write(results)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
