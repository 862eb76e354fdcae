"""Warm extractive ask() latency over the gold questions (single-turn), for comparing two checkouts.

Run from a checkout's root, the index named by ASSISTANT_INDEX_DIR already built:
    PYTHONPATH=. python -m benchmarks.ask_latency LABEL [--cpu]
Prints one JSON line: p50, mean and p90 milliseconds over two rounds of the questions. `--cpu`
times process CPU time instead of wall time (less sensitive to other processes on a busy machine).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import yaml

from assistant.api import get_engine
from assistant.config import default_settings

ROUNDS = 2  # each question twice: the second round is warm in every cache
WARM_UP = 3  # asks before timing: models loaded, Chroma's index open


def main(label: str, cpu: bool = False) -> dict[str, object]:
    """Time warm extractive asks of the gold questions; return the summary printed."""
    clock = time.process_time if cpu else time.perf_counter
    with open("eval_questions.yaml", encoding="utf-8") as handle:
        items = yaml.safe_load(handle)
    questions = [
        q["question"] for q in items if isinstance(q, dict) and "question" in q and not q.get("history")
    ]
    engine = get_engine(default_settings(), build_if_missing=False)
    for question in questions[:WARM_UP]:
        engine.ask(question, llm="extractive")
    times = []
    for _ in range(ROUNDS):
        for question in questions:
            began = clock()
            engine.ask(question, llm="extractive")
            times.append((clock() - began) * 1000)
    times.sort()
    return {
        "label": label,
        "clock": "cpu" if cpu else "wall",
        "n": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "mean_ms": round(statistics.mean(times), 1),
        "p90_ms": round(times[int(0.9 * len(times))], 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], cpu="--cpu" in sys.argv)))
