"""Benchmark tasks, each run in a fresh process: `python -m benchmarks.tasks NAME PARAMS.json OUT.json`.

A fresh process per task gives honest peak RSS figures and keeps one task's caches and models from
flattering the next. Every task returns a JSON-able dict that ends with its own peak RSS.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT
from benchmarks.measure import latency_summary, load_average, peak_rss_mb, rss_now_mb, stopwatch, time_calls

MIN_TIMED = 3  # questions timed even when the budget runs out, so a median means something
Task = Callable[[dict[str, Any]], dict[str, Any]]
TASKS: dict[str, Task] = {}
QUESTIONS_FILE = PROJECT_ROOT / "eval_questions.yaml"
# The part of an ask's latency no named step accounts for: the request's checks before the first.
OUTSIDE_STEPS = "other (request checks, outside the steps)"
COLD_PROBE_QUERY = "What did the Kremlin say Russia and the US were prepared to do in Syria?"


def task(fn: Task) -> Task:
    """Register a task under its function name."""
    TASKS[fn.__name__] = fn
    return fn


class TimedEmbedder:
    """Forwards to an embedder and adds up the time and texts it was given."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.seconds = 0.0
        self.texts = 0

    def embed_batch(self, texts: list[str]) -> Any:
        """Embed, timing the call."""
        began = time.perf_counter()
        try:
            return self.inner.embed_batch(texts)
        finally:
            self.seconds += time.perf_counter() - began
            self.texts += len(texts)


def make_embedder(kind: str, for_queries: bool = False) -> Any:
    """The bundled MiniLM, or the proxy (running MiniLM too when it serves queries)."""
    from index.embedding import MiniLMEmbedder

    if kind == "minilm":
        return MiniLMEmbedder()
    if kind == "proxy":
        from benchmarks.synthetic import ProxyEmbedder

        return ProxyEmbedder(real=MiniLMEmbedder() if for_queries else None)
    raise ValueError(f"unknown embedder {kind!r}: use minilm or proxy")


def disk_mb(folder: Path) -> float:
    """Size of a folder on disk in MiB."""
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return round(total / 2**20, 1)


@task
def build(params: dict[str, Any]) -> dict[str, Any]:
    """Build an index of the given paths from scratch, then re-index the unchanged corpus."""
    from benchmarks.stages import StageTimer, instrument_build
    from index.build import build_index
    from index.store import IndexStore

    index_dir = Path(params["index_dir"])
    embedder = make_embedder(params.get("embedder", "minilm"))
    with stopwatch() as load:
        embedder.embed_batch(["warm up the embedding model"])
    timed = TimedEmbedder(embedder)
    store = IndexStore(index_dir, timed)
    timer = StageTimer()
    instrument_build(store, timer)
    memory = _watch_build_memory()
    report = build_index(store, [Path(p) for p in params["paths"]], root=PROJECT_ROOT, progress=False)
    stages = timer.totals(report.seconds)
    result: dict[str, Any] = {
        "embedder": params.get("embedder", "minilm"),
        "model_load_s": round(load["s"], 2),
        "found": report.found,
        "added": report.added,
        "problems": len(report.problems),
        "duplicates": len(report.duplicates),
        "chunks": report.chunks_embedded,
        "build_s": round(report.seconds, 2),
        "embed_s": round(timed.seconds, 2),
        "articles_per_s": round(report.added / report.seconds, 2) if report.seconds else None,
        "chunks_per_s": round(report.chunks_embedded / report.seconds, 1) if report.seconds else None,
        "embed_chunks_per_s": round(timed.texts / timed.seconds, 1) if timed.seconds else None,
        "peak_rss_build_mb": peak_rss_mb(),
        "memory": list(memory),  # the first build's; the re-index below adds its own steps
        "stages": stages,
    }
    if params.get("reindex", True):
        timer.reset()
        again = build_index(store, [Path(p) for p in params["paths"]], root=PROJECT_ROOT, progress=False)
        result["reindex_stages"] = timer.totals(again.seconds)
        result["reindex_s"] = round(again.seconds, 2)
        result["reindex_added"] = again.added
        result["reindex_ratio"] = round(again.seconds / report.seconds, 4) if report.seconds else None
    store.close()
    result["index_disk_mb"] = disk_mb(index_dir)
    result["peak_rss_mb"] = peak_rss_mb()
    result["load_average"] = load_average()
    return result


