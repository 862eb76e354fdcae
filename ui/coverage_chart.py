"""The coverage chart: matching articles per period as stacked bars (one colour per outlet), in
calendar bins wide enough to read, as inline SVG; fewer than MIN_CHART_PERIODS periods get none."""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant import Coverage
from ui.render import esc

# Chart geometry in SVG user units: room for the period labels below and the counts at the left.
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 220, 36
# Outlet colours for the chart, reused in order (colour-blind-safe Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Two periods or fewer say nothing a table does not: the chart needs a trend to show.
MIN_CHART_PERIODS = 3
# At most this many bars: (640 - 2 x 36) / 24 leaves about 24 units a bar, wide enough to see.
MAX_BARS = 24
# A bar never gets wider than this, so three periods do not draw three slabs.
MAX_BAR_WIDTH = 48
# Period labels are about 60 units wide at font size 10: at most this many fit under the chart.
MAX_LABELS = 8
# Months merge into quarters, half-years, then years: units a reader knows.
MONTH_BINS = (1, 3, 6, 12)
EMPTY_CHART = '<div class="nc-empty">No dated articles to chart.</div>'


@dataclass(frozen=True)
class ChartBin:
    """One bar: its label, the periods it spans (for the tooltip) and each outlet's count."""

    label: str
    span: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        """All articles in the bar."""
        return sum(self.counts)


def chart_bins(found: Coverage) -> list[ChartBin]:
    """The coverage's periods merged into at most MAX_BARS calendar bins, in order."""
    size = _bin_size(found)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(found.periods):
        key = _month_index(label) // size if found.period == "month" else i // size
        groups.setdefault(key, []).append(i)
    bins = []
    for key, members in groups.items():
        counts = tuple(sum(row.counts[i] for i in members) for row in found.outlets)
        first, last = found.periods[members[0]], found.periods[members[-1]]
        label = _month_label(key, size) if found.period == "month" else first
        bins.append(ChartBin(label, first if first == last else f"{first} to {last}", counts))
    return bins


def bar_unit(found: Coverage) -> str:
    """What one bar of the chart counts: 'month', 'quarter', 'half-year', 'year', '5 years', or
    the coverage's own period ('week', '3 weeks') when it is not months."""
    size = _bin_size(found)
    if found.period != "month":
        return found.period if size == 1 else f"{size} {found.period}s"
    named = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}
    return named.get(size, f"{size // 12} years")


def _bin_size(found: Coverage) -> int:
    """Periods per bar: the smallest calendar unit that keeps the bars at MAX_BARS or fewer."""
    count = len(found.periods)
    if found.period != "month":
        return max(1, math.ceil(count / MAX_BARS))
    first = _month_index(found.periods[0]) if found.periods else 0
    for size in MONTH_BINS:
        if _month_bins(first, count, size) <= MAX_BARS:
            return size
    years = 1
    while _month_bins(first, count, 12 * years) > MAX_BARS:
        years += 1
    return 12 * years


def _month_bins(first: int, count: int, size: int) -> int:
    """How many calendar bins of `size` months `count` months from month index `first` touch."""
    return (first + count - 1) // size - first // size + 1


def _month_index(label: str) -> int:
    """'2017-03' as a count of months since year 0."""
    year, month = label.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def _month_label(key: int, size: int) -> str:
    """The label of calendar bin `key` of `size` months: 2017-03, 2017 Q1, 2017 H1, 2017, 2010-2014."""
    year, month = divmod(key * size, 12)
    if size == 1:
        return f"{year}-{month + 1:02d}"
    if size < 12:
        return f"{year} {'Q' if size == 3 else 'H'}{month // size + 1}"
    return str(year) if size == 12 else f"{year}-{year + size // 12 - 1}"


def coverage_svg(found: Coverage) -> str:
    """Matching articles per period as stacked bars, one colour per outlet, as inline SVG; empty
    when there are fewer than MIN_CHART_PERIODS periods (the table says it all)."""
    if not found.periods or not found.outlets:
        return EMPTY_CHART
    bins = chart_bins(found)
    if len(bins) < MIN_CHART_PERIODS:
        return ""
    peak = max(b.total for b in bins) or 1
    width, height, pad = CHART_WIDTH, CHART_HEIGHT, CHART_PAD
    slot = (width - 2 * pad) / len(bins)
    bar = min(slot * 0.8, MAX_BAR_WIDTH)
    step = math.ceil(len(bins) / MAX_LABELS)
    shapes = []
    for i, item in enumerate(bins):
        x = pad + i * slot + (slot - bar) / 2
        shapes += _stack(item, found, x, bar, (height - 2 * pad) / peak)
        if (len(bins) - 1 - i) % step == 0:  # counted from the last bar, so the last is labelled
            shapes.append(f'<text x="{x + bar / 2:.1f}" y="{height - pad + 14}" font-size="10" '
                          f'text-anchor="middle">{esc(item.label)}</text>')  # fmt: skip
    legend = "".join(
        f'<text x="{pad + j * 150}" y="14" font-size="11" fill="{PALETTE[j % len(PALETTE)]}">■ '
        f"{esc(row.outlet)}</text>"
        for j, row in enumerate(found.outlets)
    )
    axis = (
        f'<text x="4" y="{pad}" font-size="10">{peak}</text>'
        f'<text x="4" y="{height - pad}" font-size="10">0</text>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>'
    )
    return (
        f'<svg class="nc-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="Matching articles per {esc(found.period)}">{legend}{axis}{"".join(shapes)}</svg>'
    )


def _stack(item: ChartBin, found: Coverage, x: float, width: float, unit: float) -> list[str]:
    """One bar: a segment per outlet with articles in it, bottom up, each with its tooltip."""
    shapes, base = [], CHART_HEIGHT - CHART_PAD
    for j, (row, value) in enumerate(zip(found.outlets, item.counts, strict=True)):
        if not value:
            continue
        h = unit * value
        base -= h
        shapes.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{width:.1f}" height="{h:.1f}" '
                      f'fill="{PALETTE[j % len(PALETTE)]}"><title>{esc(row.outlet)}, {esc(item.span)}: '
                      f"{value}</title></rect>")  # fmt: skip
    return shapes
