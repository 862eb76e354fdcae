"""Reports of a run: report.json, report.md, scores.png, the previous run kept beside them."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assistant.evaluation.chart import write_chart
from assistant.evaluation.compare import (
    Change,
    compare,
    fixed_questions,
    regressed_metrics,
    regressed_questions,
)
from assistant.evaluation.metrics import METRICS, Summary
from assistant.evaluation.runner import EvalRun
from assistant.evaluation.thresholds import BY_METRIC, THRESHOLDS, GateFailure, Threshold, check_gate

CATEGORY_COLUMNS = (
    ("pass_rate", "passed"),
    ("answer_accuracy", "answer acc."),
    ("retrieval_recall", "recall@k"),
    ("citation_precision", "cit. prec."),
    ("outlet_accuracy", "outlet acc."),
    ("decline_recall", "decl. recall"),
    ("false_decline_rate", "false decl."),
    ("latency_p50_ms", "p50 ms"),
)


@dataclass(frozen=True)
class ReportFiles:
    """Where a run's reports were written."""

    json: Path
    markdown: Path
    chart: Path
    previous: Path | None
    previous_run: EvalRun | None = None


def write_reports(run: EvalRun, out_dir: Path, thresholds: tuple[Threshold, ...] = THRESHOLDS) -> ReportFiles:
    """Keep the last report as report.previous.json, then write JSON, Markdown and the chart, judged
    against the thresholds of this kind of run (the gold set's unless given)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "report.json"
    previous_path = out_dir / "report.previous.json"
    if json_path.exists():
        os.replace(json_path, previous_path)
    previous = load_run(previous_path) if previous_path.exists() else None
    failures = check_gate(run.summary, thresholds)
    json_path.write_text(render_json(run, previous, failures, thresholds), encoding="utf-8")
    markdown_path = out_dir / "report.md"
    markdown_path.write_text(render_markdown(run, previous, failures, thresholds), encoding="utf-8")
    chart_path = write_chart(run, out_dir / "scores.png", previous)
    return ReportFiles(json_path, markdown_path, chart_path, previous_path if previous else None, previous)


def load_run(path: Path) -> EvalRun | None:
    """A run read back from its report.json, or None when it cannot be read."""
    try:
        return EvalRun.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return None


def render_json(
    run: EvalRun,
    previous: EvalRun | None,
    failures: list[GateFailure],
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> str:
    """The run as JSON, with the gate result and what regressed since the previous run."""
    data = run.model_dump(mode="json")
    data["gate"] = {
        "passed": not failures,
        "failures": [f.message() for f in failures],
        "thresholds": {t.metric: t.describe() for t in thresholds},
    }
    data["previous"] = (
        {
            "started": previous.started.isoformat(),
            "questions": previous.summary.questions,
            "regressed_metrics": [c.metric for c in regressed_metrics(run.summary, previous.summary)],
            "regressed_questions": regressed_questions(run, previous),
            "fixed_questions": fixed_questions(run, previous),
        }
        if previous
        else None
    )
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_markdown(
    run: EvalRun,
    previous: EvalRun | None,
    failures: list[GateFailure],
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> str:
    """The Markdown report: summary with regressions marked, categories, generators, failures."""
    summary = run.summary
    changes = compare(summary, previous.summary if previous else None)
    lines = [
        f"# Gold-question eval: {run.label}",
        "",
        f"- run: {run.started:%Y-%m-%d %H:%M} UTC · {summary.questions} questions "
        f"({summary.answerable} answerable, {summary.must_decline} must decline) · "
        f"generator `{run.generator}` · k = {summary.k}"
        + (" · latency measured after one warm-up call" if run.warmup else ""),
        f"- questions: `{run.questions_file}` · index: `{run.index_dir}` · corpus: "
        + (", ".join(f"`{c}`" for c in run.corpus) or "n/a"),
    ]
    if summary.errors:
        lines.append(f"- **{summary.errors} questions raised an error** (counted as wrong answers)")
    if previous:
        lines.append(
            f"- previous run: {previous.started:%Y-%m-%d %H:%M} UTC, {previous.summary.questions} "
            "questions; metrics that got worse are marked ▼"
        )
    gate = "PASS" if not failures else "FAIL: " + "; ".join(f.message() for f in failures)
    lines += [f"- gate: **{gate}**", "", "## Summary", ""]
    lines += _summary_rows(summary, changes, previous is not None, thresholds)
    lines += ["", "## By category", ""]
    lines += _group_rows(run.categories, previous.categories if previous else {}, "category")
    lines += ["", "## By generator", ""]
    lines += _group_rows(run.generators, previous.generators if previous else {}, "generator")
    if previous:
        worse, better = regressed_questions(run, previous), fixed_questions(run, previous)
        lines += ["", "## Changes since the previous run", ""]
        lines.append(f"- ▼ regressed (passed before, fail now): {', '.join(worse) or 'none'}")
        lines.append(f"- fixed (failed before, pass now): {', '.join(better) or 'none'}")
    lines += ["", "## Failing questions", ""]
    failing = [r for r in run.results if not r.passed or r.retrieval_hit is False]
    if not failing:
        lines.append("None: every question passed.")
    for r in failing:
        lines.append(f"- **{r.id}** ({r.category}): {'; '.join(r.reasons())}")
        lines.append(
            f"  - asked: {r.question}" + (f" → searched: {r.searched}" if r.searched != r.question else "")
        )
        lines.append(f"  - answer: {_clip(r.text)}")
    lines += ["", "## Chart", "", "![scores per category](scores.png)", ""]
    return "\n".join(lines)


def format_summary_table(
    summary: Summary, failures: list[GateFailure], thresholds: tuple[Threshold, ...] | None = None
) -> str:
    """Plain-text table for the terminal: metric, value, threshold, pass/fail (gold gates by default)."""
    failed = {f.metric for f in failures}
    gates = BY_METRIC if thresholds is None else {t.metric: t for t in thresholds}
    rows = [("metric", "value", "n", "threshold", "gate")]
    for key, label, _ in METRICS:
        metric = summary.metrics[key]
        threshold = gates.get(key)
        verdict = (
            ""
            if threshold is None
            else ("n/a" if metric.value is None else "FAIL" if key in failed else "pass")
        )
        rows.append(
            (
                label,
                fmt(key, metric.value),
                _count(key, summary),
                threshold.describe() if threshold else "",
                verdict,
            )
        )
    return _table(rows)


def format_group_table(groups: dict[str, Summary], title: str = "category") -> str:
    """Plain-text table of the main metrics per category (or generator)."""
    rows = [(title, "n", *(name for _, name in CATEGORY_COLUMNS))]
    for name, summary in groups.items():
        rows.append((name, str(summary.questions), *(fmt(k, summary.value(k)) for k, _ in CATEGORY_COLUMNS)))
    return _table(rows)


def fmt(key: str, value: float | None) -> str:
    """A metric value for display: 3 decimals, milliseconds as integers, n/a when missing."""
    if value is None:
        return "n/a"
    return f"{value:.0f}" if key.startswith("latency") else f"{value:.3f}"


def _summary_rows(
    summary: Summary,
    changes: dict[str, Change],
    has_previous: bool,
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> list[str]:
    """Markdown rows of the summary table, regressions marked ▼ and in bold."""
    rows = [
        "| metric | value | n | previous | change | threshold | gate |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    failed = {f.metric for f in check_gate(summary, thresholds)}
    by_metric = {t.metric: t for t in thresholds}
    for key, label, _ in METRICS:
        value = summary.value(key)
        change = changes[key]
        shown = fmt(key, value)
        delta = (
            ""
            if change.delta is None
            else f"{change.delta:+.3f}"
            if not key.startswith("latency")
            else f"{change.delta:+.0f}"
        )
        if change.regressed:
            shown, delta = f"▼ **{shown}**", f"**{delta}**"
        threshold = by_metric.get(key)
        verdict = (
            ""
            if threshold is None
            else ("n/a" if value is None else "❌ fail" if key in failed else "✅ pass")
        )
        previous = fmt(key, change.before) if has_previous else ""
        rows.append(
            f"| {label.strip()} | {shown} | {_count(key, summary)} | {previous} | {delta} | "
            f"{threshold.describe() if threshold else ''} | {verdict} |"
        )
    return rows


def _group_rows(groups: dict[str, Summary], before: dict[str, Summary], title: str) -> list[str]:
    """Markdown rows per group, metrics that got worse since the previous run marked ▼."""
    header = f"| {title} | n | " + " | ".join(name for _, name in CATEGORY_COLUMNS) + " |"
    rows = [header, "|---|---:|" + "---:|" * len(CATEGORY_COLUMNS)]
    for name, summary in groups.items():
        changes = compare(summary, before.get(name))
        cells = []
        for key, _ in CATEGORY_COLUMNS:
            shown = fmt(key, summary.value(key))
            cells.append(f"▼ **{shown}**" if changes[key].regressed else shown)
        rows.append(f"| {name} | {summary.questions} | " + " | ".join(cells) + " |")
    return rows


def _count(key: str, summary: Summary) -> str:
    """'56/59' for a ratio metric, the number of timings for latency."""
    metric = summary.metrics[key]
    if key.startswith("latency") or key == "mrr":
        return str(metric.total)
    return f"{metric.hits:g}/{metric.total}"


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned text columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def _clip(text: str, limit: int = 240) -> str:
    """One line of at most limit characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