def _watch_build_memory() -> list[dict[str, Any]]:
    """Record this process's memory after loading the files and before and after the commit."""
    import index.build as build_module

    memory: list[dict[str, Any]] = []

    def watch(name: str, after: str, before: str | None = None) -> None:
        inner = getattr(build_module, name)

        def watched(*args: Any, **kwargs: Any) -> Any:
            if before:
                memory.append({"step": before, **(rss_now_mb() or {})})
            result = inner(*args, **kwargs)
            memory.append({"step": after, **(rss_now_mb() or {})})
            return result

        setattr(build_module, name, watched)

    watch("load_paths", "files loaded and cleaned")
    watch("_commit", "commit done (BM25 built and saved)", "chunks embedded and stored in Chroma")
    return memory


@task
def query(params: dict[str, Any]) -> dict[str, Any]:
    """Open an index in a fresh process; time retrieval and extractive ask() over the questions."""
    from benchmarks.stages import StageTimer, instrument_retrieval

    memory = [{"step": "modules imported", **(rss_now_mb() or {})}]
    engine, _, open_s = _open_engine(params)
    memory.append(
        {"step": "index open: catalog, BM25 (memory-mapped), MiniLM loaded", **(rss_now_mb() or {})}
    )
    questions: list[str] = params["questions"]
    rounds = int(params.get("rounds", 1))
    warm = questions[0]
    engine.retriever.retrieve(warm)
    memory.append({"step": "first retrieval: Chroma opens its HNSW index", **(rss_now_mb() or {})})
    engine.ask(warm, llm="extractive")
    timer = StageTimer()
    instrument_retrieval(engine, timer)
    retrieval = time_calls(engine.retriever.retrieve, questions, rounds)
    retrieval_stages = timer.breakdown(sum(retrieval) / 1000, len(retrieval), other="other (fusion, filters)")
    steps = StageTimer()
    ask = steps.recording(engine.ask)
    asks = time_calls(lambda q: ask(q, llm="extractive"), questions, rounds)
    ask_stages = steps.breakdown(sum(asks) / 1000, len(asks), other=OUTSIDE_STEPS)
    memory.append({"step": "after every timed retrieval and ask", **(rss_now_mb() or {})})
    return {
        "memory": memory,
        "retrieval_stages": retrieval_stages,
        "ask_stages": ask_stages,
        "embedder": params.get("embedder", "minilm"),
        "open_s": round(open_s, 2),
        "articles": len(engine.store.articles()),
        "retrieval": latency_summary(retrieval),
        "ask_extractive": latency_summary(asks),
        "peak_rss_mb": peak_rss_mb(),
        "load_average": load_average(),
    }


@task
def ours(params: dict[str, Any]) -> dict[str, Any]:
    """Our eval (answer quality and warm latency) per generator, with a per-stage time breakdown."""
    from assistant import api
    from assistant.evaluation.runner import build_run
    from assistant.pipeline.evidence import SentenceEmbeddingCache
    from benchmarks.stages import StageTimer

    engine, settings, _ = _open_engine(params)
    questions = _gold(params["question_ids"])
    timer = StageTimer()
    out: dict[str, Any] = {"generators": {}}
    for name in params["generators"]:
        ask = timer.recording(functools.partial(api.ask, llm=name, settings=settings))
        _warm_ours(engine, name, questions[0].question)
        # each generator starts with an empty sentence-vector cache, so the order of runs is fair
        engine.sentences = SentenceEmbeddingCache(engine.store.embedder)
        timer.reset()
        results, stopped = _run_within(questions, ask, engine.store.article, name, params.get("budget_s"))
        run = build_run(results, generator=name)
        total_s = sum(r.latency_ms for r in results) / 1000
        out["generators"][name] = {
            **_eval_figures(run),
            "stopped_early": stopped,
            "stages": timer.breakdown(total_s, len(results), other=OUTSIDE_STEPS),
            "load_average": load_average(),
        }
    if params.get("cprofile"):
        out["cprofile_extractive"] = _cprofile(engine, [q.question for q in questions])
    out["peak_rss_mb"] = peak_rss_mb()
    return out


