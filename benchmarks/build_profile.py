"""Where the time of a real index build goes, stage by stage, with the real MiniLM embedder.

    .venv/bin/python -m benchmarks.build_profile [--articles 300] [--workdir DIR]

Indexes the first N articles of the dev corpus (../shared/corpora/rtqa_dev/corpus.jsonl.gz) into
a scratch index exactly as `news-assistant index` does, timing each step by wrapping the functions
index/build.py calls (exclusive wall times; the build's code is not changed). Then it embeds the
same chunk texts again with the embedder alone, so the build's throughput can be read as a ratio
of the embedder's own, measured in the same run, and once more with the float32 model (the
default before int8) as the baseline of the speed-up. Writes benchmarks/build-profile.json and replaces
its section of benchmarks/results.md.
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
SECTION_START = "<!-- build profile: start -->"
SECTION_END = "<!-- build profile: end -->"


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


def run(corpus: Path, count: int, workdir: Path) -> dict[str, Any]:
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
    float_s = _embed_alone(MiniLMEmbedder(precision="float32"), texts)
    stages = {name: round(seconds, 2) for name, seconds in sorted(timer.seconds.items(), key=lambda x: -x[1])}
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
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
        "float32_embedder_alone_chunks_per_s": round(len(texts) / float_s, 1),
        "build_vs_float32_embedder": round(float_s / build_s, 2),
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
    rows = "\n".join(
        f"| {name} | {seconds:.1f} | {seconds / total:.0%} |" for name, seconds in results["stages_s"].items()
    )
    return (
        f"{SECTION_START}\n## Index build profile (real MiniLM)\n\n"
        f"{results['articles']} articles ({results['corpus']}), {results['chunks']:,} chunks, built in "
        f"{total:.1f} s: {results['articles_per_s']} articles/s, {results['chunks_per_s']} chunks/s. "
        f"The embedder alone embeds the same chunk texts at {results['embedder_alone_chunks_per_s']} "
        f"chunks/s, so the build runs at {results['build_vs_embedder']:.2f}x the embedder's own "
        f"throughput (goal >= 0.8). Embedder: {results['embedder']}; the float32 model alone embeds "
        f"the same texts at {results['float32_embedder_alone_chunks_per_s']} chunks/s, so the build "
        f"runs at {results['build_vs_float32_embedder']:.2f}x the float32 embedder's own throughput. "
        f"Measured {results['measured_at']} with "
        "`python -m benchmarks.build_profile`; exclusive wall time per step:\n\n"
        f"| step | seconds | share |\n|---|---:|---:|\n{rows}\n"
        f"| not in any step | {results['unattributed_s']:.1f} | {results['unattributed_s'] / total:.0%} |\n"
        f"{SECTION_END}\n"
    )


def write(results: dict[str, Any], folder: Path = OUT_DIR) -> None:
    """Write build-profile.json and replace (or append) its section in results.md."""
    (folder / "build-profile.json").write_text(json.dumps(results, indent=2) + "\n")
    path = folder / "results.md"
    text = path.read_text() if path.exists() else ""
    section = render(results)
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        text = before + section + rest.split(SECTION_END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Run the profile and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--corpus", type=Path, default=DEV_CORPUS)
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="build-profile-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        results = run(args.corpus, args.articles, workdir)
    write(results)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
