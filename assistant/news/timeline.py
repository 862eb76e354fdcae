"""Coverage over time: the articles matching a question or filters, counted per outlet per period."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from assistant.news.comparison import Comparison, compare_with
from assistant.pipeline.engine import Engine
from assistant.types import ArticleRef
from index.models import ArticleMeta, Credit
from index.store import SearchFilter

Period = Literal["week", "month"]
# Up to this many days between the first and last article, weeks give a readable number of bars
# (at most about 26); beyond it, months do.
WEEKLY_MAX_SPAN_DAYS = 183
UNDATED = "date not stated"  # the table column of articles whose page gives no date


class OutletCounts(BaseModel):
    """One outlet's number of matching articles in each period (same order as Coverage.periods)."""

    outlet: str
    counts: list[int]

    @property
    def total(self) -> int:
        """All of this outlet's matching articles, undated ones included."""
        return sum(self.counts)


class Coverage(BaseModel):
    """Matching articles per outlet per week or month, for a chart and a table."""

    question: str | None = None
    period: Period
    periods: list[str] = Field(description="period labels: the Monday of each week (ISO) or YYYY-MM")
    outlets: list[OutletCounts] = Field(default_factory=list)
    undated: dict[str, int] = Field(default_factory=dict, description="articles with no date, per outlet")

    @property
    def total(self) -> int:
        """Every matching article counted."""
        return sum(o.total for o in self.outlets) + sum(self.undated.values())

    def rows(self, nonempty_only: bool = False) -> list[list[str]]:
        """The table: a header (outlet, each period, undated, total), then one row per outlet;
        with nonempty_only, the periods no outlet has an article in are left out."""
        keep = [
            i for i in range(len(self.periods)) if not nonempty_only or any(o.counts[i] for o in self.outlets)
        ]
        header = (
            ["outlet", *(self.periods[i] for i in keep)] + ([UNDATED] if self.undated else []) + ["total"]
        )
        body = []
        for row in self.outlets:
            undated = self.undated.get(row.outlet, 0)
            extra = [str(undated)] if self.undated else []
            body.append([row.outlet, *(str(row.counts[i]) for i in keep), *extra, str(row.total + undated)])
        return [header, *body]

    def to_csv(self) -> str:
        """The table as CSV."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.rows())
        return out.getvalue()

    def to_markdown(self, nonempty_only: bool = False) -> str:
        """The table as a Markdown table (without the periods nothing was published in, if asked)."""
        header, *body = self.rows(nonempty_only)
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
        return "\n".join(lines)


def count_coverage(articles: Iterable[Credit | ArticleMeta], question: str | None = None) -> Coverage:
    """Count articles per outlet per week or month (weeks when the dates span half a year or less)."""
    items = [a for a in articles if a.outlet]
    dated = [a.published for a in items if a.published]
    period: Period = "week"
    if dated and (max(dated) - min(dated)).days > WEEKLY_MAX_SPAN_DAYS:
        period = "month"
    labels = _periods(min(dated), max(dated), period) if dated else []
    position = {label: i for i, label in enumerate(labels)}
    counts: dict[str, list[int]] = {}
    undated: dict[str, int] = {}
    for article in items:
        outlet = str(article.outlet)
        row = counts.setdefault(outlet, [0] * len(labels))
        if article.published is None:
            undated[outlet] = undated.get(outlet, 0) + 1
        else:
            row[position[_label(article.published, period)]] += 1
    outlets = [OutletCounts(outlet=o, counts=c) for o, c in sorted(counts.items())]
    return Coverage(question=question, period=period, periods=labels, outlets=outlets, undated=undated)


def _label(day: date, period: Period) -> str:
    """The period a day falls in: its week's Monday, or its month."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return (day - timedelta(days=day.weekday())).isoformat()


def _periods(first: date, last: date, period: Period) -> list[str]:
    """Every period label from the first day's to the last day's, empty ones included."""
    labels: list[str] = []
    day, end = first, _label(last, period)
    while (label := _label(day, period)) <= end:  # ISO labels sort as dates do
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=7 if period == "week" else 28)  # 28: never skips a month
    return labels


def comparison_coverage(comparison: Comparison) -> Coverage:
    """Coverage of the articles a comparison found matching, per outlet per week or month."""
    matched: list[ArticleRef] = [a for column in comparison.outlets for a in column.articles]
    return count_coverage(matched, comparison.question)


def coverage_with(
    engine: Engine,
    question: str | None = None,
    *,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Coverage:
    """Coverage in one engine's index: of a question's matching articles, or of the filters alone."""
    if question:
        return comparison_coverage(compare_with(engine, question, outlets=outlets, since=since, until=until))
    wanted = SearchFilter(tuple(outlets or ()), since, until)
    return count_coverage(a for a in engine.store.article_metas() if wanted.admits(a))
