"""Compare gold items: run compare() on each, score its columns and silent outlets, and gate.

Metric definitions (over the items of category `compare`; outlet names compared case-insensitively):
- compare outlet recall: expected outlets (gold `outlets`) that got a column / expected outlets.
- compare outlet precision: columns of expected outlets / columns (an outlet with nothing
  relevant that still got a column counts against it).
- compare silent recall: expected silent outlets (gold `silent`) listed as silent / expected ones.
- compare quotes verbatim: citations whose quote stands in the cited article / citations.
- compare items right: items whose columns are exactly the expected outlets, whose silent outlets
  include every expected silent one, and whose every citation is verbatim and from its column's outlet.
The metrics above are over each item's own wording; each item's `paraphrases` (other wordings of the
same question) are run too and held to the same outlets:
- compare paraphrase outlet recall / precision / silent recall: as above, over the paraphrases.
- compare false silent: expected outlets listed as silent / expected outlets, over every wording
  ("silent" is a claim about an outlet and must be true however the question is put).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from assistant.evaluation.metrics import ArticleLookup, Metric, Summary
from assistant.evaluation.questions import GoldQuestion
from assistant.evaluation.thresholds import COMPARE_TARGETS, COMPARE_THRESHOLDS, GateFailure, check_gate
from assistant.news.comparison import Comparison
from assistant.text import contains_verbatim

COMPARE_CATEGORY = "compare"  # gold items of this category go to compare(), not ask()
CompareFn = Callable[..., Comparison]


class CompareResult(BaseModel):
    """One compare item: what was expected and what compare() returned."""

    id: str
    question: str
    expected: list[str]
    expected_silent: list[str]
    paraphrase: bool = Field(default=False, description="asked in other words than the item's own")
    columns: list[str] = Field(default_factory=list)
    silent: list[str] = Field(default_factory=list)
    unclear: list[str] = Field(default_factory=list, description="neither a column nor silent")
    citations: int = 0
    verbatim: int = 0
    misplaced: int = Field(default=0, description="citations whose outlet is not their column's")
    error: str | None = None

    @property
    def false_silent(self) -> set[str]:
        """The expected outlets that compare() listed as silent (case-folded)."""
        return _folded(self.expected) & _folded(self.silent)

    @property
    def right(self) -> bool:
        """Exactly the expected columns, every expected silent outlet silent, every quote verbatim."""
        return (
            self.error is None
            and _folded(self.columns) == _folded(self.expected)
            and _folded(self.expected_silent) <= _folded(self.silent)
            and self.verbatim == self.citations
            and not self.misplaced
        )


def _folded(names: Sequence[str]) -> set[str]:
    """Outlet names in case-folded form."""
    return {n.casefold() for n in names}


def score_item(gold: GoldQuestion, comparison: Comparison | None, lookup: ArticleLookup,
               error: str | None = None, paraphrase: bool = False) -> CompareResult:  # fmt: skip
    """Score one compare item's Comparison (None when compare() raised)."""
    result = CompareResult(id=gold.id, question=gold.question, expected=gold.outlets,
                           expected_silent=gold.silent, error=error, paraphrase=paraphrase)  # fmt: skip
    if comparison is None:
        return result
    result.columns = [c.outlet for c in comparison.outlets]
    result.silent = list(comparison.silent)
    result.unclear = list(comparison.unclear)
    for column in comparison.outlets:
        for citation in column.citations:
            result.citations += 1
            article = lookup(citation.article_id)
            text = article.text if article else ""
            if text[citation.start : citation.end] == citation.quote or contains_verbatim(
                text, citation.quote
            ):
                result.verbatim += 1
            if citation.outlet != column.outlet:
                result.misplaced += 1
    return result


def summarise_compare(results: Sequence[CompareResult]) -> Summary:
    """The compare metrics over the items (own wordings) and their paraphrases, as a Summary the
    gate can check."""
    own = [r for r in results if not r.paraphrase]
    metrics = _column_metrics(own, "compare")
    metrics.update(_column_metrics([r for r in results if r.paraphrase], "compare_paraphrase"))
    metrics["compare_false_silent"] = _ratio(
        sum(len(r.false_silent) for r in results), sum(len(r.expected) for r in results)
    )
    errors = sum(r.error is not None for r in results)
    return Summary(questions=len(results), answerable=len(results), must_decline=0, errors=errors, k=0,
                   metrics=metrics)  # fmt: skip


