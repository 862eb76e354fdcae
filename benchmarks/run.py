"""`python -m benchmarks.run --quick | --full`: run the benchmarks, write benchmarks/results.*.

--quick (make bench, CI): the seeds, the LlamaIndex baseline, a 300-article slice of the real
corpus and a few gold questions. --full (make bench-full): every gold question, and the real 3,000
articles plus synthetic corpora of 30,000 and 100,000. Results are rewritten after every phase, so
an interrupted run still leaves its numbers.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT
from benchmarks.measure import cold_runs, load_average, machine_info, now_iso, run_child
from benchmarks.report import write_reports
from benchmarks.synthetic import REAL_CORPUS, build_corpus

SEEDS = PROJECT_ROOT / "seeds"
QUESTIONS_FILE = PROJECT_ROOT / "eval_questions.yaml"
OUT_DIR = PROJECT_ROOT / "benchmarks"
COLD_QUESTION = "What did the Kremlin say Russia and the US were prepared to do in Syria?"
DEFAULT_CHUNKS_PER_ARTICLE = 17.0  # measured on the real distractors; replaced by each real build
HOUR = 3600
# the quick comparison's categories, in order: a must-decline question comes early
QUICK_CATEGORIES = ("fact", "who-said-what", "not-in-articles", "number", "cross-outlet", "follow-up")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options; --quick is the default mode."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="CI smoke run: a few minutes (default)")
    mode.add_argument("--full", action="store_true", help="every question and corpus size; hours")
    parser.add_argument("--sizes", help="corpus sizes to index, e.g. 3000,30000,100000 (run even if slow)")
    parser.add_argument("--questions", type=int, help="gold questions in the baseline comparison")
    parser.add_argument(
        "--max-index-minutes",
        type=float,
        default=60.0,
        help="a size predicted to take longer to embed with MiniLM uses --over-limit",
    )
    parser.add_argument(
        "--over-limit",
        choices=["proxy", "skip", "minilm"],
        default="proxy",
        help="for such sizes: proxy hashed vectors (latency and memory still real), "
        "skip them, or embed with MiniLM anyway",
    )
    parser.add_argument(
        "--baseline-budget",
        type=float,
        help="stop timing baseline questions after this many seconds, once 3 are done (0: all)",
    )
    parser.add_argument("--local-budget", type=float, help="the same for our generators (0: all)")
    parser.add_argument("--cold-repeats", type=int, help="new processes per cold-start figure")
    parser.add_argument("--top-k", type=int, default=3, help="the baseline's similarity_top_k")
    parser.add_argument("--skip-baseline", action="store_true", help="leave out the LlamaIndex pipeline")
    parser.add_argument("--skip-local", action="store_true", help="leave out the local LLM generator")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where results.md/json/png go")
    parser.add_argument("--workdir", type=Path, help="scratch folder for corpora and indexes (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--note", help="with --redo: a remark to add to the top of results.md")
    parser.add_argument(
        "--redo",
        help="measure one part again into the existing results (needs the --workdir of that run): "
        "cold-start, cold-breakdown, ours, thread-probe, query-N (queries over the kept N-article index) "
        "or size-N (write, index from scratch and query the N-article corpus, adding or replacing its row)",
    )
    args = parser.parse_args(argv)
    args.mode = "full" if args.full else "quick"
    quick = args.mode == "quick"
    args.size_list = _sizes(args.sizes) if args.sizes else ([300] if quick else [3000, 30_000, 100_000])
    args.questions = args.questions or (6 if quick else 0)
    args.scale_questions = 24 if quick else 0
    args.baseline_budget = args.baseline_budget if args.baseline_budget is not None else (150 if quick else 0)
    args.local_budget = args.local_budget if args.local_budget is not None else (120 if quick else 0)
    args.cold_repeats = args.cold_repeats or (2 if quick else 5)
    return args


def _sizes(text: str) -> list[int]:
    """Parse '3000,30000' into sorted positive ints."""
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"--sizes {text!r}: use comma-separated article counts, e.g. 3000,30000") from None
    if not sizes or sizes[0] < 1:
        raise SystemExit("--sizes needs positive article counts")
    return sizes


def stratified(questions: list[Any], count: int, first: tuple[str, ...] = ()) -> list[Any]:
    """Up to count questions, one category after another: those in `first`, then file order (0: all)."""
    if not count or count >= len(questions):
        return list(questions)
    by_category: dict[str, list[Any]] = {name: [] for name in first}
    for question in questions:
        by_category.setdefault(question.category, []).append(question)
    chosen: list[Any] = []
    while len(chosen) < count:
        for members in by_category.values():
            if members and len(chosen) < count:
                chosen.append(members.pop(0))
    return chosen


class Bench:
    """One benchmark run: its plan, its scratch folder and the results written as it goes."""

    def __init__(self, args: argparse.Namespace, command: str) -> None:
        from assistant.evaluation.questions import load_questions

        self.args = args
        self.gold = load_questions(QUESTIONS_FILE)
        self.compare = stratified(self.gold, args.questions, QUICK_CATEGORIES)
        self.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="news-bench-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.started = time.perf_counter()
        self.results: dict[str, Any] = {
            "meta": {
                "mode": args.mode,
                "command": command,
                "started": now_iso(),
                "machine": machine_info(),
                "load_average_start": load_average(),
                "commit": _commit(),
                "notes": [],
            },
            "comparison": {"question_ids": [q.id for q in self.compare], "ours": {}},
            "cold_start": {},
            "scale": [],
            "predictions": [],
            "phases": [],
            "errors": [],
        }
        self.real_rate: float | None = None  # MiniLM chunks/s of the largest real build
        self.chunks_per_article = DEFAULT_CHUNKS_PER_ARTICLE

    # -- bookkeeping ---------------------------------------------------------------------------
    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase, note the load average around it, record its error, write the results."""
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        entry: dict[str, Any] = {"phase": name, "load_before": load_average()}
        began = time.perf_counter()
        try:
            yield
        except Exception as exc:  # one failed phase must not lose the others' numbers
            self.results["errors"].append(f"{name}: {exc}")
            print(f"[bench] {name} failed: {str(exc)[-600:]}", file=sys.stderr)
        finally:
            entry["seconds"] = round(time.perf_counter() - began, 1)
            entry["load_after"] = load_average()
            entry["ended"] = now_iso()
            self.results["phases"].append(entry)
            print(f"[bench] {name}: {entry['seconds']} s, load {entry['load_after']}", file=sys.stderr)
            self.write()

    def write(self, final: bool = False) -> None:
        """Rewrite results.json, results.md and the plot with what is known so far."""
        meta = self.results["meta"]
        meta["duration_s"] = round(time.perf_counter() - self.started, 1)
        meta["load_average_end"] = load_average()
        meta["finished"] = now_iso() if final else None
        write_reports(self.results, self.args.out)

    def note(self, text: str) -> None:
        """A remark shown at the top of results.md."""
        if text not in self.results["meta"]["notes"]:
            self.results["meta"]["notes"].append(text)

    # -- phases --------------------------------------------------------------------------------
    def run(self) -> None:
        """Every phase of the plan, in order."""
        with self.phase("thread probe (llama.cpp, MiniLM)"):
            self.thread_probe()
        seeds_index = self.workdir / "index-seeds"
        self.scale_size(0, [SEEDS], seeds_index, "minilm", keep_index=True)
        if not (seeds_index / "catalog.sqlite3").exists():
            self.results["errors"].append("the seeds index was not built; later phases skipped")
            return
        with self.phase("cold start"):
            self.cold_start(seeds_index)
        with self.phase("ours on the gold questions"):
            self.ours(seeds_index)
        if not self.args.skip_baseline:
            with self.phase("LlamaIndex baseline on the gold questions"):
                self.results["comparison"]["baseline"] = run_child(
                    "baseline",
                    {
                        "paths": [str(SEEDS)],
                        "question_ids": [q.id for q in self.compare],
                        "top_k": self.args.top_k,
                        "budget_s": self.args.baseline_budget,
                    },
                    timeout=4 * HOUR,
                )
        for size in self.args.size_list:
            self.sized_corpus(size)

    def thread_probe(self) -> None:
        """llama.cpp and MiniLM speed at 1 and 2 threads."""
        self.results["thread_probe"] = run_child("thread_probe", {"threads": [1, 2]}, timeout=900)

    def cold_start(self, index_dir: Path) -> None:
        """`news-assistant ask` in new processes, per generator, and where the first one spends time."""
        script = Path(sys.executable).with_name("news-assistant")
        base = [str(script)] if script.exists() else [sys.executable, "-m", "assistant"]
        generators = ["extractive"] + ([] if self.args.skip_local else ["local"])
        for name in generators:
            command = [*base, "--index-dir", str(index_dir), "ask", COLD_QUESTION, "--llm", name]
            repeats = self.args.cold_repeats if name == "extractive" else max(1, self.args.cold_repeats - 1)
            result = cold_runs(command, repeats)
            shown = shlex.join(["news-assistant", *command[len(base) :]])
            result["command"] = shown.replace(str(self.workdir), "SCRATCH")
            self.results["cold_start"][name] = result
        self.cold_breakdown(index_dir)

    def cold_breakdown(self, index_dir: Path) -> None:
        """Where one new process spends a cold ask's time, step by step."""
        self.results.setdefault("cold_start", {})["breakdown"] = run_child(
            "cold_breakdown", {"index_dir": str(index_dir), "question": COLD_QUESTION}, timeout=600
        )

    def ours(self, index_dir: Path) -> None:
        """Our eval per generator over the comparison questions, with the stage breakdown."""
        generators = ["extractive"] + ([] if self.args.skip_local else ["local"])
        out = run_child(
            "ours",
            {
                "index_dir": str(index_dir),
                "question_ids": [q.id for q in self.compare],
                "generators": generators,
                "budget_s": self.args.local_budget,
                "cprofile": True,
            },
            timeout=4 * HOUR,
        )
        for name, data in out["generators"].items():
            data["peak_rss_mb"] = out["peak_rss_mb"]
            self.results["comparison"]["ours"][name] = data
        self.results["comparison"]["cprofile_extractive"] = out.get("cprofile_extractive")

    def sized_corpus(self, size: int) -> None:
        """Index the seeds plus `size` articles (real, then synthetic), then query that index."""
        embedder, minutes = self.plan_embedder(size)
        if embedder is None:
            self.results["scale"].append(
                {
                    "size": size,
                    "articles": size + 5,
                    "note": f"skipped: MiniLM indexing predicted at {minutes:,.0f} min, over "
                    f"--max-index-minutes {self.args.max_index_minutes:g}",
                }
            )
            self.write()
            return
        folder = self.workdir / f"corpus-{size}"
        files: list[Path] = []
        with self.phase(f"write the {size:,}-article corpus"):
            files = build_corpus(size, folder, REAL_CORPUS)
        if not files:  # the phase recorded why (the real corpus missing, say): nothing to index
            return
        self.scale_size(size, [SEEDS, *files], self.workdir / f"index-{size}", embedder, minutes=minutes)
        if not self.args.keep and not self.args.workdir:
            shutil.rmtree(folder, ignore_errors=True)

    def plan_embedder(self, size: int) -> tuple[str | None, float | None]:
        """MiniLM, or what --over-limit says when MiniLM is predicted to take too long."""
        minutes = self.predict_minutes(size)
        if minutes is None or minutes <= self.args.max_index_minutes or self.args.over_limit == "minilm":
            return "minilm", minutes
        if self.args.over_limit == "skip":
            return None, minutes
        self.note(
            f"The {size:,}-article index used proxy hashed vectors instead of MiniLM (MiniLM predicted "
            f"at {minutes:,.0f} min > --max-index-minutes {self.args.max_index_minutes:g}); its "
            "retrieval latency and memory include MiniLM query embedding, its indexing speed does "
            "not. Use --over-limit minilm to embed it for real."
        )
        return "proxy", minutes

    def predict_minutes(self, size: int) -> float | None:
        """Predicted MiniLM indexing minutes for the seeds plus size articles."""
        if not self.real_rate:
            return None
        return (size * self.chunks_per_article) / self.real_rate / 60

    def scale_size(
        self,
        size: int,
        paths: list[Path],
        index_dir: Path,
        embedder: str,
        keep_index: bool = False,
        minutes: float | None = None,
    ) -> None:
        """Build (and re-index) in one process, query in another; record the row."""
        label = "seeds" if size == 0 else f"{size:,} articles"
        row: dict[str, Any] = {"size": size, "articles": size + 5, "predicted_minilm_minutes": minutes}
        self.results["scale"].append(row)
        timeout = max(1800.0, 4 * 60 * minutes) if embedder == "minilm" and minutes else 8 * HOUR
        with self.phase(f"index {label} ({embedder})"):
            row["build"] = run_child(
                "build",
                {"index_dir": str(index_dir), "paths": [str(p) for p in paths], "embedder": embedder},
                timeout=timeout,
            )
            row["articles"] = row["build"]["found"]
            self.learn_rate(row["build"], size)
        if row.get("build"):
            with self.phase(f"query {label}"):
                row["query"] = self.query(index_dir, embedder)
        if not keep_index and not self.args.keep and not self.args.workdir:
            shutil.rmtree(index_dir, ignore_errors=True)

    def query(self, index_dir: Path, embedder: str) -> dict[str, Any]:
        """Retrieval and ask() latency and memory over a built index, in a new process."""
        questions = [q.question for q in stratified(self.gold, self.args.scale_questions)]
        params = {
            "index_dir": str(index_dir),
            "questions": questions,
            "embedder": embedder,
            "rounds": 1 if self.args.mode == "quick" else 2,
        }
        return run_child("query", params, timeout=2 * HOUR)

    def learn_rate(self, build: dict[str, Any], size: int) -> None:
        """Remember MiniLM's indexing throughput and chunks per article; update the predictions."""
        if build.get("embedder") != "minilm" or not build.get("chunks_per_s"):
            return
        if size > 0:
            self.real_rate = build["chunks_per_s"]
        elif self.real_rate is None:
            self.real_rate = build.get("embed_chunks_per_s") or build["chunks_per_s"]
        if size > 0 and build.get("added"):
            self.chunks_per_article = build["chunks"] / build["added"]
        self.results["predictions"] = [
            {
                "articles": n,
                "minutes": round(self.predict_minutes(n) or 0, 1),
                "chunks_per_s": self.real_rate,
                "chunks_per_article": round(self.chunks_per_article, 1),
            }
            for n in sorted({3000, 30_000, 100_000, *self.args.size_list})
        ]

    def _contention_note(self) -> None:
        """Warn in the results when other processes competed for the cores during the run."""
        cores = self.results["meta"]["machine"].get("cores") or 1
        seen = [self.results["meta"].get("load_average_start")]
        seen += [p.get("load_after") for p in self.results["phases"]]
        peak = max((load[0] for load in seen if load), default=0.0)
        if peak > 0.5 * cores:
            self.note(
                f"The machine was busy during this run (1-minute load average up to {peak:.2f} on {cores} "
                "cores, see Phases): other processes competed for the CPU, so latencies are pessimistic, "
                "llama.cpp and torch with 2 threads most of all (see the thread probe). Compare runs "
                "made on a quiet machine."
            )

    def close(self) -> None:
        """Write the final results and remove the scratch folder unless asked to keep it."""
        try:
            self._contention_note()
            self.write(final=True)
        finally:
            if not self.args.keep and not self.args.workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)


