"""Soak: kill -9 the indexer at seeded random points of a 3,000-article build; nothing is ever lost.

Each build is the real command (`python -m assistant --index-dir DIR index seeds CORPUS
--no-progress`) run as a subprocess over the seeds plus the 3,000 real distractor articles. After
every kill a fresh process opens the index and checks it: no duplicates, a seed question still
answered from the last complete state, and the visible articles are exactly the previously
committed set or the new complete one. Meanwhile the Gradio app over the same index keeps
answering `/ask`. SOAK_SHORT=1 shrinks it to 3 kills over a 300-article slice (SOAK_PLAN=full
keeps all 13 kill points on the slice); SOAK_SEED changes the kill points.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPORA, ROOT, SEEDS

SHORT = os.environ.get("SOAK_SHORT") == "1"
FULL_PLAN = os.environ.get("SOAK_PLAN", "short" if SHORT else "full") == "full"
SEED = int(os.environ.get("SOAK_SEED", "20240917"))
IDLIB = "How many military observation posts did Turkey establish in Idlib?"
SEED_OUTLET = "Devdiscourse (PTI)"
SLICE = 300
RUN_LIMIT_S = 5400  # one build run may take this long at most (a full pass on a busy 2-core box)
_VARIANT = ("-short" if SHORT else "") + ("-fullplan" if SHORT and FULL_PLAN else "")
ARTIFACT = ROOT / "test-artifacts" / f"soak-crash{_VARIANT}.json"
SUMMARY = re.compile(
    r"Indexed (\d+) articles: (\d+) new, (\d+) removed, (\d+) unchanged; (\d+) chunks embedded in "
    r"[\d.]+s; (\d+) problems, (\d+) duplicates skipped\."
)

pytestmark = [
    pytest.mark.soak,
    pytest.mark.integration,
    pytest.mark.timeout(3600 if SHORT else 4 * 3600),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword"),
]

# Run in a fresh process after every kill: open the index as a restarted app would and report.
_CHECK = """
import collections, json, sys, time
started = time.perf_counter()
from assistant.api import ask, open_store
from assistant.config import load_settings
from index.lexical import LexicalIndex
from index.windows import window_count, window_id, window_of

index_dir, seeds, question = sys.argv[1], sys.argv[2], sys.argv[3]
settings = load_settings(index_dir=index_dir, corpus=[seeds], llm="extractive")
store = open_store(settings)
catalog = store.catalog
generation = catalog.generation()
articles = catalog.articles(generation, with_text=False)
ids = [a.id for a in articles]
sources = [a.source for a in articles]
rows = catalog.chunk_rows(generation)
visible_chunks = {r[0] for r in rows}
chroma_ids, metadatas = [], []
while True:  # page: one get() of every vector trips SQLite's variable limit past ~32k
    page = store.collection.get(include=["metadatas"], limit=5000, offset=len(chroma_ids))
    chroma_ids += page["ids"]
    metadatas += page["metadatas"]
    if len(page["ids"]) < 5000:
        break
spans = collections.Counter((m["article_id"], m["window"]) for m in metadatas)
stored = catalog.chunk_vectors_of(ids)
in_chroma = set(chroma_ids)
windowed = {r[0] for r in stored if r[4] is not None and window_id(r[1], window_of(r[2], r[3])) in in_chroma}
counts = catalog.chunk_counts()
all_windows = {window_id(a, w) for a, n in counts.items() for w in range(window_count(n))}
lexical_dir = catalog.meta("lexical_dir")
lexical = LexicalIndex.load(store.index_dir / lexical_dir) if lexical_dir else None
result = {
    "generation": generation,
    "visible": sorted(ids),
    "duplicate_ids": len(ids) - len(set(ids)),
    "duplicate_sources": len(sources) - len(set(sources)),
    "chroma_vectors": len(chroma_ids),
    "chroma_duplicate_ids": len(chroma_ids) - len(set(chroma_ids)),
    "chroma_duplicate_spans": sum(n - 1 for n in spans.values() if n > 1),
    "visible_chunks": len(visible_chunks),
    "visible_chunks_without_vector": len(visible_chunks - windowed),
    "orphan_vectors": len(set(chroma_ids) - all_windows),
    "bm25_matches_catalog": lexical is not None and set(lexical.chunk_ids) == visible_chunks,
}
if ids:
    answer = ask(question, llm="extractive", settings=settings)
    result["refused"] = answer.refused
    result["outlets"] = [c.outlet for c in answer.citations]
    result["answer"] = answer.text[:300]
