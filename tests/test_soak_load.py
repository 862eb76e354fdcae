"""Soak: 25 concurrent users ask the real chat server for two minutes; only 'queue full' may fail.

The server is the real `news-assistant chat` command over a copy of the seed index (extractive
generator, two answers at a time, a queue of ten), run as its own process so that its memory can
be measured. SOAK_SHORT=1 shortens the load to 20 seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.servers import free_port, wait_for

SHORT = os.environ.get("SOAK_SHORT") == "1"
USERS = 25
SECONDS = 20 if SHORT else 120
MAX_REQUESTS_PER_USER = 400
REQUEST_TIMEOUT_S = 120
CONCURRENCY, MAX_QUEUE = 2, 10
MAX_GROWTH_MB = 200
ARTIFACT = ROOT / "test-artifacts" / ("soak-load-short.json" if SHORT else "soak-load.json")
IDLIB = "How many military observation posts did Turkey establish in Idlib?"
# (arguments of /ask, what every answer must do: "cites:OUTLET", "only:OUTLET", "answer", "decline")
ASKS: list[tuple[tuple[Any, ...], str]] = [
    ((IDLIB,), "cites:Devdiscourse (PTI)"),
    (("What did Peskov say about a ceasefire in Syria?",), "cites:TASS"),
    (("What did Putin say about relations between Moscow and Ankara?",), "cites:Press TV"),
    ((IDLIB, "extractive", ["TASS"], "", "", 5), "only:TASS"),
    (
        ("Did Russia and the US agree to coordinate more on Syria?", "extractive", None, "2016-01-01"),
        "answer",
    ),
    (("What is the capital of Australia?",), "decline"),
]

pytestmark = [
    pytest.mark.soak,
    pytest.mark.integration,
    pytest.mark.timeout(1800),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword"),
]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


@dataclass
class Tally:
    """What the users saw, shared between their threads."""

    latencies: list[float] = field(default_factory=list)
    queue_full: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency: float | None = None, queue_full: bool = False, error: str | None = None) -> None:
        with self.lock:
            if error is not None:
                self.errors.append(error[:300])
            elif queue_full:
                self.queue_full += 1
            elif latency is not None:
                self.latencies.append(latency)


@pytest.fixture
def server(seed_index: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`news-assistant chat` over a copy of the seed index, on a free loopback port."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    port = free_port()
    env = dict(os.environ)
    env.update(
        ASSISTANT_LLM="extractive",
        ASSISTANT_UI_CONCURRENCY=str(CONCURRENCY),
        ASSISTANT_UI_MAX_QUEUE=str(MAX_QUEUE),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        TOKENIZERS_PARALLELISM="false",
    )
    for name in ("ASSISTANT_UI_USERNAME", "ASSISTANT_UI_PASSWORD"):
        env.pop(name, None)
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below, after the process
    command = [sys.executable, "-m", "ui", "--index-dir", str(index), "chat", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/config", 240, process)
        yield f"http://127.0.0.1:{port}/", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _check(result: dict[str, Any], expect: str) -> str | None:
    """Why an answer misses its expectation, or None when it meets it."""
    from assistant import Answer

    answer = Answer.model_validate(result)
    outlets = [c.outlet for c in answer.citations]
    kind, _, outlet = expect.partition(":")
    if kind == "decline":
        return None if answer.refused else f"answered what it should decline: {answer.text[:120]!r}"
    if answer.refused and kind != "only":
        return f"declined {answer.question!r}"
    if kind == "cites" and outlet not in outlets:
        return f"cited {outlets}, not {outlet}, for {answer.question!r}"
    if kind == "only" and any(o != outlet for o in outlets):
        return f"cited {outlets} where only {outlet} was allowed"
    return None


def _user(number: int, url: str, start: threading.Barrier, deadline: list[float], tally: Tally) -> None:
    """One chat user: ask, read the answer, ask again, until time is up (or the request cap)."""
    from gradio_client import Client
    from gradio_client.utils import QueueError

    try:
        client = Client(url, verbose=False)
    except Exception as exc:
        tally.add(error=f"user {number} could not connect: {type(exc).__name__}: {exc}")
        start.abort()
        return
    start.wait()
    for turn in range(MAX_REQUESTS_PER_USER):
        if time.monotonic() >= deadline[0]:
            return
        arguments, expect = ASKS[(number + turn) % len(ASKS)]
        began = time.perf_counter()
        try:
            result = client.submit(*arguments, api_name="/ask").result(timeout=REQUEST_TIMEOUT_S)
        except QueueError:
            tally.add(queue_full=True)
            time.sleep(0.2 + (number % 5) * 0.1)  # a person retries after a moment
            continue
        except Exception as exc:
            if "queue is full" in str(exc).lower():
                tally.add(queue_full=True)
                time.sleep(0.2 + (number % 5) * 0.1)
                continue
            tally.add(error=f"{type(exc).__name__}: {exc}")
            continue
        problem = _check(result, expect)
        tally.add(latency=time.perf_counter() - began, error=problem)


def test_25_users_for_two_minutes(
    server: tuple[str, subprocess.Popen[bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    from gradio_client import Client

    url, process = server
    at_ready = rss_mb(process.pid)
    warm = Client(url, verbose=False)
    for arguments, expect in ASKS:  # every code path loaded (and right) before the baseline
        assert _check(warm.predict(*arguments, api_name="/ask"), expect) is None, arguments
    at_start = rss_mb(process.pid)

    tally = Tally()
    start = threading.Barrier(USERS + 1)
    deadline = [float("inf")]
    users = [
        threading.Thread(target=_user, args=(n, url, start, deadline, tally), daemon=True)
        for n in range(USERS)
    ]
    for thread in users:
        thread.start()
    try:
        start.wait(timeout=300)
    except threading.BrokenBarrierError:
        pytest.fail(f"the users could not all connect: {tally.errors[:3]}")
    began = time.monotonic()
    deadline[0] = began + SECONDS
    peak = at_start
    while any(thread.is_alive() for thread in users):
        assert process.poll() is None, "the server died under load"
        peak = max(peak, rss_mb(process.pid))
        time.sleep(1.0)
        assert time.monotonic() < deadline[0] + REQUEST_TIMEOUT_S + 60, "users did not stop"
    elapsed = time.monotonic() - began
    time.sleep(3)
    after = Client(url, verbose=False).predict(IDLIB, api_name="/ask")  # still answering
    assert _check(after, ASKS[0][1]) is None
    at_end = rss_mb(process.pid)

    latencies = sorted(tally.latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else float("nan")
    figures = {
        "users": USERS,
        "seconds": round(elapsed, 1),
        "concurrency": CONCURRENCY,
        "max_queue": MAX_QUEUE,
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / elapsed, 2),
        "queue_full": tally.queue_full,
        "errors": len(tally.errors),
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_s": round(p95, 2),
        "max_s": round(latencies[-1], 2) if latencies else None,
        "rss_mb": {
            "ready": round(at_ready),
            "start": round(at_start),
            "peak": round(peak),
            "end": round(at_end),
            "growth": round(at_end - at_start),
        },
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print(
            f"\nSOAK load [{USERS} users, {elapsed:.0f}s, concurrency {CONCURRENCY}, queue {MAX_QUEUE}]: "
            f"{len(latencies)} answers ({figures['answers_per_s']}/s), {tally.queue_full} 'queue full', "
            f"{len(tally.errors)} other errors; latency p50 {figures['p50_s']}s, p95 {figures['p95_s']}s, "
            f"max {figures['max_s']}s; server RSS {at_start:.0f} MB at start (after warm-up; "
            f"{at_ready:.0f} MB when ready), peak {peak:.0f} MB, {at_end:.0f} MB at end "
            f"(growth {at_end - at_start:+.0f} MB). Details: {ARTIFACT}"
        )
    assert not tally.errors, f"{len(tally.errors)} errors other than 'queue full': {tally.errors[:5]}"
    assert len(latencies) >= USERS, "too few answers came back"
    assert at_end - at_start < MAX_GROWTH_MB, f"server memory grew {at_end - at_start:.0f} MB"