def _commit() -> str | None:
    """The checked-out commit (read-only), plus '+changes' when the tree (results aside) differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!benchmarks/results.*"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{' +uncommitted changes' if dirty else ''}" if head else None


def redo(args: argparse.Namespace) -> int:
    """Measure one part again over the kept indexes of a run and rewrite its reports."""
    import json

    kind, _, number = args.redo.partition("-")
    size = int(number) if kind in ("query", "size") and number.isdigit() else 0
    parts = ("cold-start", "cold-breakdown", "ours", "thread-probe")
    if args.redo not in parts and not size:
        raise SystemExit(f"--redo {args.redo!r}: use {', '.join(parts)}, query-N or size-N")
    if not args.workdir:
        raise SystemExit("--redo needs --workdir: the scratch folder of the run it adds to")
    index_dir = args.workdir / (f"index-{size}" if kind == "query" else "index-seeds")
    if kind != "size" and not (index_dir / "catalog.sqlite3").exists():
        raise SystemExit(f"--redo needs --workdir of a run that kept this index ({index_dir} not found)")
    results = json.loads((args.out / "results.json").read_text())
    mode = "--quick" if results["meta"]["mode"] == "quick" else "--full"
    bench = Bench(
        parse_args([mode, "--workdir", str(args.workdir), "--out", str(args.out), *_limits(args)]), ""
    )
    for key in ("phases", "errors", "scale"):
        results.setdefault(key, [])
    bench.results = results
    if kind == "size":
        _redo_size(bench, size)
    elif kind == "query":
        row = next(r for r in results["scale"] if r["size"] == size)
        row["query"] = bench.query(index_dir, row["build"]["embedder"])
    elif args.redo == "cold-start":
        bench.cold_start(index_dir)
    elif args.redo == "thread-probe":
        bench.thread_probe()
    elif args.redo == "cold-breakdown":
        bench.cold_breakdown(index_dir)
    else:
        bench.ours(index_dir)
    _note_redo(results, args)
    write_reports(results, args.out)
    print(f"Results: {args.out / 'results.md'}")
    return 1 if results["errors"] else 0


def _limits(args: argparse.Namespace) -> list[str]:
    """The embedder-choice options of a redo, passed on to the run it adds to."""
    return ["--max-index-minutes", str(args.max_index_minutes), "--over-limit", args.over_limit]


def _redo_size(bench: Bench, size: int) -> None:
    """Index one corpus size from scratch and query it, replacing that size's row if there was one."""
    scale = bench.results["scale"]
    for row in scale:  # what MiniLM's real builds taught, to predict this size's embedding time
        if row.get("build"):
            bench.learn_rate(row["build"], row["size"])
    bench.results["scale"] = [row for row in scale if row["size"] != size]
    shutil.rmtree(bench.workdir / f"index-{size}", ignore_errors=True)
    try:
        bench.sized_corpus(size)
    finally:
        bench.results["scale"].sort(key=lambda row: row["size"])