result["seconds"] = round(time.perf_counter() - started, 1)
print("CHECK " + json.dumps(result))
"""


@dataclass
class KillPoint:
    """Where to kill a build run: a phase name, a trigger and a seeded random delay."""

    phase: str
    trigger: str  # "time": seconds after start; "stored": articles stored; "stored-all"; "bm25"
    value: float = 0.0
    delay: float = 0.0  # seconds, or a fraction of a batch interval for "stored"


@dataclass
class RunResult:
    """One build subprocess: killed (where) or finished (its exit status and summary)."""

    number: int
    point: KillPoint | None
    killed: bool
    seconds: float
    stored_at_kill: int = 0
    committed_before_kill: bool = False
    returncode: int | None = None
    summary: str = ""
    stderr_tail: str = ""
    check: dict[str, Any] = field(default_factory=dict)


class Catalog:
    """Read-only peeks at the catalog of the index being built, from the test process."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / "catalog.sqlite3"

    def _query(self, sql: str) -> int:
        if not self.path.exists():
            return 0
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            row = db.execute(sql).fetchone()
            return int(row[0]) if row and row[0] is not None else 0
        finally:
            db.close()

    def generation(self) -> int:
        return self._query("SELECT value FROM meta WHERE key='generation'")

    def stored_since_commit(self) -> int:
        """Articles written after the committed generation (the build's progress)."""
        return self._query(
            "SELECT COUNT(*) FROM articles WHERE added_gen > "
            "(SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM meta WHERE key='generation')"
        )


class AskPoller:
    """Ask the UI the seed question over and over while builds run; record every outcome."""

    def __init__(self, url: str, pause: float) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False)
        self.pause = pause
        self.building = threading.Event()
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            if not self.building.wait(timeout=0.5):
                continue
            started = time.perf_counter()
            try:
                result = self.client.submit(IDLIB, api_name="/ask").result(timeout=120)
                outlets = [c["outlet"] for c in result["citations"]]
                if result["refused"] or SEED_OUTLET not in outlets:
                    self.errors.append(f"wrong answer during a build: {result['text'][:200]!r} {outlets}")
                else:
                    self.latencies.append(time.perf_counter() - started)
            except Exception as exc:  # every failure is a finding
                self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            self.stop.wait(self.pause)

    def __enter__(self) -> AskPoller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.building.set()
        self.thread.join(timeout=180)


def _plan(rng: random.Random, short: bool) -> list[KillPoint]:
    """The seeded kill points, in build order: early, middle, late, then the commit phase."""
    if short:
        return [
            KillPoint("early", "stored", rng.uniform(0.05, 0.35), rng.random()),
            KillPoint("middle", "stored", rng.uniform(0.40, 0.85), rng.random()),
            KillPoint("commit: BM25 build", "stored-all", delay=rng.uniform(0.0, 2.0)),
        ]
    bands = [(0.01, 0.10), (0.10, 0.22), (0.22, 0.35), (0.35, 0.48), (0.48, 0.60), (0.60, 0.72)]
    bands += [(0.72, 0.84), (0.84, 0.97), (0.97, 0.999)]
    names = ["early", "early", "middle", "middle", "middle", "late", "late", "near the end", "last batch"]
    points = [KillPoint("startup", "time", rng.uniform(1.5, 12.0))]
    points += [
        KillPoint(name, "stored", rng.uniform(low, high), rng.random())
        for name, (low, high) in zip(names, bands, strict=True)
    ]
    points += [
        KillPoint("commit: BM25 build", "stored-all", delay=rng.uniform(0.0, 3.0)),
        KillPoint("commit: BM25 save/commit", "bm25", delay=rng.uniform(0.0, 0.1)),
        KillPoint("commit: commit/clean-up", "bm25", delay=rng.uniform(0.1, 1.0)),
    ]
    return points


def _corpus_argument(tmp_path: Path) -> tuple[str, int]:
    """The corpus path as given to the command (relative to the repo root), and its article count."""
    if not SHORT:
        with gzip.open(CORPORA, "rt", encoding="utf-8") as handle:
            return os.path.relpath(CORPORA, ROOT), sum(1 for line in handle if line.strip())
    sliced = tmp_path / f"distractors_{SLICE}.jsonl.gz"
    with gzip.open(CORPORA, "rt", encoding="utf-8") as source, gzip.open(sliced, "wt") as target:
        target.writelines(itertools.islice(source, SLICE))
    return str(sliced), SLICE


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    env.update(GRADIO_ANALYTICS_ENABLED="False", TOKENIZERS_PARALLELISM="false")
    return env


