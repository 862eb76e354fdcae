"""A full room, before and after, in one run: cost per ask, then users asking the real chat server.

    python -m benchmarks.load --index-dir DIR [--users 25] [--seconds 45] [--questions 30]

1. cost per ask: the same questions asked one after another in this process over a copy of the
   index. before: sentence vectors in memory only (ASSISTANT_SENTENCE_VECTORS=off, as a freshly
   started server had them); after: made at index time (at_index; the warm-up is timed apart).
   Asks per CPU-second of this process are asks per second per core.
2. a full room: `--users` readers each asking /ask every 5 to 10 s (the default generator) for
   `--seconds`, against `news-assistant chat` as its own process. before: vectors in memory, no
   admission; after: vectors kept, admission on. p50/p95 of answered asks, refusals and their time.

Questions: RealTime QA dev questions about the articles in the index (by URL), then the seeds'.
Writes benchmarks/results-load.json and a line in benchmarks/results-load.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, load_settings
from assistant.pipeline.engine import Engine
from assistant.pipeline.sentence_warmup import warm_sentence_vectors
from benchmarks.measure import OFFLINE_ENV, percentile
from index.embedding import MiniLMEmbedder
from index.store import IndexStore

DEV = PROJECT_ROOT.parent / "shared" / "corpora" / "rtqa_dev"
RESULTS = PROJECT_ROOT / "benchmarks" / "results-load"
THINK_S = (5.0, 10.0)  # the room: each user asks every 5 to 10 s
SEED_QUESTIONS = (
    "How many military observation posts did Turkey establish in Idlib?",
    "What did Peskov say about a ceasefire in Syria?",
    "What did Putin say about relations between Moscow and Ankara?",
    "What is the capital of Australia?",
)
PHASES = {  # name: (ASSISTANT_SENTENCE_VECTORS, ASSISTANT_ADMISSION_WAIT_S; "" = the default)
    "before": ("off", "0"),
    "after": ("at_index", ""),
}


def questions(index_dir: Path, limit: int) -> list[str]:
    """Dev questions about articles in the index (matched by URL), then the seeds' questions."""
    store = IndexStore(index_dir, MiniLMEmbedder())
    urls = {a.url for a in store.article_metas() if a.url}
    store.close()
    ids = set()
    with gzip.open(DEV / "corpus.jsonl.gz", "rt", encoding="utf-8") as records:
        for line in records:
            record = json.loads(line)
            if record.get("url") in urls:
                ids.add(record["id"])
    found = []
    with open(DEV / "questions.jsonl", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if ids & set(item.get("articles", [])):
                found.append(item["question"])
    return (found[: max(0, limit - len(SEED_QUESTIONS))] + list(SEED_QUESTIONS))[:limit]


def cost_per_ask(index_dir: Path, mode: str, asked: list[str]) -> dict[str, Any]:
    """Ask every question once in this process with one sentence-vector mode; asks per core-second."""
    settings = load_settings(index_dir=index_dir, llm="extractive", sentence_vectors=mode)
    engine = Engine(settings, IndexStore(index_dir, MiniLMEmbedder()))
    warm = {"seconds": 0.0, "cpu_s": 0.0, "embedded": 0}
    if mode == "at_index":
        wall, cpu = time.perf_counter(), time.process_time()
        warm["embedded"] = warm_sentence_vectors(engine.store, engine.sentences)
        warm.update(seconds=round(time.perf_counter() - wall, 1), cpu_s=round(time.process_time() - cpu, 1))
    engine.ask("Which outlets reported on the talks?")  # models loaded before the clock starts
    wall, cpu = time.perf_counter(), time.process_time()
    for question in asked:
        engine.ask(question)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "mode": mode,
        "asks": len(asked),
        "seconds": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "asks_per_core_s": round(len(asked) / cpu, 3),
        "warm_up": warm,
    }


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Wait until url answers (the server started), or fail when the process dies or time runs out."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


class Room:
    """What the users saw, shared between their threads."""

    def __init__(self) -> None:
        self.answered: list[float] = []
        self.refused: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()


def ask_once(client: Any, question: str, timeout: float = 120.0) -> dict[str, Any]:
    """Ask through the /ask_stream API (as the chat's readers do) and return the final answer; a
    busy refusal (HTTP 503) raises gradio_client's QueueError."""
    job = client.submit(question, "", None, "", "", 0, [], api_name="/ask_stream")
    last = job.result(timeout=timeout)  # raises what the server answered, a refusal included
    outputs = [last, *reversed(job.outputs())]
    final = next((e["answer"] for e in outputs if isinstance(e, dict) and "answer" in e), None)
    if final is None:
        raise RuntimeError(f"no final answer came back (status {job.status()})")
    return final


