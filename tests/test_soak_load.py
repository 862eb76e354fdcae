"""Soak: a newsroom's worth of users asks the real chat server; nobody is refused, everyone gets quotes.

The server is the real `news-assistant chat` command over a copy of the seed index with the default
generator (the bundled local model), run as its own process so that its memory can be measured.
Each user asks, reads for 5 to 20 seconds, and asks again, sometimes a follow-up of the answer
before. Answers stream from the /ask_stream API: the verified quotes first, the model's summary
after when the summary line has room, so the time to the first quote is measured as a user sees it.

`make soak` runs 25 users for two minutes, then 50; `make test` runs the short version (SOAK_SHORT=1:
25 users for one minute). The figures go to test-artifacts/ and, for `make soak`, into
benchmarks/results-soak.md. Speed is reported here, not asserted: what is asserted is what users
see (no errors, nobody turned away, quotes in every answer, memory that does not grow).
"""

from __future__ import annotations

import json
import os
import random
import shutil
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
from tests.servers import free_port, rss_mb, stop, wait_for

SHORT = os.environ.get("SOAK_SHORT") == "1"
SECONDS = 60 if SHORT else 120
THINK_S = (5.0, 20.0)  # how long a person reads an answer before asking again (issue's newsroom mix)
FOLLOW_UP_SHARE = 0.3  # about one ask in three follows up on the answer before
REQUEST_TIMEOUT_S = 120
# Flat memory: with the sampler chains of summaries freed at once the server grows 11 to 24 MB over
# two minutes, nearly all while the first users' request threads start (before: 62 to 110 MB).
MAX_GROWTH_MB = 40
ARTIFACTS = ROOT / "test-artifacts"
RESULTS = ROOT / "benchmarks" / "results-soak.md"
IDLIB = "How many military observation posts did Turkey establish in Idlib?"
# (arguments of /ask_stream, what the answer must do, a follow-up a reader might ask next)
ASKS: list[tuple[tuple[Any, ...], str, str]] = [
    ((IDLIB,), "answer", "When were they set up?"),
    (("What did Peskov say about a ceasefire in Syria?",), "answer", "What else did he say?"),
    (("What did Putin say about relations between Moscow and Ankara?",), "answer", "Who did he say it to?"),
    ((IDLIB, "", ["TASS"], "", "", 5), "only:TASS", "Which outlet reported it?"),
    (("Did Russia and the US agree to coordinate more on Syria?", "", None, "2016-01-01"), "answer", ""),
    (("What is the capital of Australia?",), "decline", ""),
]

pytestmark = [
    pytest.mark.soak,
    pytest.mark.integration,
    pytest.mark.timeout(1800),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword"),
]


def quantile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) of some values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Tally:
    """What the users saw, shared between their threads."""

    first_quote: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)
    summaries: int = 0
    skipped: int = 0
    declines: int = 0
    follow_ups: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text[:300])


@dataclass
class Ask:
    """One ask as a user saw it: when the quotes came, when the whole answer came, and the answer."""

    first_quote: float | None
    whole: float
    answer: dict[str, Any]


