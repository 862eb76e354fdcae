"""Smoke tests of the benchmark suite's pure parts: percentiles, synthetic corpora, report writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.measure import latency_summary, percentile
from benchmarks.report import evaluate_targets, render_markdown, write_reports
from benchmarks.run import parse_args, stratified
from benchmarks.synthetic import FIELDS, ProxyEmbedder, SentencePool, synthetic_articles, write_jsonl
from index.loaders import load_paths

SENTENCES = [
    "The council approved the new budget on Tuesday after a long debate.",
    "Officials said the plan would add two hundred jobs over the next year.",
    "Critics argued that the proposal ignored the needs of rural residents.",
    "The mayor promised to publish a detailed timeline before the summer.",
    "Local businesses welcomed the decision but asked for lower fees.",
    "A spokesperson for the union declined to comment on the agreement.",
]


def _records(count: int = 4) -> list[dict[str, object]]:
    return [
        {
            "id": f"r{i}",
            "url": f"https://news.example/{i}",
            "outlet": "Example News",
            "title": f"City council approves budget plan number {i} after debate",
            "published_at": f"2022-0{i + 1}-15",
            "authors": ["A Writer"],
            "body": "\n\n".join(SENTENCES[i:] + SENTENCES[:i]),
        }
        for i in range(count)
    ]


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert percentile([3, 1, 2], 0) == 1 and percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_latency_summary() -> None:
    summary = latency_summary([100.0, 200.0, 300.0])
    assert summary["n"] == 3 and summary["p50_ms"] == 200.0 and summary["max_ms"] == 300.0
    assert latency_summary([])["p50_ms"] is None


def test_synthetic_articles_have_the_corpus_schema_and_load(tmp_path: Path) -> None:
    pool = SentencePool.from_records(_records())
    articles = list(synthetic_articles(pool, 25, seed=3))
    assert len(articles) == 25
    for article in articles:
        assert tuple(article) == FIELDS
        assert len(article["body"]) >= 800
        assert article["outlet"] and len(str(article["title"]).split()) >= 2
        assert str(article["published_at"])[4] == "-"
    assert articles[:5] == list(synthetic_articles(pool, 5, seed=3)), "prefix-stable"
    assert list(synthetic_articles(pool, 1, seed=3, start=7)) == [articles[7]]
    path = tmp_path / "synthetic.jsonl"
    assert write_jsonl(path, articles) == 25
    loaded = load_paths([path], root=tmp_path)
    assert not loaded.problems
    assert len(loaded.articles) + len(loaded.duplicates) == 25
    first = loaded.articles[0]
    assert first.outlet and first.title and first.published is not None


def test_proxy_embedder_gives_unit_vectors() -> None:
    vectors = ProxyEmbedder().embed_batch(["Russia and Turkey", "", "Russia and Turkey"])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[2] == pytest.approx(1.0)
    assert float((vectors[1] ** 2).sum()) == pytest.approx(1.0)


def test_stratified_takes_each_category_in_turn() -> None:
    class Q:
        def __init__(self, qid: str, category: str) -> None:
            self.id, self.category = qid, category

    questions = [Q("a1", "a"), Q("a2", "a"), Q("b1", "b"), Q("c1", "c"), Q("b2", "b")]
    assert [q.id for q in stratified(questions, 4)] == ["a1", "b1", "c1", "a2"]
    assert len(stratified(questions, 0)) == 5
    assert [q.id for q in stratified(questions, 3, first=("c", "x"))] == ["c1", "a1", "b1"]


def test_parse_args_modes() -> None:
    quick = parse_args(["--quick"])
    assert quick.size_list == [300] and quick.questions == 6
    full = parse_args(["--full", "--sizes", "30000,3000"])
    assert full.size_list == [3000, 30_000] and full.questions == 0 and full.baseline_budget == 0


def _results() -> dict[str, object]:
    latency = {"n": 2, "p50_ms": 300.0, "p95_ms": 400.0, "mean_ms": 350.0, "min_ms": 300.0, "max_ms": 400.0}
    per_q = [{"id": "q1", "latency_ms": 200.0}, {"id": "q2", "latency_ms": 400.0}]
    ours = {"latency": latency, "metrics": {"answer_accuracy": 1.0}, "per_question": per_q, "errors": 0}
    base_q = [{"id": "q1", "latency_ms": 6000.0}, {"id": "q2", "latency_ms": 8000.0}]
    baseline = {**ours, "per_question": base_q, "metrics": {"answer_accuracy": 0.5}, "build_s": 1.0}
    return {
        "meta": {
            "mode": "quick",
            "command": "python -m benchmarks.run --quick",
            "started": "2025-01-01T00:00:00",
            "machine": {"cores": 2, "ram_gb": 8.0, "cpu": "test"},
            "notes": [],
        },
        "comparison": {
            "question_ids": ["q1", "q2"],
            "baseline": baseline,
            "ours": {"extractive": ours, "local": ours},
        },
        "cold_start": {"extractive": {"runs_s": [4.0, 5.0], "median_s": 4.5, "max_s": 5.0}},
        "scale": [
            {
                "size": 100_000,
                "articles": 100_005,
                "build": {
                    "embedder": "minilm",
                    "chunks": 10,
                    "build_s": 100.0,
                    "reindex_s": 2.0,
                    "reindex_ratio": 0.02,
                    "peak_rss_mb": 1500.0,
                    "memory": [
                        {
                            "step": "files loaded and cleaned",
                            "rss_mb": 300.0,
                            "anon_mb": 280.0,
                            "file_mb": 20.0,
                        },
                        {"step": "commit done", "rss_mb": 1400.0, "anon_mb": 1350.0, "file_mb": 50.0},
                    ],
                },
                "query": {
                    "retrieval": {"p50_ms": 40.0, "p95_ms": 80.0},
                    "ask_extractive": latency,
                    "peak_rss_mb": 2500.0,
                    "memory": [{"step": "first retrieval: Chroma opens its HNSW index", "rss_mb": 2400.0}],
                },
            },
        ],
    }


def test_targets_pass_and_miss() -> None:
    rows = {row["target"]: row["status"] for row in evaluate_targets(_results())}
    assert rows["warm ask() median, local, vs the LlamaIndex baseline"] == "PASS"  # 7000/300
    assert rows["warm ask() median, extractive, vs the LlamaIndex baseline"] == "PASS"
    assert rows["cold `news-assistant ask --llm extractive` (new process)"] == "PASS"
    assert rows["retrieval p95 at 100,000 articles"] == "PASS"
    assert rows["peak RSS serving queries at 100,000 articles"] == "MISS"
    assert rows["re-index of an unchanged corpus, share of a full build"] == "PASS"


def test_report_writer(tmp_path: Path) -> None:
    paths = write_reports(_results(), tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["targets"] and data["meta"]["machine"]["cores"] == 2
    markdown = paths["markdown"].read_text()
    assert "python -m benchmarks.run --quick" in markdown and "2 cores" in markdown
    assert "| LlamaIndex baseline | ours, extractive | ours, local |" in markdown
    assert "**MISS**" in markdown and "**PASS**" in markdown
    assert "| commit done | 1,400 MiB | 1,350 MiB | 50 MiB | +1,100 MiB |" in markdown
    assert "Where the memory goes while serving queries (100,005 articles" in markdown
    assert paths["png"].stat().st_size > 1000
    assert "Targets" in render_markdown({"meta": {}})


def test_stage_timer_counts_nested_time_once() -> None:
    from benchmarks.stages import StageTimer

    now = [0.0]

    def spend(seconds: float) -> None:
        now[0] += seconds

    timer = StageTimer(clock=lambda: now[0])
    inner = timer.wrap("inner", lambda: spend(0.02))
    outer = timer.wrap("outer", lambda: (inner(), spend(0.01)))
    outer()
    assert timer.seconds["inner"] == pytest.approx(0.02)
    assert timer.seconds["outer"] == pytest.approx(0.01)
    rows = timer.breakdown(0.05, 1, other="rest")
    assert {row["stage"] for row in rows} == {"inner", "outer", "rest"}
    assert "other" in {row["stage"] for row in timer.totals(0.05)}


def test_redo_refuses_unknown_parts_and_missing_indexes(tmp_path: Path) -> None:
    from benchmarks.run import main

    with pytest.raises(SystemExit, match="cold-start, cold-breakdown, ours, thread-probe, query-N or size-N"):
        main(["--redo", "everything", "--workdir", str(tmp_path), "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="index-30000 not found"):
        main(["--redo", "query-30000", "--workdir", str(tmp_path), "--out", str(tmp_path)])


def test_a_size_whose_corpus_cannot_be_written_is_recorded_not_fatal(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import benchmarks.run as run

    monkeypatch.setattr(run, "REAL_CORPUS", tmp_path / "missing.jsonl.gz")
    out, work = tmp_path / "out", tmp_path / "work"
    out.mkdir()
    (out / "results.json").write_text(json.dumps(_results()))
    argv = ["--redo", "size-20", "--workdir", str(work), "--out", str(out), "--max-index-minutes", "0"]
    assert run.main(argv) == 1  # the run says it had an error; it does not crash
    data = json.loads((out / "results.json").read_text())
    assert any(error.startswith("write the 20-article corpus") for error in data["errors"])


def test_redo_size_indexes_and_queries_one_more_size_into_existing_results(tmp_path: Path) -> None:
    from benchmarks.run import main

    out, work = tmp_path / "out", tmp_path / "work"
    out.mkdir()
    results = _results()
    results["scale"][0]["build"]["chunks_per_s"] = 50.0  # type: ignore[index]
    (out / "results.json").write_text(json.dumps(results))
    argv = ["--redo", "size-20", "--workdir", str(work), "--out", str(out), "--max-index-minutes", "0"]
    assert main(argv) == 0
    data = json.loads((out / "results.json").read_text())
    assert [row["size"] for row in data["scale"]] == [20, 100_000]
    row = data["scale"][0]
    assert row["build"]["embedder"] == "proxy" and row["build"]["added"] == row["articles"] >= 20
    assert row["build"]["reindex_added"] == 0 and row["query"]["retrieval"]["p95_ms"] > 0
    assert any("`size-20` was measured again" in note for note in data["meta"]["notes"])
    assert "| 20 |" in (out / "results.md").read_text() or "20 articles" in (out / "results.md").read_text()