def _note_redo(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Say at the top of results.md what was measured again, when and with which command."""
    notes = results["meta"].setdefault("notes", [])
    if results["meta"].get("finished") is None:
        results["meta"]["stopped"] = True
    if results["meta"].get("stopped") and not any("was stopped" in n for n in notes):
        notes.append("This run was stopped before it finished: phases not listed under Phases were not run.")
    if args.note:
        notes.append(args.note)
    extra = f" --max-index-minutes {args.max_index_minutes:g}" if args.redo.startswith("size-") else ""
    notes.append(
        f"`{args.redo}` was measured again at {now_iso()} (commit {_commit()}) with "
        f"`.venv/bin/python -m benchmarks.run --redo {args.redo} --workdir SCRATCH{extra}`; "
        "the rest of the run is unchanged."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print where the results are."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.redo:
        return redo(args)
    shown = [("SCRATCH" if args.workdir and a == str(args.workdir) else a) for a in argv]
    bench = Bench(args, shlex.join([".venv/bin/python", "-m", "benchmarks.run", *shown]))
    print(f"[bench] {args.mode} mode; scratch folder {bench.workdir}", file=sys.stderr)
    try:
        bench.run()
    except KeyboardInterrupt:
        bench.results["errors"].append("interrupted")
        return 130
    finally:
        bench.close()
    out = args.out
    print(
        f"Results: {out / 'results.md'}, {out / 'results.json'}"
        + (f", {out / 'results.png'}" if bench.results.get("plot") else "")
    )
    return 1 if bench.results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
