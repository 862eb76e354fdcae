"""The PNG chart of scores per category (matplotlib, Agg backend, imported only here)."""

from __future__ import annotations

import math
from pathlib import Path

from assistant.evaluation.metrics import LABELS, Summary
from assistant.evaluation.runner import EvalRun

CHART_METRICS = (
    "pass_rate",
    "answer_accuracy",
    "decline_recall",
    "citation_precision",
    "outlet_accuracy",
    "retrieval_recall",
)


def write_chart(run: EvalRun, path: Path, previous: EvalRun | None = None) -> Path:
    """Draw bars of the main scores per category (n/a left out), previous pass rate as ticks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, Summary] = {"all": run.summary, **run.categories}
    before: dict[str, Summary] = (
        {"all": previous.summary, **previous.categories} if previous is not None else {}
    )
    names = list(groups)
    width = 0.8 / len(CHART_METRICS)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.25 * len(names) + 2), 5.0), dpi=100)
    for index, metric in enumerate(CHART_METRICS):
        values = [_value(groups[name], metric) for name in names]
        offsets = [i - 0.4 + width * (index + 0.5) for i in range(len(names))]
        ax.bar(offsets, values, width=width, label=LABELS[metric])
        for x, value in zip(offsets, values, strict=True):
            if value == 0:  # a zero bar is invisible: say so (n/a stays blank)
                ax.text(x, 0.005, "0", ha="center", va="bottom", fontsize=7)
    if before:
        offset = -0.4 + width * 0.5
        xs = [i + offset for i, name in enumerate(names) if name in before]
        ys = [_value(before[name], "pass_rate") for name in names if name in before]
        ax.scatter(xs, ys, marker="_", s=120, color="black", zorder=3, label="passed (previous run)")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"Gold-question eval: {run.label} ({run.summary.questions} questions)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small", ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.28))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _value(summary: Summary, metric: str) -> float:
    """A metric's value for plotting: NaN (no bar) when not applicable."""
    value = summary.value(metric)
    return math.nan if value is None else value
