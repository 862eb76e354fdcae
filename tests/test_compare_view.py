"""The compare view's HTML: columns, silent outlets, disagreements, chart and table, all escaped."""

from __future__ import annotations

import re
from datetime import date

from assistant import Comparison, OutletCoverage
from assistant.news.disagreement import Disagreement
from assistant.news.timeline import count_coverage
from assistant.types import Citation
from index.models import Credit
from ui.compare_view import (
    CompareHandlers,
    compare_citation,
    coverage_svg,
    coverage_table,
    render_comparison,
    render_coverage,
)

HOSTILE = '<img src=x onerror="alert(1)"> 12 posts'


def cite(number: int, outlet: str, quote: str, published: date | None = None) -> Citation:
    """A citation for rendering."""
    return Citation(number=number, outlet=outlet, title="Headline <b>", published=published, quote=quote,
                    source="s.txt", start=0, end=len(quote))  # fmt: skip


def comparison() -> Comparison:
    """Two columns, one silent outlet and one disagreement."""
    a = cite(1, "TASS", HOSTILE, date(2016, 12, 28))
    b = cite(2, "Press TV", "Turkey set up 10 posts.")
    return Comparison(
        question="How many posts?",
        outlets=[
            OutletCoverage(outlet="TASS", answerability=0.9, citations=[a]),
            OutletCoverage(outlet="Press TV", answerability=0.8, citations=[b]),
        ],
        silent=["Sputnik <International>"],
        disagreements=[
            Disagreement(kind="number", first="12", second="10", first_citation=a, second_citation=b)
        ],
    )


def test_each_outlet_gets_a_column_with_its_quotes_dates_and_headlines_escaped() -> None:
    html = render_comparison(comparison())
    assert html.count('class="nc-column"') == 2
    assert 'data-outlet="TASS"' in html and "28 Dec 2016" in html and "date not stated" in html
    assert "<img" not in html and "&lt;img" in html and "Headline &lt;b&gt;" in html
    assert "Nothing relevant from:</b> Sputnik &lt;International&gt;" in html
    assert "nc-disagreement" in html and "“12” (TASS [1]) vs “10” (Press TV [2])" in html


def test_no_column_says_so_and_every_outlet_covering_says_none_silent() -> None:
    empty = render_comparison(Comparison(question="q", silent=["TASS"]))
    assert "No outlet in the index has anything relevant." in empty and "nc-column" not in empty
    full = render_comparison(comparison().model_copy(update={"silent": []}))
    assert "none: every outlet covers it" in full


def test_chart_stacks_each_outlets_articles_per_period_and_the_table_skips_empty_periods() -> None:
    days = [("A", date(2020, 3, 2)), ("B", date(2020, 3, 20)), ("B", None)]
    found = count_coverage([Credit(outlet=outlet, published=day) for outlet, day in days])
    svg = coverage_svg(found)
    assert svg.startswith("<svg") and svg.count("<rect") == 2  # one segment per outlet with articles
    assert "<title>A, 2020-03-02: 1</title>" in svg
    table = coverage_table(found)
    assert "2020-03-09" not in table and "2020-03-16" in table and "date not stated" in table
    assert "No dated articles" in coverage_svg(count_coverage([]))


def test_one_article_gets_the_table_alone_not_one_giant_bar() -> None:
    html = render_coverage(count_coverage([Credit(outlet="TASS", published=date(2016, 12, 28))]))
    assert "<svg" not in html and "<rect" not in html
    assert '<table class="nc-table">' in html and "TASS" in html


def test_forty_months_are_binned_into_bars_wide_enough_to_see_with_the_last_period_labelled() -> None:
    days = [date(2016 + (11 + m) // 12, (11 + m) % 12 + 1, 5) for m in range(40)]  # Dec 2016 on
    found = count_coverage(
        [Credit(outlet="TASS" if i % 3 else "Press TV", published=d) for i, d in enumerate(days)]
    )
    assert len(found.periods) == 40 and found.periods[-1] == "2020-03"
    svg = coverage_svg(found)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths and min(widths) >= 12 and max(widths) <= 48
    labels = re.findall(r"<text [^>]*text-anchor=\"middle\">([^<]+)</text>", svg)
    assert 2 <= len(labels) <= 8 and labels[-1] == "2020 Q1"
    assert "<title>TASS, 2020-01 to 2020-03: 2</title>" in svg


def test_quotes_show_their_speaker_and_open_their_article_with_the_headline_once_per_article() -> None:
    def quote(number: int, speaker: str | None) -> Citation:
        """Quote n of article a1."""
        return Citation(number=number, outlet="TASS", title="Kremlin on Turkey", published=date(2016, 12, 28),
                        quote=f"Quote {number}.", source="a.txt", start=0, end=8, article_id="a1",
                        speaker=speaker)  # fmt: skip

    column = OutletCoverage(
        outlet="TASS", answerability=0.9, citations=[quote(1, "Dmitry Peskov"), quote(2, None)]
    )
    html = render_comparison(Comparison(question="q", outlets=[column]))
    assert html.count("Kremlin on Turkey") == 1 and html.count("28 Dec 2016") == 1
    assert '<span class="na-speaker">Dmitry Peskov</span> said' in html
    assert 'data-cite="compare:1"' in html and 'data-cite="compare:2"' in html and 'data-article="a1"' in html
    assert "Where the outlets differ:</b> none found" in html
    found = compare_citation(Comparison(question="q", outlets=[column]), "compare:2")
    assert found is not None and found.quote == "Quote 2."


def test_a_wrong_date_is_shown_as_a_message_not_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.config import load_settings

    handlers = CompareHandlers(load_settings(index_dir=tmp_path / "none"))
    html, markdown, table, shown = handlers.run("Anything?", None, "March 2020", "")
    assert "is not a date: use YYYY-MM-DD" in html and markdown is None and table is None and shown is None


def test_the_chart_heading_names_what_a_bar_counts() -> None:
    months = [date(2016 + (11 + m) // 12, (11 + m) % 12 + 1, 5) for m in range(40)]
    html = render_coverage(count_coverage([Credit(outlet="TASS", published=d) for d in months]))
    assert "Matching articles per quarter (table: per month)" in html
    few = [date(2020, m, 5) for m in (1, 2, 3, 4)]
    assert "Matching articles per week</b>" in render_coverage(  # under half a year: weeks
        count_coverage([Credit(outlet="TASS", published=d) for d in few])
    )


def test_outlets_near_the_question_without_a_clear_answer_are_not_called_silent() -> None:
    found = Comparison(question="q?", unclear=["Press TV"], silent=["TASS"])
    html = render_comparison(found)
    assert "Near the question, no clear answer:</b> Press TV" in html
    assert "Nothing relevant from:</b> TASS" in html
    assert "answer this clearly enough to quote" in html and "has anything relevant" not in html
