"""Where the time of a real index build goes, stage by stage, with the real MiniLM embedder.

    .venv/bin/python -m benchmarks.build_profile [--articles 300] [--workdir DIR] [--skip-float32]

Indexes the first N articles of the dev corpus (../shared/corpora/rtqa_dev/corpus.jsonl.gz) into
a scratch index exactly as `news-assistant index` does, timing each step by wrapping the functions
index/build.py calls (exclusive wall times; the build's code is not changed). Then it embeds the
same chunk texts again with the embedder alone, so the build's throughput can be read as a ratio
of the embedder's own, measured in the same run, and once more with the float32 model (the
default before int8) as the baseline of the speed-up (--skip-float32 leaves that out). Writes
benchmarks/build-profile.json and replaces its section of benchmarks/results.md; another --articles
than the default 300 gets a file and section of its own (build-profile-N.json).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.stages import StageTimer

OUT_DIR = Path(__file__).resolve().parent
DEV_CORPUS = OUT_DIR.parent.parent / "shared" / "corpora" / "rtqa_dev" / "corpus.jsonl.gz"
DEFAULT_ARTICLES = 300


def first_articles(corpus: Path, count: int, folder: Path) -> Path:
    """The first `count` records of a corpus, written as a corpus file of their own."""
    from assistant.evaluation.devset import iter_records, write_corpus

    records = []
    for record in iter_records(corpus):
        records.append(record)
        if len(records) == count:
            break
    path = folder / "articles.jsonl.gz"
    write_corpus(records, path)
    return path


def instrument(timer: StageTimer, store: Any, texts: list[str]) -> None:
    """Time each step a build takes (module functions of index.build and this store's methods)."""
    import index.build as build

    build.load_paths = timer.wrap("load and clean pages", build.load_paths)
    build.strip_site_repetition = timer.wrap("site repetition", build.strip_site_repetition)
    build.chunk_article = timer.wrap("sentences and chunks", build.chunk_article)
    build._commit = timer.wrap("BM25 and commit", build._commit)
    embed = store.embedder.embed_batch

    def embed_and_keep(batch: list[str]) -> Any:
        texts.extend(batch)
        return embed(batch)

    store.embedder.embed_batch = timer.wrap("tokenise and batch", embed_and_keep)
    store.upsert_chunks = timer.wrap("Chroma upsert", store.upsert_chunks)
    store.catalog.add = timer.wrap("catalog", store.catalog.add)
    inner = store.embedder._choose()
    inner._session = _TimedSession(inner._load()[0], timer)
    inner._bulk_session = _TimedSession(inner._load_bulk()[0], timer)


class _TimedSession:
    """An ONNX Runtime session whose run() is timed as the model itself."""

    def __init__(self, session: Any, timer: StageTimer) -> None:
        self._session = session
        self.run = timer.wrap("MiniLM inference (ONNX)", session.run)


def run(corpus: Path, count: int, workdir: Path, float32: bool = True) -> dict[str, Any]:
    """Build a scratch index of `count` articles with every step timed; then embed alone."""
    from index.build import build_index
    from index.embedding import MiniLMEmbedder
    from index.store import IndexStore

    articles_file = first_articles(corpus, count, workdir)
    store = IndexStore(workdir / "index", MiniLMEmbedder())
    store.embedder.embed_batch(["warm up the model before timing"])
    timer, texts = StageTimer(), []
    instrument(timer, store, texts)
    started = time.perf_counter()
    report = build_index(store, [articles_file], progress=False)
    build_s = time.perf_counter() - started
    embed_s = _embed_alone(MiniLMEmbedder(), texts)
    float_s = _embed_alone(MiniLMEmbedder(precision="float32"), texts) if float32 else None
    stages = {name: round(seconds, 2) for name, seconds in sorted(timer.seconds.items(), key=lambda x: -x[1])}
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": count,
        "corpus": f"first {count} records of {corpus.name}",
        "articles": report.added,
        "chunks": report.chunks_embedded,
        "build_s": round(build_s, 1),
        "articles_per_s": round(report.added / build_s, 2),
        "chunks_per_s": round(report.chunks_embedded / build_s, 1),
        "embedder_alone_s": round(embed_s, 1),
        "embedder_alone_chunks_per_s": round(len(texts) / embed_s, 1),
        "build_vs_embedder": round(embed_s / build_s, 2),
        "embedder": store.embedder.name,
        "float32_embedder_alone_chunks_per_s": round(len(texts) / float_s, 1) if float_s else None,
        "build_vs_float32_embedder": round(float_s / build_s, 2) if float_s else None,
        "stages_s": stages,
        "unattributed_s": round(build_s - sum(timer.seconds.values()), 2),
    }