def reader(url: str, asked: list[str], seed: int, deadline: float, room: Room) -> None:
    """One user: ask /ask, read for 5 to 10 s, ask again until the time is up."""
    from gradio_client import Client
    from gradio_client.utils import QueueError

    rng = random.Random(seed)
    client = Client(url, verbose=False)
    time.sleep(rng.uniform(0, THINK_S[0]))  # people do not all press enter at once
    while time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            ask_once(client, rng.choice(asked))
            kind = "answered"
        except QueueError:  # 503 with Retry-After
            kind = "refused"
        except Exception as exc:
            kind = "refused" if "busy" in str(exc) else "error"
            if kind == "error":
                with room.lock:
                    room.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        took = time.perf_counter() - began
        with room.lock:
            if kind != "error":
                getattr(room, kind).append(took)
        time.sleep(rng.uniform(*THINK_S))


def full_room(index_dir: Path, phase: str, asked: list[str], users: int, seconds: float) -> dict[str, Any]:
    """Serve the index with the phase's settings and let `users` readers ask for `seconds`."""
    vectors, bound = PHASES[phase]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(OFFLINE_ENV, GRADIO_ANALYTICS_ENABLED="False", ASSISTANT_SENTENCE_VECTORS=vectors)
    if bound:
        env["ASSISTANT_ADMISSION_WAIT_S"] = bound
    port = free_port()
    command = [sys.executable, "-m", "ui", "--index-dir", str(index_dir), "chat", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_for(f"{url}config", 240, server)
            from gradio_client import Client

            ask_once(Client(url, verbose=False), asked[0])  # models loaded
            room = Room()
            deadline = time.monotonic() + seconds
            threads = [
                threading.Thread(target=reader, args=(url, asked, n, deadline, room), daemon=True)
                for n in range(users)
            ]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(seconds + 300)
            elapsed = time.monotonic() - began
        finally:
            server.terminate()
            server.wait(timeout=30)

    def q(values: list[float], p: float) -> float | None:
        found = percentile(values, p)
        return None if found is None else round(found, 2)

    return {
        "phase": phase,
        "sentence_vectors": vectors,
        "admission_wait_s": bound or "default",
        "users": users,
        "seconds": round(elapsed, 1),
        "answered": len(room.answered),
        "answers_per_minute": round(len(room.answered) * 60 / elapsed, 1),
        "answered_s": {
            "p50": q(room.answered, 50),
            "p95": q(room.answered, 95),
            "max": q(room.answered, 100),
        },
        "refused": len(room.refused),
        "refused_s": {"p95": q(room.refused, 95), "max": q(room.refused, 100)},
        "errors": len(room.errors),
        "error_samples": room.errors[:5],
    }


def main(argv: list[str] | None = None) -> int:
    """Run both parts, before and after, and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="an index to copy (never changed)")
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.update(OFFLINE_ENV)
    asked = questions(args.index_dir, args.questions)
    results: dict[str, Any] = {
        "questions": len(asked),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    with tempfile.TemporaryDirectory(prefix="load-bench-") as work:
        copies = {}
        for phase, (mode, _) in PHASES.items():
            copies[phase] = Path(work) / phase
            shutil.copytree(args.index_dir, copies[phase])
            results[f"cost_{phase}"] = cost_per_ask(copies[phase], mode, asked)
            print(json.dumps(results[f"cost_{phase}"]), flush=True)
        results["cost_ratio"] = round(
            results["cost_after"]["asks_per_core_s"] / results["cost_before"]["asks_per_core_s"], 2
        )
        for phase in PHASES:
            results[f"room_{phase}"] = full_room(copies[phase], phase, asked, args.users, args.seconds)
            print(json.dumps(results[f"room_{phase}"]), flush=True)
    RESULTS.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    with RESULTS.with_suffix(".md").open("a", encoding="utf-8") as out:
        out.write(summary(results) + "\n")
    print(summary(results))
    return 0


def summary(results: dict[str, Any]) -> str:
    """One line for people."""
    before, after = results["cost_before"], results["cost_after"]
    rooms = "; ".join(room_line(results[f"room_{phase}"]) for phase in PHASES)
    warm = after["warm_up"]
    return (
        f"- {results['when']}, {results['cpus']} cores, {results['questions']} questions: asks per "
        f"second per core {before['asks_per_core_s']} before, {after['asks_per_core_s']} after "
        f"(x{results['cost_ratio']}; index-time warm-up {warm['cpu_s']} CPU-s for {warm['embedded']} "
        f"sentences); {results['room_before']['users']} users every 5-10 s: {rooms}"
    )


def room_line(room: dict[str, Any]) -> str:
    """A phase of the room in words."""
    answered, refused = room["answered_s"], room["refused_s"]
    return (
        f"{room['phase']}: {room['answered']} answered ({room['answers_per_minute']}/min), p50 "
        f"{answered['p50']} s, p95 {answered['p95']} s, {room['refused']} refused (slowest refusal "
        f"{refused['max']} s), {room['errors']} errors"
    )


if __name__ == "__main__":
    raise SystemExit(main())
