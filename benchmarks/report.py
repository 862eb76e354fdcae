"""Results as JSON, as Markdown tables with the targets marked PASS/MISS, and as a PNG plot."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

GB = 1024.0  # MiB per GiB
FINDINGS = Path(__file__).with_name("findings.md")  # written by hand: what each missed target needed
TARGETS = {
    "local_speedup": 4.0,
    "extractive_speedup": 20.0,
    "cold_start_s": 6.0,
    "retrieval_p95_ms": 100.0,
    "peak_rss_mb": 2 * GB,
    "reindex_ratio": 0.05,
    "scale_size": 100_000,
}
QUALITY_ROWS = (
    ("answer_accuracy", "answer accuracy"),
    ("citation_precision", "citation precision"),
    ("citation_verbatim", "  quotes verbatim in the article"),
    ("citation_supporting", "  quotes supporting the answer"),
    ("outlet_accuracy", "outlet accuracy"),
    ("retrieval_recall", "retrieval recall (gold article retrieved)"),
    ("decline_recall", "decline recall"),
    ("false_decline_rate", "false declines"),
    ("pass_rate", "questions passed"),
)


def fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    """A number for a table: rounded, with a unit, '—' when missing."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def pct(value: float | None) -> str:
    """A ratio as a percentage, '—' when missing."""
    return "—" if value is None else f"{100 * value:.0f}%"


def speedup(baseline_ms: float | None, ours_ms: float | None) -> float | None:
    """How many times faster ours is than the baseline (None when either is missing)."""
    if not baseline_ms or not ours_ms:
        return None
    return baseline_ms / ours_ms