@pytest.fixture
def server(seed_index: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`news-assistant chat` with its default settings over a copy of the seed index."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        TOKENIZERS_PARALLELISM="false",
    )
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below, after the process
    command = [sys.executable, "-m", "ui", "--index-dir", str(index), "chat", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/config", 240, process)
        yield f"http://127.0.0.1:{port}/", process
    finally:
        stop(process)
        log.close()


def ask(client: Any, arguments: tuple[Any, ...], history: list[dict[str, str]]) -> Ask:
    """Ask through /ask_stream and time the first verified quote and the final answer."""
    padded = list(arguments) + ["", None, "", "", 0][len(arguments) - 1 :]
    began = time.perf_counter()
    job = client.submit(*padded, history, api_name="/ask_stream")
    first: float | None = None
    final: dict[str, Any] | None = None
    for event in job:
        answer = event.get("quotes") or event.get("answer")
        if answer and first is None and (answer.get("citations") or answer.get("refused")):
            first = time.perf_counter() - began
        if "answer" in event:
            final = event["answer"]
    if final is None:
        outputs = job.outputs()
        final = next((e["answer"] for e in reversed(outputs) if "answer" in e), None)
    if final is None:
        raise RuntimeError(f"no final answer came back (status {job.status()})")
    return Ask(first, time.perf_counter() - began, final)


def problem(answer: dict[str, Any], expect: str) -> str | None:
    """Why an answer misses its expectation, or None when it meets it."""
    outlets = [c["outlet"] for c in answer.get("citations", [])]
    kind, _, outlet = expect.partition(":")
    if kind == "decline":
        return None if answer["refused"] else f"answered what it should decline: {answer['text'][:120]!r}"
    if answer["refused"]:  # a follow-up or an outlet filter may leave nothing to quote
        return None if kind in ("follow", "only") else f"declined {answer['question']!r}"
    if not outlets:
        return f"no quotes for {answer['question']!r}"
    if kind == "only" and any(o != outlet for o in outlets):
        return f"cited {outlets} where only {outlet} was allowed"
    return None


def read_until(seconds: float, deadline: float) -> None:
    """A reader's pause before the next ask, cut short when the load's time is up."""
    time.sleep(max(0.0, min(seconds, deadline - time.monotonic())))


def user(number: int, url: str, start: threading.Barrier, deadline: list[float], tally: Tally) -> None:
    """One reader: ask, read for a while, ask again (sometimes a follow-up) until time is up."""
    from gradio_client import Client

    rng = random.Random(number)
    try:
        client = Client(url, verbose=False)
    except Exception as exc:
        tally.error(f"user {number} could not connect: {type(exc).__name__}: {exc}")
        start.abort()
        return
    start.wait()
    time.sleep(rng.uniform(0, THINK_S[0]))  # people do not all press enter at the same moment
    history: list[dict[str, str]] = []
    follow_up = ""
    while time.monotonic() < deadline[0]:
        if follow_up and rng.random() < FOLLOW_UP_SHARE:
            arguments, expect, next_up = (follow_up,), "follow", ""
        else:
            arguments, expect, next_up = rng.choice(ASKS)
            history = []
        try:
            result = ask(client, arguments, history)
        except Exception as exc:
            if "queue is full" in str(exc).lower() or type(exc).__name__ == "QueueError":
                with tally.lock:
                    tally.refused += 1
            else:
                tally.error(f"{type(exc).__name__}: {exc}")
            read_until(rng.uniform(*THINK_S), deadline[0])
            continue
        answer = result.answer
        why = problem(answer, expect)
        with tally.lock:
            tally.whole.append(result.whole)
            if result.first_quote is not None:
                tally.first_quote.append(result.first_quote)
            tally.declines += bool(answer["refused"])
            tally.follow_ups += expect == "follow"
            tally.summaries += bool(answer.get("prose"))
            tally.skipped += "summary was skipped" in (answer.get("note") or "")
        if why:
            tally.error(why)
        history = [
            {"role": "user", "content": str(arguments[0])},
            {"role": "assistant", "content": answer["text"]},
        ]
        follow_up = next_up
        read_until(rng.uniform(*THINK_S), deadline[0])


def run_load(url: str, process: subprocess.Popen[bytes], users: int) -> dict[str, Any]:
    """Run `users` readers against the server for SECONDS; return what they saw and server memory."""
    from gradio_client import Client

    warm = Client(url, verbose=False)
    for arguments, expect, _ in ASKS:  # every code path loaded (and right) before the baseline
        assert problem(ask(warm, arguments, []).answer, expect) is None, arguments
    at_start = rss_mb(process.pid)
    tally = Tally()
    start = threading.Barrier(users + 1)
    deadline = [float("inf")]
    threads = [
        threading.Thread(target=user, args=(n, url, start, deadline, tally), daemon=True)
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=300)
    except threading.BrokenBarrierError:
        pytest.fail(f"the users could not all connect: {tally.errors[:3]}")
    began = time.monotonic()
    deadline[0] = began + SECONDS
    memory: list[tuple[float, float]] = []
    while any(thread.is_alive() for thread in threads):
        assert process.poll() is None, "the server died under load"
        memory.append((round(time.monotonic() - began, 1), round(rss_mb(process.pid), 1)))
        time.sleep(2.0)
        assert time.monotonic() < deadline[0] + REQUEST_TIMEOUT_S + 60, "users did not stop"
    elapsed = time.monotonic() - began
    at_end = rss_mb(process.pid)

    def seconds(values: list[float], q: float) -> float | None:
        found = quantile(values, q)
        return None if found is None else round(found, 2)

    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "answers": len(tally.whole),
        "follow_ups": tally.follow_ups,
        "declines": tally.declines,
        "summaries": tally.summaries,
        "summaries_skipped": tally.skipped,
        "refused": tally.refused,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "first_quote_s": {"p50": seconds(tally.first_quote, 0.5), "p95": seconds(tally.first_quote, 0.95)},
        "whole_answer_s": {"p50": seconds(tally.whole, 0.5), "p95": seconds(tally.whole, 0.95)},
        "rss_mb": {
            "start": round(at_start),
            "peak": round(max([at_start, at_end] + [m for _, m in memory])),
            "end": round(at_end),
            "growth": round(at_end - at_start),
            "over_time": memory,
        },
    }