def _column_metrics(results: Sequence[CompareResult], prefix: str) -> dict[str, Metric]:
    """Outlet recall, precision and silent recall (and, for the own wordings, verbatim and items
    right) over some results, each key starting with prefix."""
    expected = sum(len(r.expected) for r in results)
    columns = sum(len(r.columns) for r in results)
    hits = sum(len(_folded(r.columns) & _folded(r.expected)) for r in results)
    silent_expected = sum(len(r.expected_silent) for r in results)
    silent_hits = sum(len(_folded(r.expected_silent) & _folded(r.silent)) for r in results)
    citations = sum(r.citations for r in results)
    return {
        f"{prefix}_outlet_recall": _ratio(hits, expected),
        f"{prefix}_outlet_precision": _ratio(hits, columns),
        f"{prefix}_silent_recall": _ratio(silent_hits, silent_expected),
        f"{prefix}_verbatim": _ratio(sum(r.verbatim for r in results), citations),
        f"{prefix}_items_right": _ratio(sum(r.right for r in results), len(results)),
    }


def _ratio(hits: float, total: int) -> Metric:
    """hits / total, None when there is nothing to measure."""
    return Metric(value=hits / total if total else None, hits=hits, total=total)


def run_compare_items(
    items: Sequence[GoldQuestion], compare: CompareFn, lookup: ArticleLookup
) -> list[CompareResult]:
    """compare() each item, then each of its paraphrases, with its filters and score it (one
    failing item does not stop the rest)."""
    results = []
    for gold in items:
        results.append(_run_one(gold, compare, lookup))
        for number, wording in enumerate(gold.paraphrases, start=1):
            reworded = gold.model_copy(update={"id": f"{gold.id}~{number}", "question": wording})
            results.append(_run_one(reworded, compare, lookup, paraphrase=True))
    return results


def _run_one(
    gold: GoldQuestion, compare: CompareFn, lookup: ArticleLookup, paraphrase: bool = False
) -> CompareResult:
    """compare() one wording of an item with its filters and score it."""
    filters = gold.filters
    comparison, error = None, None
    try:
        comparison = compare(
            gold.question,
            outlets=filters.outlets if filters and filters.outlets else None,
            since=filters.since if filters else None,
            until=filters.until if filters else None,
        )
    except Exception as exc:  # scored as an error, like ask() errors in the main run
        error = f"{type(exc).__name__}: {exc}"
    return score_item(gold, comparison, lookup, error, paraphrase)


def report_compare(results: Sequence[CompareResult]) -> list[GateFailure]:
    """Print the compare metrics and the items that went wrong; return the gate failures."""
    summary = summarise_compare(results)
    failures = check_gate(summary, COMPARE_THRESHOLDS)
    failed = {f.metric for f in failures}
    own = sum(not r.paraphrase for r in results)
    others = f" (+{len(results) - own} paraphrases)" if own < len(results) else ""
    print(f"\n== compare: {own} items{others} ==\n")
    gates = {t.metric: t for t in COMPARE_THRESHOLDS}
    targets = {t.metric: t for t in COMPARE_TARGETS}
    for name, metric in summary.metrics.items():
        value = "n/a" if metric.value is None else f"{metric.value:.3f}"
        gate, target = gates.get(name), targets.get(name)
        mark = ("FAIL" if name in failed else "ok") if gate else ""
        aim = ""
        if target and metric.value is not None:
            aim = f"(target {target.describe()}{'' if target.passes(metric.value) else ': not met'})"
        print(f"  {name:<36} {value:>6}  ({metric.hits:g}/{metric.total})  "
              f"{gate.describe() if gate else '':<8} {mark:<4} {aim}".rstrip())  # fmt: skip
    for r in results:
        if not r.right:
            print(f"  {r.id}: columns {r.columns} (expected {r.expected}), silent {r.silent} "
                  f"(expected {r.expected_silent}), unclear {r.unclear}, {r.verbatim}/{r.citations} verbatim"
                  + (f", error {r.error}" if r.error else ""), file=sys.stdout)  # fmt: skip
    return failures