@task
def baseline(params: dict[str, Any]) -> dict[str, Any]:
    """The plain LlamaIndex pipeline: build it over the seeds, then the eval and warm latency."""
    from assistant.config import bundled_gguf
    from assistant.evaluation.runner import build_run
    from benchmarks.baseline import build_baseline
    from index.embedding import SentenceTransformersEmbedder
    from index.loaders import load_paths

    articles = load_paths([Path(p) for p in params["paths"]], root=PROJECT_ROOT).articles
    embedder = SentenceTransformersEmbedder()
    embedder.embed_batch(["warm up the embedding model"])
    model = bundled_gguf()
    if model is None:
        raise RuntimeError("the bundled Gemma GGUF package is not installed")
    pipeline = build_baseline(articles, model, int(params.get("top_k", 3)), embedder=embedder)
    questions = _gold(params["question_ids"])
    by_id = pipeline.articles.get
    pipeline.warm_up(questions[0].question)
    results, stopped = _run_within(questions, pipeline.ask, by_id, "baseline", params.get("budget_s"))
    run = build_run(results, generator="baseline")
    calls = [q["llm_calls"] for q in pipeline.per_question]
    tokens = [q["prompt_tokens"] for q in pipeline.per_question]
    return {
        **_eval_figures(run),
        "stopped_early": stopped,
        "build_s": round(pipeline.build_s, 2),
        "nodes": pipeline.nodes,
        "similarity_top_k": int(params.get("top_k", 3)),
        "llm_calls_per_question": round(sum(calls) / len(calls), 2) if calls else None,
        "prompt_tokens_per_question": round(sum(tokens) / len(tokens)) if tokens else None,
        "peak_rss_mb": peak_rss_mb(),
        "load_average": load_average(),
    }


