"""The corpus panel: the articles table, articles per outlet over time, and uploads."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from assistant import Settings, index_paths, list_articles
from ui.handlers import friendly_error
from ui.render import ArticleLike, format_date, render_status

UPLOAD_TYPES = (".txt", ".html", ".htm", ".jsonl")
_UPLOADED = re.compile(r"(?:[^\s:]*/)?\.uploads/[0-9a-f]{12}_")  # a saved upload's path prefix
MAX_OUTLETS = 8  # the chart's legend names this many outlets, the rest are "other outlets"
MAX_PERIODS = 40
# Past this many bars the period labels are turned 45 degrees so that they do not overlap.
UPRIGHT_LABELS = 8
# Up to two years the chart counts articles per month; longer spans per year.
MONTHLY_MAX_SPAN_DAYS = 730
OTHER_OUTLETS = "other outlets"
TABLE_HEADERS = ["Outlet", "Date", "Headline", "Source"]


def article_rows(articles: Sequence[ArticleLike]) -> list[list[str]]:
    """One row per article: outlet, date (or 'date not stated'), headline, source."""
    return [
        [a.outlet or "Unknown outlet", format_date(a.published), a.title or "Untitled", a.source]
        for a in articles
    ]


def outlet_names(articles: Sequence[ArticleLike]) -> list[str]:
    """The outlets in the corpus, sorted, for the outlet filter."""
    return sorted({a.outlet for a in articles if a.outlet})


def articles_chart(articles: Sequence[ArticleLike]) -> Figure:
    """Stacked bars of articles per outlet per year (or month for short spans), undated apart."""
    dated = [a.published for a in articles if a.published]
    by_month = bool(dated) and (max(dated) - min(dated)).days <= MONTHLY_MAX_SPAN_DAYS

    def period(a: ArticleLike) -> str:
        if a.published is None:
            return "no date"
        return a.published.strftime("%Y-%m") if by_month else str(a.published.year)

    names = Counter(a.outlet or "Unknown outlet" for a in articles)
    shown = {name for name, _ in names.most_common(MAX_OUTLETS)}

    def outlet(a: ArticleLike) -> str:
        name = a.outlet or "Unknown outlet"
        return name if name in shown else OTHER_OUTLETS

    counts = Counter((period(a), outlet(a)) for a in articles)
    periods = _periods(min(dated), max(dated), by_month) if dated else []
    if len(periods) > MAX_PERIODS:  # a stray date far off: show only the periods with articles
        periods = sorted({p for p, _ in counts if p != "no date"})
    if any(p == "no date" for p, _ in counts):
        periods.append("no date")
    outlets = sorted({o for _, o in counts}, key=lambda o: (o == OTHER_OUTLETS, o))
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.subplots()
    bottoms = [0] * len(periods)
    for outlet in outlets:
        heights = [counts.get((p, outlet), 0) for p in periods]
        axes.bar(periods, heights, bottom=bottoms, label=outlet)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.set_ylabel("articles")
    axes.set_title("Articles per outlet over time")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if outlets:
        axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if len(periods) > UPRIGHT_LABELS:
        axes.tick_params(axis="x", labelrotation=45)
    if not articles:
        axes.text(0.5, 0.5, "no articles indexed yet", ha="center", transform=axes.transAxes)
    return figure


def _periods(first: date, last: date, by_month: bool) -> list[str]:
    """Every year (or month) from first to last, so gaps in time show as gaps."""
    if not by_month:
        return [str(year) for year in range(first.year, last.year + 1)]
    months = (last.year - first.year) * 12 + last.month - first.month
    return [
        f"{first.year + (first.month - 1 + i) // 12}-{(first.month - 1 + i) % 12 + 1:02d}"
        for i in range(months + 1)
    ]


def safe_name(name: str) -> str:
    """A file name reduced to letters, digits, dots, dashes and underscores."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload"
    return stem[-80:]


@dataclass
class SavedUploads:
    """The files copied into the uploads folder, and those refused with the reason."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def save_uploads(files: Sequence[str | Path], target: Path, max_mb: int) -> SavedUploads:
    """Copy uploaded files into the uploads folder under safe names; refuse wrong or big ones."""
    result = SavedUploads()
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    limit = max_mb * 1024 * 1024
    for item in files:
        source = Path(item)
        name = safe_name(source.name)
        if source.suffix.lower() not in UPLOAD_TYPES:
            result.rejected.append(f"{name}: not a {', '.join(UPLOAD_TYPES)} file, so not indexed")
            continue
        size = source.stat().st_size
        if size > limit:
            result.rejected.append(
                f"{name}: {size / 1024 / 1024:.1f} MB is over the {max_mb} MB upload limit "
                "(ASSISTANT_MAX_UPLOAD_MB)"
            )
            continue
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
        destination = (target / f"{digest}_{name}").resolve()
        if destination.parent != root:
            result.rejected.append(f"{name}: refused, it would be saved outside the uploads folder")
            continue
        shutil.copyfile(source, destination)
        result.saved.append(destination)
    return result


def uploads_dir(settings: Settings) -> Path:
    """Where uploads are kept: '.uploads' next to the index directory."""
    return settings.index_dir.parent / ".uploads"


class CorpusHandlers:
    """The corpus panel's handlers over one Settings (and so one index)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def refresh(self) -> tuple[Any, ...]:
        """The articles table, chart and outlet-filter choices as the index holds them now."""
        articles = list_articles(self.settings)
        return (
            article_rows(articles),
            articles_chart(articles),
            gr.update(choices=outlet_names(articles)),
        )

    def upload(
        self,
        files: list[str] | None,
        progress: Any = gr.Progress(),  # noqa: B008 - how Gradio injects its progress bar
    ) -> tuple[Any, ...]:
        """Save and index uploaded files with visible progress; report what happened to each."""
        if not files:
            message = render_status(["Choose one or more .txt, .html or .jsonl files first."])
            return message, gr.skip(), gr.skip(), gr.skip()
        lines: list[str] = []
        kind = "info"
        try:
            progress(0, desc="Saving uploads")
            saved = save_uploads(files, uploads_dir(self.settings), self.settings.max_upload_mb)
            lines += [f"Refused {reason}" for reason in saved.rejected]
            if saved.saved:

                def on_progress(done: int, total: int) -> None:
                    progress((done, total), desc="Indexing articles", unit="articles")

                report = index_paths(saved.saved, settings=self.settings, on_progress=on_progress)
                lines.insert(0, report.summary())
                lines += [f"Skipped {problem}" for problem in report.problems]
                lines += [f"Duplicate, skipped: {dup}" for dup in report.duplicates]
                if report.problems or saved.rejected:
                    kind = "warning"
            else:
                kind = "error"
                lines.insert(0, "Nothing was indexed.")
        except Exception as exc:  # the UI edge: errors become messages
            kind = "error"
            lines.insert(0, f"Indexing failed: {friendly_error(exc)}")
            lines.append("The articles indexed before are still there; nothing else was lost.")
        if kind != "info":
            gr.Warning(lines[0])
        table, chart, outlets = self.refresh()
        lines = [_UPLOADED.sub("", line) for line in lines]
        return render_status(lines, kind), table, chart, outlets