def _check(index_dir: Path) -> dict[str, Any]:
    """Open the index in a fresh process and report what it holds (see _CHECK)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, str(index_dir), str(SEEDS), IDLIB],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("CHECK ")), None)
    assert done.returncode == 0 and line, f"the index did not open after a kill:\n{done.stderr[-3000:]}"
    return json.loads(line[len("CHECK ") :])


class Builder:
    """Starts build runs of the real command and kills them at their kill point."""

    def __init__(self, index_dir: Path, corpus: str, logs: Path, poller: AskPoller | None) -> None:
        self.index_dir = index_dir
        self.corpus = corpus
        self.logs = logs
        self.poller = poller
        self.catalog = Catalog(index_dir)
        self.runs: list[RunResult] = []
        self.batch_intervals: list[float] = []

    def command(self, *paths: str) -> list[str]:
        return [sys.executable, "-m", "assistant", "--index-dir", str(self.index_dir), "index", *paths]

    def run(self, point: KillPoint | None, to_add: int, paths: tuple[str, ...] | None = None) -> RunResult:
        """Run one build; kill it at the point (None: let it finish)."""
        number = len(self.runs) + 1
        out, err = self.logs / f"run-{number:02d}.out", self.logs / f"run-{number:02d}.err"
        args = self.command(*(paths or ("seeds", self.corpus)), "--no-progress")
        stored0 = self.catalog.stored_since_commit()
        generation0 = self.catalog.generation()
        bm25 = self.index_dir / "bm25" / f"gen-{generation0 + 1}"
        should_kill = self._trigger(point, to_add, stored0, bm25)
        started, wall = time.monotonic(), time.time()
        last_stored, last_change, kill_at, armed_at = stored0, started, None, stored0
        with open(out, "w") as stdout, open(err, "w") as stderr:
            process = subprocess.Popen(args, cwd=ROOT, env=_environment(), stdout=stdout, stderr=stderr)
            if self.poller is not None:
                self.poller.building.set()
            try:
                while process.poll() is None:
                    now = time.monotonic()
                    assert now - started < RUN_LIMIT_S, f"build run {number} took over {RUN_LIMIT_S}s"
                    stored = self.catalog.stored_since_commit()
                    if stored != last_stored:
                        if last_stored != stored0:  # the first batch of a run includes start-up
                            self.batch_intervals.append(now - last_change)
                        last_stored, last_change = stored, now
                    if kill_at is None and point is not None:
                        delay = should_kill(now - started, stored, wall)
                        if delay is not None:
                            kill_at, armed_at = now + delay, stored
                    # a kill inside a batch lands before the next batch is stored, never after the end
                    advanced = point is not None and point.trigger == "stored" and stored > armed_at
                    if kill_at is not None and (now >= kill_at or advanced):
                        os.kill(process.pid, signal.SIGKILL)
                        process.wait()
                        result = RunResult(number, point, True, now - started, stored)
                        result.committed_before_kill = self.catalog.generation() > generation0
                        self.runs.append(result)
                        return result
                    time.sleep(0.05 if point is not None and point.trigger != "stored" else 0.2)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                if self.poller is not None:
                    self.poller.building.clear()
        printed = out.read_text()
        summaries = [line for line in printed.splitlines() if line.startswith("Indexed ")]
        result = RunResult(
            number,
            point,
            False,
            time.monotonic() - started,
            returncode=process.returncode,
            summary=summaries[-1] if summaries else printed[-500:],
            stderr_tail=err.read_text()[-3000:],
        )
        self.runs.append(result)
        return result

    def _trigger(
        self, point: KillPoint | None, to_add: int, stored0: int, bm25: Path
    ) -> Callable[[float, int, float], float | None]:
        """A function of (seconds since start, articles stored, start wall time): kill delay or None."""

        def interval() -> float:
            return statistics.median(self.batch_intervals) if self.batch_intervals else 10.0

        def never(elapsed: float, stored: int, wall: float) -> float | None:
            return None

        if point is None:
            return never
        if point.trigger == "time":
            return lambda elapsed, stored, wall: 0.0 if elapsed >= point.value else None
        if point.trigger == "stored" and stored0 < to_add:
            target = max(int(point.value * to_add), stored0 + 1)
            return lambda elapsed, stored, wall: (
                None if stored < target else point.delay * (interval() if stored < to_add else 1.0)
            )
        if point.trigger == "stored":  # nothing left to store: this run goes straight to the commit
            return lambda elapsed, stored, wall: point.delay * 0.1 if _written(bm25, wall) else None
        if point.trigger == "stored-all":
            if stored0 >= to_add:  # all stored by an earlier run: this one only commits
                return lambda elapsed, stored, wall: point.delay * 0.1 if _written(bm25, wall) else None
            return lambda elapsed, stored, wall: point.delay if stored >= to_add else None
        return lambda elapsed, stored, wall: point.delay if _written(bm25, wall) else None


def _written(directory: Path, since: float) -> bool:
    """True when a file under the directory was written after a wall-clock time."""
    try:
        return any(p.stat().st_mtime >= since for p in directory.rglob("*"))
    except OSError:
        return False


def _expected_count(corpus: str) -> int:
    """How many articles a complete build must show (duplicates and unreadable records left out)."""
    from index.loaders import load_paths

    return len(load_paths([ROOT / "seeds", (ROOT / corpus).resolve()], root=ROOT).articles)


@pytest.fixture
def poller_app(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """Serve the Gradio app over an index directory on loopback (started on demand)."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def start(index_dir: Path) -> str:
            from assistant import load_settings
            from tests.browser import running
            from ui.app import build_app

            settings = load_settings(index_dir=index_dir, corpus=[SEEDS], llm="extractive")
            return stack.enter_context(running(build_app(settings)))

        yield start