@task
def cold_breakdown(params: dict[str, Any]) -> dict[str, Any]:
    """Where a cold `ask` spends its time: imports, model loads, index open, first and second asks."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    with stopwatch() as t:
        import assistant.api as api
    steps["import assistant"] = t["s"]
    with stopwatch() as t:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    steps["import onnxruntime + tokenizers"] = t["s"]
    with stopwatch() as t:
        import chromadb  # noqa: F401
    steps["import chromadb"] = t["s"]
    from assistant.config import load_settings

    settings = load_settings(index_dir=params["index_dir"], llm="extractive")
    with stopwatch() as t:
        engine = api.get_engine(settings, build_if_missing=False)
        engine.store.refresh()
    steps["open index (catalog, BM25)"] = t["s"]
    with stopwatch() as t:
        engine.store.embedder.embed_batch(["load"])
    steps["load MiniLM"] = t["s"]
    with stopwatch() as t:
        engine.ask(params["question"], llm="extractive")
    steps["first ask (opens Chroma)"] = t["s"]
    with stopwatch() as t:
        engine.ask(params["question"], llm="extractive")
    steps["second ask (warm)"] = t["s"]
    with stopwatch() as t:
        engine.generator("local")._model()  # type: ignore[attr-defined]
    steps["load Gemma (local generator)"] = t["s"]
    with stopwatch() as t:
        engine.ask(params["question"], llm="local")
    steps["first local ask (whole prompt evaluated)"] = t["s"]
    return {
        "steps_s": {k: round(v, 2) for k, v in steps.items()},
        "total_s": round(time.perf_counter() - began, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


@task
def thread_probe(params: dict[str, Any]) -> dict[str, Any]:
    """Speed at each thread count: llama.cpp prompt/decode tokens/s; MiniLM query latency and batch
    rate with ONNX Runtime (ours) and torch (sentence-transformers)."""
    import torch
    from llama_cpp import Llama

    from assistant.config import bundled_gguf
    from index.embedding import SentenceTransformersEmbedder
    from index.onnx_embedding import OnnxMiniLMEmbedder

    text = sorted((PROJECT_ROOT / "seeds").glob("*.txt"))[0].read_text()
    torch_embedder = SentenceTransformersEmbedder()
    torch_embedder.embed_batch(["load the model"])
    corpus = " ".join(p.read_text() for p in sorted((PROJECT_ROOT / "seeds").glob("*.txt")))
    corpus = " ".join(corpus.split())
    corpus = corpus * (1 + 400 * 64 // len(corpus))  # 64 full 400-character passages
    batch = [corpus[i : i + 400] for i in range(0, 400 * 64, 400)]
    rows = []
    for threads in params.get("threads", [1, 2]):
        llm = Llama(model_path=str(bundled_gguf()), n_ctx=2048, n_threads=threads, verbose=False)
        with stopwatch() as t:
            out = llm.create_completion(text[:1500], max_tokens=1, temperature=0.0)
        prompt_tokens = out["usage"]["prompt_tokens"]
        llm.reset()
        with stopwatch() as d:
            gen = llm.create_completion(
                "The Kremlin said", max_tokens=params.get("decode_tokens", 16), temperature=0.0
            )
        decoded = gen["usage"]["completion_tokens"]
        del llm
        torch.set_num_threads(threads)
        onnx = OnnxMiniLMEmbedder(threads=threads)
        onnx.embed_batch(["load the model"])
        rates = {}
        for label, embedder in (("onnx", onnx), ("torch", torch_embedder)):
            query = time_calls(lambda q, e=embedder: e.embed_batch([q]), [COLD_PROBE_QUERY] * 10)
            with stopwatch() as b:
                embedder.embed_batch(batch)
            rates[f"minilm_{label}_query_p50_ms"] = latency_summary(query)["p50_ms"]
            rates[f"minilm_{label}_batch_texts_per_s"] = round(len(batch) / b["s"], 1)
        rows.append(
            {
                "threads": threads,
                "prompt_tokens": prompt_tokens,
                "prompt_tok_per_s": round(prompt_tokens / t["s"], 1),
                "decode_tok_per_s": round(decoded / d["s"], 1) if decoded else None,
                **rates,
            }
        )
    return {"rows": rows, "load_average": load_average(), "peak_rss_mb": peak_rss_mb()}


# -- helpers -----------------------------------------------------------------------------------
def _open_engine(params: dict[str, Any]) -> tuple[Any, Any, float]:
    """The engine over an existing index as ask() opens it (or over proxy vectors), and its open time."""
    from assistant import api
    from assistant.config import load_settings
    from assistant.pipeline.engine import Engine
    from index.store import IndexStore

    settings = load_settings(index_dir=params["index_dir"], llm="extractive")
    with stopwatch() as t:
        if params.get("embedder", "minilm") == "minilm":
            engine = api.get_engine(settings, build_if_missing=False)
        else:
            engine = Engine(settings, IndexStore(settings.index_dir, make_embedder("proxy", True)))
        engine.store.refresh()
        engine.store.embedder.embed_batch(["load the model"])
    return engine, settings, t["s"]


def _warm_ours(engine: Any, generator: str, question: str) -> None:
    """Warm like the baseline: models loaded and the index open (one retrieval), no timed generation."""
    engine.ask(question, llm="extractive")
    load = getattr(engine.generator(generator), "_model", None)
    if callable(load):
        load()
    elif generator != "extractive":
        engine.ask(question, llm=generator)


def _gold(ids: list[str]) -> list[Any]:
    """The gold questions with these ids, in this order."""
    from assistant.evaluation.questions import load_questions

    by_id = {q.id: q for q in load_questions(QUESTIONS_FILE)}
    return [by_id[i] for i in ids]


def _run_within(
    questions: list[Any], ask: Any, lookup: Any, generator: str, budget_s: float | None
) -> tuple[list[Any], bool]:
    """Score question after question; once budget_s has passed (and MIN_TIMED are done), stop."""
    from assistant.evaluation.runner import run_questions

    results: list[Any] = []
    began = time.perf_counter()
    for number, gold in enumerate(questions, start=1):
        if budget_s and len(results) >= MIN_TIMED and time.perf_counter() - began > budget_s:
            return results, True
        run = run_questions([gold], ask, lookup, generator=generator)
        results.extend(run.results)
        r = run.results[0]
        print(
            f"  {generator:<10} [{number}/{len(questions)}] {r.id:<16} "
            f"{'pass' if r.passed else 'FAIL'} {r.latency_ms:>8.0f} ms",
            file=sys.stderr,
        )
    return results, False


def _eval_figures(run: Any) -> dict[str, Any]:
    """The eval metrics of a run, its latencies and per-question outcomes."""
    summary = run.summary
    latencies = [r.latency_ms for r in run.results]
    return {
        "questions": summary.questions,
        "errors": summary.errors,
        "metrics": {key: metric.value for key, metric in summary.metrics.items()},
        "latency": latency_summary(latencies),
        "per_question": [
            {
                "id": r.id,
                "latency_ms": r.latency_ms,
                "passed": r.passed,
                "refused": r.refused,
                "error": r.error,
            }
            for r in run.results
        ],
    }


def _cprofile(engine: Any, questions: list[str], top: int = 15) -> list[dict[str, Any]]:
    """The functions with the most own time over extractive asks of the questions."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        engine.ask(question, llm="extractive")
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(file)}:{line}({name})",
                "calls": calls,
                "own_ms": round(own * 1000, 1),
                "cumulative_ms": round(cumulative * 1000, 1),
            }
        )
    rows.sort(key=lambda row: -row["own_ms"])
    return rows[:top]


def _short(path: str) -> str:
    """A source path from its package onwards."""
    marker = "site-packages" + os.sep
    if marker in path:
        return path.split(marker, 1)[1]
    try:
        return str(Path(path).relative_to(PROJECT_ROOT))
    except ValueError:
        return path


def main(argv: list[str]) -> int:
    """Run one task: NAME PARAMS.json OUT.json."""
    name, params_file, out_file = argv
    params = json.loads(Path(params_file).read_text())
    result = TASKS[name](params)
    Path(out_file).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.exit(main(sys.argv[1:]))