def _embed_alone(embedder: Any, texts: list[str]) -> float:
    """Seconds one embedder takes over the texts, after a warm-up call."""
    embedder.embed_batch(["warm up"])
    started = time.perf_counter()
    embedder.embed_batch(texts)
    return time.perf_counter() - started


def render(results: dict[str, Any]) -> str:
    """The Markdown section for results.md."""
    total = results["build_s"]
    start, end = _markers(results.get("records", DEFAULT_ARTICLES))
    float32 = (
        f"; the float32 model alone embeds the same texts at "
        f"{results['float32_embedder_alone_chunks_per_s']} chunks/s, so the build runs at "
        f"{results['build_vs_float32_embedder']:.2f}x the float32 embedder's own throughput"
        if results.get("float32_embedder_alone_chunks_per_s")
        else ""
    )
    rows = "\n".join(
        f"| {name} | {seconds:.1f} | {seconds / total:.0%} |" for name, seconds in results["stages_s"].items()
    )
    return (
        f"{start}\n## Index build profile (real MiniLM, {results['articles']:,} articles)\n\n"
        f"{results['articles']} articles ({results['corpus']}), {results['chunks']:,} chunks, built in "
        f"{total:.1f} s: {results['articles_per_s']} articles/s, {results['chunks_per_s']} chunks/s. "
        f"The embedder alone embeds the same chunk texts at {results['embedder_alone_chunks_per_s']} "
        f"chunks/s, so the build runs at {results['build_vs_embedder']:.2f}x the embedder's own "
        f"throughput (goal >= 0.8). Embedder: {results['embedder']}{float32}. "
        f"Measured {results['measured_at']} with "
        f"`python -m benchmarks.build_profile{_options(results)}`; exclusive wall time per step:\n\n"
        f"| step | seconds | share |\n|---|---:|---:|\n{rows}\n"
        f"| not in any step | {results['unattributed_s']:.1f} | {results['unattributed_s'] / total:.0%} |\n"
        f"{end}\n"
    )


def _markers(records: int) -> tuple[str, str]:
    """The comments around this profile's section of results.md (one section per corpus size)."""
    tag = "" if records == DEFAULT_ARTICLES else f" {records}"
    return f"<!-- build profile{tag}: start -->", f"<!-- build profile{tag}: end -->"


def _options(results: dict[str, Any]) -> str:
    """The command-line options a profile was measured with."""
    records = results.get("records", DEFAULT_ARTICLES)
    articles = "" if records == DEFAULT_ARTICLES else f" --articles {records}"
    return articles + ("" if results.get("float32_embedder_alone_chunks_per_s") else " --skip-float32")


def write(results: dict[str, Any], folder: Path = OUT_DIR) -> None:
    """Write build-profile.json and replace (or append) its section in results.md."""
    records = results.get("records", DEFAULT_ARTICLES)
    name = "build-profile.json" if records == DEFAULT_ARTICLES else f"build-profile-{records}.json"
    (folder / name).write_text(json.dumps(results, indent=2) + "\n")
    path = folder / "results.md"
    text = path.read_text() if path.exists() else ""
    section = render(results)
    start, end = _markers(records)
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Run the profile and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--skip-float32", action="store_true", help="leave out the float32 baseline")
    parser.add_argument("--corpus", type=Path, default=DEV_CORPUS)
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="build-profile-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        results = run(args.corpus, args.articles, workdir, float32=not args.skip_float32)
    write(results)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