def _save_progress(survived: list[RunResult], to_add: int) -> None:
    """Write the kills so far (the final figures replace this file when the test ends)."""
    ARTIFACT.parent.mkdir(exist_ok=True)
    kills = [
        {"phase": r.point.phase if r.point else "", "run": r.number, "landed": _landed(r, to_add)}
        for r in survived
    ]
    ARTIFACT.write_text(json.dumps({"in_progress": True, "kills": kills}, indent=2))


def _landed(run: RunResult, to_add: int) -> str:
    """Where a kill landed: start-up, inside batch n, or the commit phase."""
    from index.build import ARTICLES_PER_BATCH

    if run.point is not None and run.point.trigger == "time":
        return f"{run.seconds:.1f}s after start"
    if run.committed_before_kill:
        return "after the commit (clean-up)"
    if run.stored_at_kill >= to_add:
        return "commit phase"
    return f"batch {run.stored_at_kill // ARTICLES_PER_BATCH + 1} of {-(-to_add // ARTICLES_PER_BATCH)}"


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def test_killed_builds_never_lose_or_duplicate_anything(
    tmp_path: Path, poller_app: Callable[[Path], str], capsys: pytest.CaptureFixture[str]
) -> None:
    if not CORPORA.exists():
        pytest.skip(f"{CORPORA} is missing: the soak needs the shared 3,000-article corpus")
    began = time.monotonic()
    rng = random.Random(SEED)
    corpus, lines = _corpus_argument(tmp_path)
    index_dir, logs = tmp_path / "index", tmp_path / "logs"
    logs.mkdir()

    # 1. The previous complete state: the seeds alone, committed.
    first = Builder(index_dir, corpus, logs, None).run(None, 0, paths=("seeds",))
    assert first.returncode == 0, first.stderr_tail
    baseline = _check(index_dir)
    seed_ids = set(baseline["visible"])
    assert len(seed_ids) == 5 and SEED_OUTLET in baseline["outlets"]
    expected = _expected_count(corpus)  # the complete set itself is known once the build ends
    to_add = expected - len(seed_ids)

    # 2. Kill the build at every point; check the index after each kill, with the UI answering.
    points = _plan(rng, short=not FULL_PLAN)
    url = poller_app(index_dir)
    with AskPoller(url, pause=1.0 if SHORT else 2.0) as poller:
        builder = Builder(index_dir, corpus, logs, poller)
        builder.runs = [first]
        survived, completed_early = [], []
        for point in points:
            run = builder.run(point, to_add)
            if not run.killed:  # the run finished before its kill point: nothing left to kill
                assert run.returncode == 0, run.stderr_tail
                completed_early.append(point.phase)
                continue
            run.check = check = _check(index_dir)
            visible = set(check["visible"])
            where = f"after the {point.phase} kill (run {run.number}, {run.stored_at_kill} stored)"
            check["state"] = "previous" if visible == seed_ids else "new"
            if check["state"] == "new":  # compared with the complete set below, once it is known
                assert check["generation"] > baseline["generation"] and seed_ids <= visible, where
                assert len(visible) == expected, f"{where}: {len(visible)} visible articles, a half state"
            assert check["duplicate_ids"] == check["duplicate_sources"] == 0, where
            assert check["chroma_duplicate_ids"] == check["chroma_duplicate_spans"] == 0, where
            assert check["visible_chunks_without_vector"] == 0, where
            assert check["bm25_matches_catalog"], f"{where}: the BM25 index does not match the catalog"
            assert not check["refused"] and SEED_OUTLET in check["outlets"], f"{where}: {check}"
            survived.append(run)
            _save_progress(survived, to_add)

        # 3. The next run completes the build; a further one embeds nothing.
        final = builder.run(None, to_add)
        assert final.returncode == 0, final.stderr_tail
        rerun = builder.run(None, to_add)
        assert rerun.returncode == 0, rerun.stderr_tail
    done = _check(index_dir)
    summary = SUMMARY.search(final.summary)
    again = SUMMARY.search(rerun.summary)
    assert summary and again, (final.summary, rerun.summary)
    found, added, duplicates = int(summary.group(1)), int(summary.group(2)), int(summary.group(7))
    complete = set(done["visible"])
    assert seed_ids <= complete
    assert len(complete) == 5 + lines - duplicates - int(summary.group(6)) == found == expected
    for run in survived:  # every state seen after a kill: the previous one or the complete one
        assert set(run.check["visible"]) in (seed_ids, complete), f"half state after run {run.number}"
    assert int(again.group(2)) == 0 and int(again.group(5)) == 0, rerun.summary
    assert done["duplicate_ids"] == done["chroma_duplicate_ids"] == done["chroma_duplicate_spans"] == 0
    assert done["visible_chunks_without_vector"] == 0 and done["bm25_matches_catalog"]
    assert done["orphan_vectors"] == 0, "vectors of killed batches were left behind"
    assert not done["refused"] and SEED_OUTLET in done["outlets"]
    assert not poller.errors, f"the UI failed during a rebuild: {poller.errors[:5]}"
    assert len(poller.latencies) >= 3, "the UI was hardly asked during the builds"
    # a 300-article slice has 10 batches and a commit of a second: some of 13 points find nothing to kill
    assert len(survived) >= (10 if FULL_PLAN and not SHORT else 3), f"only {len(survived)} kills landed"

    # 4. The figures.
    minutes = (time.monotonic() - began) / 60
    figures = {
        "mode": f"{'300-article slice' if SHORT else '3,000 articles'}, {len(points)} kill points",
        "seed": SEED,
        "kills_survived": len(survived),
        "kills": [
            {
                "phase": r.point.phase if r.point else "",
                "run": r.number,
                "after_s": round(r.seconds, 1),
                "stored_of": f"{r.stored_at_kill}/{to_add}",
                "landed": _landed(r, to_add),
                "state_after": r.check["state"],
                "check_s": r.check["seconds"],
            }
            for r in survived
        ],
        "runs_finished_before_their_kill_point": completed_early,
        "duplicates_found": sum(
            r.check["duplicate_ids"] + r.check["chroma_duplicate_ids"] + r.check["chroma_duplicate_spans"]
            for r in survived
        ),
        "loader_duplicates_reported": duplicates,
        "problems_reported": int(summary.group(6)),
        "visible_at_end": len(done["visible"]),
        "expected_visible": f"{5 + lines} - {duplicates} duplicates - {summary.group(6)} problems",
        "articles_embedded_by_completing_run": added,
        "chunks_at_end": done["visible_chunks"],
        "rerun": rerun.summary,
        "median_batch_interval_s": round(statistics.median(builder.batch_intervals or [0.0]), 1),
        "build_run_seconds": [round(r.seconds, 1) for r in builder.runs],
        "ui_answers_during_builds": len(poller.latencies),
        "ui_errors": len(poller.errors),
        "ui_p95_latency_s": round(_p95(poller.latencies), 2),
        "minutes": round(minutes, 1),
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print(
            f"\nSOAK crash [{figures['mode']}, seed {SEED}]: {len(survived)} kill -9s survived "
            f"({'; '.join(k['phase'] + ': ' + k['landed'] for k in figures['kills'])}); duplicates found: "
            f"{figures['duplicates_found']}; loader duplicates reported: {duplicates}; visible at end "
            f"{len(done['visible'])} = {figures['expected_visible']}; completing run embedded {added} "
            f"articles, the next one 0; UI answered {len(poller.latencies)} /ask during builds, 0 errors, "
            f"p95 {figures['ui_p95_latency_s']}s; {minutes:.1f} min. Details: {ARTIFACT}"
        )