def common_median_ratio(baseline: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """Median latencies over the questions both pipelines answered, and their ratio."""
    from benchmarks.measure import percentile

    base = {q["id"]: q["latency_ms"] for q in baseline.get("per_question", []) if not q.get("error")}
    mine = {q["id"]: q["latency_ms"] for q in ours.get("per_question", []) if not q.get("error")}
    shared = sorted(set(base) & set(mine))
    b = percentile([base[i] for i in shared], 50)
    o = percentile([mine[i] for i in shared], 50)
    return {"questions": len(shared), "baseline_p50_ms": b, "ours_p50_ms": o, "speedup": speedup(b, o)}


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured value and PASS, MISS or NOT RUN."""
    rows: list[dict[str, Any]] = []
    comparison = results.get("comparison", {})
    baseline = comparison.get("baseline")
    ours = comparison.get("ours", {})
    for name, need in (("local", TARGETS["local_speedup"]), ("extractive", TARGETS["extractive_speedup"])):
        ratio = common_median_ratio(baseline, ours[name]) if baseline and name in ours else None
        value = ratio["speedup"] if ratio else None
        rows.append(
            _row(
                f"warm ask() median, {name}, vs the LlamaIndex baseline",
                f">= {need:g}x faster",
                None
                if value is None
                else f"{value:.1f}x faster"
                + (
                    f" ({ratio['baseline_p50_ms'] / 1000:.2f} s vs {ratio['ours_p50_ms'] / 1000:.2f} s, "
                    f"{ratio['questions']} question{'s' if ratio['questions'] != 1 else ''})"
                    if ratio and value
                    else ""
                ),
                None if value is None else value >= need,
            )
        )
    for name, cold in results.get("cold_start", {}).items():
        if name == "breakdown" or not isinstance(cold, dict):
            continue
        value = cold.get("median_s")
        rows.append(
            _row(
                f"cold `news-assistant ask --llm {name}` (new process)",
                f"<= {TARGETS['cold_start_s']:g} s",
                None if value is None else f"{value:.2f} s (median of {len(cold.get('runs_s', []))})",
                None if value is None else value <= TARGETS["cold_start_s"],
            )
        )
    rows += _scale_targets(results.get("scale", []))
    return rows


def _scale_targets(scale: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Retrieval p95 and peak RSS at 100,000 articles; re-index ratio at the largest real build."""
    rows = []
    measured = [s for s in scale if s.get("query")]
    largest = max(measured, key=lambda s: s["size"], default=None)
    at_target = largest is not None and largest["size"] >= TARGETS["scale_size"]
    where = f"at {largest['articles']:,} articles" if largest else "not measured"
    vectors = f", {largest['build']['embedder']} vectors" if largest and largest.get("build") else ""
    p95 = largest["query"]["retrieval"]["p95_ms"] if largest else None
    rows.append(
        _row(
            "retrieval p95 at 100,000 articles",
            f"<= {TARGETS['retrieval_p95_ms']:g} ms",
            None if p95 is None else f"{p95:.0f} ms {where}{vectors}",
            (p95 <= TARGETS["retrieval_p95_ms"]) if at_target and p95 is not None else None,
        )
    )
    for label, key, source in (
        ("peak RSS serving queries at 100,000 articles", "peak_rss_mb", "query"),
        ("peak RSS while indexing 100,000 articles", "peak_rss_mb", "build"),
    ):
        part = largest.get(source) if largest else None
        value = part.get(key) if part else None
        rows.append(
            _row(
                label,
                f"<= {TARGETS['peak_rss_mb'] / GB:g} GB",
                None if value is None else f"{value / GB:.2f} GB {where}{vectors}",
                (value <= TARGETS["peak_rss_mb"]) if at_target and value is not None else None,
            )
        )
    real = [
        s for s in scale if s.get("build", {}).get("embedder") == "minilm" and s["build"].get("reindex_ratio")
    ]
    best = max(real, key=lambda s: s["size"], default=None)
    ratio = best["build"]["reindex_ratio"] if best else None
    rows.append(
        _row(
            "re-index of an unchanged corpus, share of a full build",
            f"<= {pct(TARGETS['reindex_ratio'])}",
            None
            if ratio is None
            else f"{pct(ratio)} ({best['build']['reindex_s']:.1f} s vs "
            f"{best['build']['build_s']:.1f} s at {best['articles']:,} articles)",
            None if ratio is None else ratio <= TARGETS["reindex_ratio"],
        )
    )
    return rows


def _row(name: str, target: str, measured: str | None, passed: bool | None) -> dict[str, Any]:
    """One target row; NOT RUN when there is no value at the size the target is about."""
    status = "NOT RUN" if measured is None else ("PASS" if passed else "MISS" if passed is False else "N/A")
    return {"target": name, "goal": target, "measured": measured or "—", "status": status}


def render_markdown(results: dict[str, Any]) -> str:
    """The whole results page: provenance, targets, comparison, cold start, scale, profile."""
    meta = results.get("meta", {})
    machine = meta.get("machine", {})
    lines = [
        "# Benchmark results",
        "",
        f"- **Command:** `{meta.get('command', '?')}` ({meta.get('mode', '?')} mode)",
        f"- **Date:** {meta.get('started', '?')} to "
        f"{meta.get('finished') or ('stopped' if meta.get('stopped') else 'still running')}"
        f" ({fmt(meta.get('duration_s'), ' s', 0)})",
        f"- **Machine:** {machine.get('cores', '?')} cores, {fmt(machine.get('ram_gb'), ' GiB')} RAM, "
        f"{machine.get('cpu', '?')}; {machine.get('os', '')}, Python {machine.get('python', '?')}",
        f"- **Load average (1/5/15 min, `uptime`):** at start {_load(meta.get('load_average_start'))}, "
        f"at end {_load(meta.get('load_average_end'))}",
        f"- **Commit:** {meta.get('commit') or '?'}",
        "- **Reproduce:** `make bench` (quick) or `make bench-full`; sizes with "
        "`.venv/bin/python -m benchmarks.run --full --sizes 3000,30000,100000 [--over-limit minilm]`"
        + ("; SCRATCH is the folder given with `--workdir`" if "SCRATCH" in meta.get("command", "") else ""),
        "",
    ]
    for note in meta.get("notes", []):
        lines.append(f"> {note}")
        lines.append("")
    lines += _targets_section(results)
    lines += _findings_section()
    lines += _comparison_section(results)
    lines += _cold_section(results)
    lines += _scale_section(results)
    lines += _profile_section(results)
    lines += _probe_section(results)
    errors = results.get("errors", [])
    if errors:
        lines += ["## Errors", ""] + [f"- {e}" for e in errors] + [""]
    lines += ["## Phases", "", "| phase | seconds | load before | load after |", "|---|---:|---|---|"]
    for phase in results.get("phases", []):
        lines.append(
            f"| {phase['phase']} | {fmt(phase.get('seconds'))} | {_load(phase.get('load_before'))} | "
            f"{_load(phase.get('load_after'))} |"
        )
    return "\n".join(lines) + "\n"


def _targets_section(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Targets (ratios from this run)",
        "",
        "| target | goal | measured | status |",
        "|---|---|---|---|",
    ]
    for row in results.get("targets", []):
        lines.append(f"| {row['target']} | {row['goal']} | {row['measured']} | **{row['status']}** |")
    return [*lines, ""]


def _findings_section() -> list[str]:
    """The written record of the missed targets: profile, what was tried, the measured effect."""
    if not FINDINGS.exists():
        return []
    return [FINDINGS.read_text(encoding="utf-8").strip(), ""]


def _comparison_section(results: dict[str, Any]) -> list[str]:
    comparison = results.get("comparison", {})
    columns = [("LlamaIndex baseline", comparison.get("baseline"))]
    columns += [(f"ours, {name}", data) for name, data in comparison.get("ours", {}).items()]
    columns = [(title, data) for title, data in columns if data]
    if not columns:
        return []
    head = "| | " + " | ".join(title for title, _ in columns) + " |"
    lines = [
        "## Warm ask(): the plain LlamaIndex pipeline beside ours (same corpus, embedder and LLM)",
        "",
        f"Seed corpus; gold questions: {', '.join(comparison.get('question_ids', []))}.",
        "",
        head,
        "|---|" + "---:|" * len(columns),
    ]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    row(
        "questions timed",
        [fmt(d["latency"]["n"]) + (" (budget hit)" if d.get("stopped_early") else "") for _, d in columns],
    )
    for key, label in (("p50_ms", "latency p50"), ("p95_ms", "latency p95"), ("mean_ms", "latency mean")):
        row(label, [fmt(_sec(d["latency"][key]), " s", 2) for _, d in columns])
    for key, label in QUALITY_ROWS:
        row(label, [pct(d["metrics"].get(key)) for _, d in columns])
    row("errors", [fmt(d.get("errors")) for _, d in columns])
    row("peak RSS of the process", [fmt(d.get("peak_rss_mb"), " MiB", 0) for _, d in columns])
    base = comparison.get("baseline")
    if not base:
        return [*lines, ""]
    lines += [
        "",
        f"Baseline: VectorStoreIndex (in-memory, default SentenceSplitter) + CitationQueryEngine, "
        f"similarity_top_k={base.get('similarity_top_k', '?')}; built over the seeds in "
        f"{fmt(base.get('build_s'), ' s', 2)} ({base.get('nodes', '?')} nodes); "
        f"{fmt(base.get('llm_calls_per_question'), '', 1)} LLM calls and "
        f"{fmt(base.get('prompt_tokens_per_question'))} prompt tokens per question. It gets the question "
        "text only: no chat history, no outlet/date filters, and it never declines.",
        "",
    ]
    return lines


def _cold_section(results: dict[str, Any]) -> list[str]:
    cold = results.get("cold_start", {})
    if not cold:
        return []
    lines = [
        "## Cold start: `news-assistant ask` in a new process, warm index on disk",
        "",
        "| generator | wall time per run (s) | median | max | CPU time per run (s) |",
        "|---|---|---:|---:|---|",
    ]
    for name, data in cold.items():
        if name != "breakdown" and isinstance(data, dict):
            runs = ", ".join(f"{t:.2f}" for t in data.get("runs_s", []))
            cpu = ", ".join(f"{t:.2f}" for t in data.get("cpu_s", []))
            median, most = fmt(data.get("median_s"), " s", 2), fmt(data.get("max_s"), " s", 2)
            lines.append(_cells([name, runs, median, most, cpu]))
    breakdown = cold.get("breakdown")
    if breakdown:
        lines += [
            "",
            "Where a cold ask spends its time (one new process: extractive first, then the local generator):",
            "",
            "| step | seconds |",
            "|---|---:|",
        ]
        lines += [f"| {step} | {s:.2f} |" for step, s in breakdown["steps_s"].items()]
    return [*lines, ""]


def _scale_section(results: dict[str, Any]) -> list[str]:
    scale = results.get("scale", [])
    if not scale:
        return []
    lines = [
        "## Indexing and scale",
        "",
        "Each size: the seeds plus that many articles (the real distractors first, then synthetic ones "
        "recombined from their sentences); built from scratch in one process, queried in another.",
        "",
        "| articles | vectors | chunks | build | articles/s | chunks/s | embed chunks/s | re-index | "
        "re-index share | retrieval p50 / p95 | ask() extractive p50 / p95 | peak RSS build | "
        "peak RSS query | index on disk |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scale:
        b, q = s.get("build") or {}, s.get("query") or {}
        r, a = q.get("retrieval") or {}, q.get("ask_extractive") or {}
        cells = [
            fmt(s.get("articles")),
            b.get("embedder", s.get("note", "—")),
            fmt(b.get("chunks")),
            fmt(b.get("build_s"), " s"),
            fmt(b.get("articles_per_s")),
            fmt(b.get("chunks_per_s")),
            fmt(b.get("embed_chunks_per_s")),
            fmt(b.get("reindex_s"), " s"),
            pct(b.get("reindex_ratio")),
            f"{fmt(r.get('p50_ms'), ' ms', 0)} / {fmt(r.get('p95_ms'), ' ms', 0)}",
            f"{fmt(a.get('p50_ms'), ' ms', 0)} / {fmt(a.get('p95_ms'), ' ms', 0)}",
            fmt(b.get("peak_rss_mb"), " MiB", 0),
            fmt(q.get("peak_rss_mb"), " MiB", 0),
            fmt(b.get("index_disk_mb"), " MiB", 0),
        ]
        lines.append(_cells(cells))
    predictions = results.get("predictions", [])
    if predictions:
        lines += [
            "",
            "Indexing time with real MiniLM embeddings, predicted from the measured throughput "
            f"({fmt(predictions[0]['chunks_per_s'])} chunks/s, "
            f"{fmt(predictions[0]['chunks_per_article'])} chunks per article):",
            "",
        ]
        lines += [f"- {p['articles']:,} articles: about {p['minutes']:,.0f} minutes" for p in predictions]
    skipped = [s for s in scale if s.get("note")]
    for s in skipped:
        lines.append(f"- {fmt(s.get('articles'))} articles: {s['note']}")
    lines += _scale_stages(scale)
    lines += _memory_steps(scale)
    plot = results.get("plot")
    if plot:
        lines += ["", f"![latency and memory against corpus size]({plot})"]
    return [*lines, ""]


def _scale_stages(scale: list[dict[str, Any]]) -> list[str]:
    """Where indexing, re-indexing and retrieval time goes at the largest size measured."""
    lines: list[str] = []
    built = [s for s in scale if (s.get("build") or {}).get("stages")]
    if built:
        largest = max(built, key=lambda s: s["size"])
        b = largest["build"]
        for key, what in (("stages", "a full build"), ("reindex_stages", "re-indexing it unchanged")):
            if b.get(key):
                lines += [
                    "",
                    f"Where the time of {what} goes ({largest['articles']:,} articles, "
                    f"{b['embedder']} vectors):",
                    "",
                    "| step | seconds | share |",
                    "|---|---:|---:|",
                ]
                lines += [_cells([r["stage"], f"{r['seconds']:.1f}", pct(r["share"])]) for r in b[key]]
    queried = [s for s in scale if (s.get("query") or {}).get("retrieval_stages")]
    if queried:
        largest = max(queried, key=lambda s: s["size"])
        q = largest["query"]
        lines += [
            "",
            f"Where retrieval time goes ({largest['articles']:,} articles, {q['embedder']} vectors, "
            "HybridRetriever.retrieve, query embedding included):",
            "",
            "| stage | ms per retrieval | share |",
            "|---|---:|---:|",
        ]
        lines += [
            _cells([r["stage"], f"{r['ms_per_ask']:.1f}", pct(r["share"])]) for r in q["retrieval_stages"]
        ]
    return lines


def _memory_steps(scale: list[dict[str, Any]]) -> list[str]:
    """Where the memory goes at the largest size measured: RSS after each step of a build and a query."""
    lines: list[str] = []
    for part, what in (("build", "building the index"), ("query", "serving queries")):
        measured = [s for s in scale if ((s.get(part) or {}).get("memory"))]
        if not measured:
            continue
        largest = max(measured, key=lambda s: s["size"])
        lines += [
            "",
            f"Where the memory goes while {what} ({largest['articles']:,} articles, "
            f"{largest[part].get('embedder', '')} vectors; resident memory after each step):",
            "",
            "| step | RSS | heap (anonymous) | file-backed (mapped) | change | peak so far |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        previous = None
        for step in largest[part]["memory"]:
            rss = step.get("rss_mb")
            change = f"{rss - previous:+,.0f} MiB" if rss is not None and previous is not None else "—"
            lines.append(
                _cells(
                    [
                        step["step"],
                        fmt(rss, " MiB", 0),
                        fmt(step.get("anon_mb"), " MiB", 0),
                        fmt(step.get("file_mb"), " MiB", 0),
                        change,
                        fmt(step.get("peak_mb"), " MiB", 0),
                    ]
                )
            )
            previous = rss
    return lines


def _profile_section(results: dict[str, Any]) -> list[str]:
    ours = results.get("comparison", {}).get("ours", {})
    lines: list[str] = []
    for name, data in ours.items():
        stages = data.get("stages") or []
        if not stages:
            continue
        if not lines:
            lines = ["## Where the time goes in a warm ask()", ""]
        lines += [
            f"**{name}** (exclusive wall time per ask, mean over the timed questions):",
            "",
            "| stage | ms per ask | share |",
            "|---|---:|---:|",
        ]
        lines += [f"| {s['stage']} | {s['ms_per_ask']:.1f} | {pct(s['share'])} |" for s in stages]
        lines.append("")
    profile = results.get("comparison", {}).get("cprofile_extractive") or []
    if profile:
        lines += [
            "cProfile of the extractive asks, functions with the most own time:",
            "",
            "| function | calls | own ms | cumulative ms |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| `{p['function']}` | {p['calls']} | {p['own_ms']} | {p['cumulative_ms']} |"
            for p in profile[:10]
        ]
        lines.append("")
    return lines


def _probe_section(results: dict[str, Any]) -> list[str]:
    probe = results.get("thread_probe")
    if not probe:
        return []
    lines = [
        "## Thread count: llama.cpp (Gemma 3 270M) and MiniLM (ONNX Runtime, ours; torch) at 1 and 2 threads",
        "",
        f"Load average during the probe: {_load(probe.get('load_average'))}.",
        "",
        "| threads | LLM prompt tokens/s | LLM decode tokens/s | MiniLM one query p50, ONNX / torch "
        "| MiniLM texts/s (400-char passages), ONNX / torch |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in probe["rows"]:
        cells = [
            str(r["threads"]),
            fmt(r.get("prompt_tok_per_s")),
            fmt(r.get("decode_tok_per_s")),
            _pair(r, "minilm_{}_query_p50_ms", " ms"),
            _pair(r, "minilm_{}_batch_texts_per_s", ""),
        ]
        lines.append(_cells(cells))
    return [*lines, ""]


def _pair(row: dict[str, Any], key: str, unit: str) -> str:
    """'ONNX / torch' figures of one probe row."""
    return f"{fmt(row.get(key.format('onnx')), unit)} / {fmt(row.get(key.format('torch')), unit)}"


def _cells(values: list[str]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(values) + " |"


def _sec(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def _load(values: list[float] | None) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "?"


def plot_scale(results: dict[str, Any], path: Path) -> Path | None:
    """Latency and peak memory against corpus size, as a PNG (None when nothing to plot)."""
    rows = [s for s in results.get("scale", []) if s.get("query")]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = (
        ("retrieval", "p50_ms", "retrieval p50"),
        ("retrieval", "p95_ms", "retrieval p95"),
        ("ask_extractive", "p50_ms", "ask() p50"),
        ("ask_extractive", "p95_ms", "ask() p95"),
    )
    for part, key, label in series:
        _plot(
            left, rows, lambda s, part=part, key=key: ((s.get("query") or {}).get(part) or {}).get(key), label
        )
    left.axhline(
        TARGETS["retrieval_p95_ms"], color="grey", linestyle="--", linewidth=1, label="100 ms target"
    )
    left.set(
        xscale="log",
        yscale="log",
        xlabel="articles in the index",
        ylabel="milliseconds (log)",
        title="Warm latency (extractive ask)",
    )
    left.legend(fontsize=8)
    for part, label in (("build", "peak RSS, indexing"), ("query", "peak RSS, serving")):
        _plot(right, rows, lambda s, part=part: _gib((s.get(part) or {}).get("peak_rss_mb")), label)
    right.axhline(TARGETS["peak_rss_mb"] / GB, color="grey", linestyle="--", linewidth=1, label="2 GB target")
    right.set(xscale="log", xlabel="articles in the index", ylabel="GiB", title="Peak memory")
    right.legend(fontsize=8)
    for axis in (left, right):
        axis.grid(True, alpha=0.3)
    meta = results.get("meta", {})
    machine = meta.get("machine", {})
    fig.suptitle(
        f"{machine.get('cores', '?')} cores, {machine.get('ram_gb', '?')} GiB RAM, "
        f"{meta.get('started', '')[:10]}, {meta.get('mode', '')} mode",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _plot(axis: Any, rows: list[dict[str, Any]], value: Any, label: str) -> None:
    """Plot one series against the article count, leaving out sizes without a value."""
    points = [(s["articles"], value(s)) for s in rows if value(s) is not None]
    if points:
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)


def _gib(mib: float | None) -> float | None:
    return None if mib is None else mib / GB


_KEPT = re.compile(r"<!-- (?P<name>[\w ]+): start -->.*?<!-- (?P=name): end -->\n?", re.S)


def kept_sections(path: Path) -> str:
    """Sections other benchmarks wrote into the Markdown file (between start/end comments), kept."""
    if not path.exists():
        return ""
    sections = [m.group(0).rstrip() + "\n" for m in _KEPT.finditer(path.read_text(encoding="utf-8"))]
    return "".join("\n" + section for section in sections)


def write_reports(results: dict[str, Any], folder: Path, stem: str = "results") -> dict[str, Path]:
    """Write results.json, results.md (and results.png when there is a scale table)."""
    folder.mkdir(parents=True, exist_ok=True)
    results["targets"] = evaluate_targets(results)
    try:
        png = plot_scale(results, folder / f"{stem}.png")
    except Exception as exc:  # a plotting problem must not lose the numbers
        png, results["plot_error"] = None, f"{type(exc).__name__}: {exc}"
    results["plot"] = png.name if png else None
    paths = {"json": folder / f"{stem}.json", "markdown": folder / f"{stem}.md"}
    paths["json"].write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = render_markdown(results) + kept_sections(paths["markdown"])
    paths["markdown"].write_text(markdown)
    if png:
        paths["png"] = png
    return paths
