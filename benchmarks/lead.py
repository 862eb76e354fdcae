"""`python -m benchmarks.lead` (make bench-lead): what the lead costs an ask().

The gold questions are asked through the real pipeline (extractive generator, the configured
index) in alternating passes, with the lead step and without it (the engine's write_lead replaced
by one that returns None, in this process only), so both are measured in the same run on the same
warm engine. The lead's quote parses and term caches are cleared before every ask, so each lead pays
its spaCy parse as a new question would. Results: benchmarks/results-lead.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant.api import get_engine
from assistant.config import PROJECT_ROOT, load_settings
from assistant.evaluation.questions import load_questions
from assistant.pipeline import engine as engine_module
from assistant.pipeline import lead as lead_module
from benchmarks.measure import machine_info, now_iso, percentile

OUT = PROJECT_ROOT / "benchmarks" / "results-lead.md"
PASSES = 3  # alternating with/without passes: enough for a stable p95 over ~70 questions
BUDGET_MS = 100.0  # issue S: ask() p95 may grow by at most this much


def run(passes: int = PASSES, out: Path = OUT) -> str:
    """Time ask() with and without the lead step; write and return the Markdown summary."""
    settings = load_settings(llm="extractive")
    engine = get_engine(settings)
    questions = [q.question for q in load_questions(PROJECT_ROOT / "eval_questions.yaml") if q.answerable]
    engine.ask(questions[0])  # load the models once
    original = engine_module.write_lead
    times: dict[str, list[float]] = {"with lead": [], "without lead": []}
    for _ in range(passes):
        for label in times:
            engine_module.write_lead = original if label == "with lead" else (lambda *a, **k: None)
            try:
                for question in questions:
                    lead_module._DOCS = lead_module.QuoteDocs()
                    lead_module.clear_term_caches()
                    started = time.perf_counter()
                    engine.ask(question)
                    times[label].append((time.perf_counter() - started) * 1000)
            finally:
                engine_module.write_lead = original
    rows = {label: (percentile(v, 50), percentile(v, 95), statistics.mean(v)) for label, v in times.items()}
    delta = rows["with lead"][1] - rows["without lead"][1]
    info = machine_info()
    lines = [
        "# The lead's cost per ask()",
        "",
        f"Run {now_iso()} on {info['cores']} cores ({info['cpu']}, load average {info['load_average']}); "
        f"{len(questions)} gold questions x {passes} passes each way,",
        "alternating, extractive generator, seed index; lead parses and caches cleared before every ask.",
        "",
        "| | p50 ms | p95 ms | mean ms |",
        "|---|---|---|---|",
        *[f"| {label} | {p50:.0f} | {p95:.0f} | {mean:.0f} |" for label, (p50, p95, mean) in rows.items()],
        "",
        f"p95 with / without: {rows['with lead'][1] / rows['without lead'][1]:.2f}x "
        f"({delta:+.0f} ms; budget {BUDGET_MS:+.0f} ms: {'met' if delta <= BUDGET_MS else 'NOT met'}).",
        "",
    ]
    text = "\n".join(lines)
    out.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=PASSES)
    args = parser.parse_args()
    print(run(args.passes))


if __name__ == "__main__":
    main()
