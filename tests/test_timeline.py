"""Coverage over time: counts per outlet per week or month, its table, and the real seed index."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.news.timeline import count_coverage
from index.models import Credit


def art(outlet: str, day: date | None) -> Credit:
    """An article credit for counting."""
    return Credit(outlet=outlet, published=day, source=f"{outlet}-{day}.txt")


def test_a_short_span_is_counted_per_week_with_empty_weeks_kept() -> None:
    found = count_coverage([art("A", date(2020, 3, 2)), art("A", date(2020, 3, 4)),
                            art("B", date(2020, 3, 18)), art("B", None)])  # fmt: skip
    assert found.period == "week"
    assert found.periods == ["2020-03-02", "2020-03-09", "2020-03-16"]
    assert {o.outlet: o.counts for o in found.outlets} == {"A": [2, 0, 0], "B": [0, 0, 1]}
    assert found.undated == {"B": 1} and found.total == 4


def test_a_long_span_is_counted_per_month() -> None:
    found = count_coverage(
        [art("A", date(2016, 12, 28)), art("B", date(2017, 3, 10)), art("A", date(2017, 7, 31))]
    )
    assert found.period == "month"
    months = ["2016-12", "2017-01", "2017-02", "2017-03", "2017-04", "2017-05", "2017-06", "2017-07"]
    assert found.periods == months
    assert found.rows() == [
        ["outlet", *months, "total"],
        ["A", "1", "0", "0", "0", "0", "0", "0", "1", "2"],
        ["B", "0", "0", "0", "1", "0", "0", "0", "0", "1"],
    ]
    assert found.to_csv().splitlines()[1] == "A,1,0,0,0,0,0,0,1,2"
    assert found.to_markdown().splitlines()[2] == "| A | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 2 |"


def test_nothing_matching_gives_an_empty_table() -> None:
    found = count_coverage([])
    assert found.periods == [] and found.outlets == [] and found.total == 0
    assert found.rows() == [["outlet", "total"]]


@pytest.mark.integration
def test_coverage_of_the_seed_index_counts_every_article_by_month(seed_settings) -> None:  # type: ignore[no-untyped-def]
    from assistant import coverage

    found = coverage(settings=seed_settings)
    assert found.period == "month" and found.total == 5
    assert found.periods[0] == "2016-12" and found.periods[-1] == "2020-03" and len(found.periods) == 40
    dated = {o.outlet: o.total for o in found.outlets}
    assert dated == {"Devdiscourse (PTI)": 1, "Press TV": 0, "Sputnik International": 0, "TASS": 1}
    assert found.undated == {"Press TV": 2, "Sputnik International": 1}  # the seeds give them no date
    assert found.rows()[2] == ["Press TV", *["0"] * 40, "2", "2"]
    only = coverage(outlets=["TASS"], until=date(2017, 1, 1), settings=seed_settings)
    assert [(o.outlet, o.counts) for o in only.outlets] == [("TASS", [1])] and only.periods == ["2016-12-26"]