def report(figures: dict[str, Any]) -> str:
    """One line for people."""
    return (
        f"{figures['users']} users, {figures['seconds']:.0f} s: {figures['answers']} answers "
        f"({figures['follow_ups']} follow-ups, {figures['declines']} declines), "
        f"{figures['summaries']} with a summary, {figures['summaries_skipped']} summaries skipped, "
        f"{figures['refused']} refused, {figures['errors']} errors; first quote p50 "
        f"{figures['first_quote_s']['p50']} s, p95 {figures['first_quote_s']['p95']} s; whole answer "
        f"p50 {figures['whole_answer_s']['p50']} s, p95 {figures['whole_answer_s']['p95']} s; server RSS "
        f"{figures['rss_mb']['start']} MB at start, peak {figures['rss_mb']['peak']} MB, growth "
        f"{figures['rss_mb']['growth']:+d} MB"
    )


def write_results(figures: dict[str, Any]) -> None:
    """Keep the figures as JSON in test-artifacts/ and, for the full soak, a row in the results file."""
    ARTIFACTS.mkdir(exist_ok=True)
    name = f"soak-newsroom-{figures['users']}{'-short' if SHORT else ''}.json"
    (ARTIFACTS / name).write_text(json.dumps(figures, indent=2))
    if SHORT:
        return
    header = "# Newsroom load (make soak)\n\nOne line per run of tests/test_soak_load.py on this machine.\n\n"
    existing = RESULTS.read_text() if RESULTS.exists() else header
    stamp = time.strftime("%Y-%m-%d %H:%M")
    RESULTS.write_text(existing.rstrip("\n") + f"\n- {stamp}: {report(figures)}\n")


def check(figures: dict[str, Any]) -> None:
    """What users must see: no errors, nobody refused, an answer for every ask, flat memory."""
    assert figures["errors"] == 0, f"{figures['errors']} errors: {figures['error_samples']}"
    assert figures["refused"] == 0, f"{figures['refused']} asks were turned away"
    assert figures["answers"] >= figures["users"], "fewer answers than users came back"
    assert figures["rss_mb"]["growth"] < MAX_GROWTH_MB, f"server memory grew {figures['rss_mb']['growth']} MB"


@pytest.mark.parametrize("users", [25] if SHORT else [25, 50])
def test_a_newsroom_of_readers_all_get_verified_quotes(
    users: int, server: tuple[str, subprocess.Popen[bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, process = server
    figures = run_load(url, process, users)
    write_results(figures)
    with capsys.disabled():
        print(f"\nSOAK newsroom: {report(figures)}")
    check(figures)
