"""Disagreements between outlets: crafted sentence pairs, then real seed sentences through spaCy."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.news.disagreement import differing_values, find_disagreements, same_event
from assistant.scoring.nlp import ParseCache
from assistant.types import Citation

POSTS_A = "Turkey established 12 military observation posts in Idlib under the Sochi deal."
POSTS_B = "Turkey established 10 military observation posts in Idlib under the Sochi deal."


def cite(number: int, outlet: str, quote: str) -> Citation:
    """A citation of a crafted quote from an outlet."""
    return Citation(number=number, outlet=outlet, title="t", published=date(2020, 3, 2), quote=quote,
                    source=f"{outlet}.txt", start=0, end=len(quote))  # fmt: skip


def test_a_different_figure_in_the_same_statement_is_a_disagreement() -> None:
    found = differing_values(POSTS_A, [("number", "12")], POSTS_B, [("number", "10")])
    assert found == [("number", "12", "10")]


def test_the_same_figure_written_differently_is_no_disagreement() -> None:
    a = "The UN estimates that over 400,000 people have been killed in the conflict."
    b = "The UN estimates that 400000 people have been killed in the conflict."
    assert differing_values(a, [("number", "over 400,000")], b, [("number", "400000")]) == []


def test_figures_of_different_units_are_not_compared() -> None:
    a = "The army declared a truce of 72 hours across the country for the holiday."
    b = "The army declared a truce of 3 days across the country for the holiday."
    assert differing_values(a, [("number", "72 hours")], b, [("number", "3 days")]) == []


def test_a_date_inside_another_is_compatible_and_a_different_one_is_not() -> None:
    a = "Syria has been gripped by a civil war since March 2011, the envoy said."
    b = "Syria has been gripped by a civil war since 2011, the envoy said."
    c = "Syria has been gripped by a civil war since March 2012, the envoy said."
    assert differing_values(a, [("date", "March 2011")], b, [("date", "2011")]) == []
    assert differing_values(a, [("date", "March 2011")], c, [("date", "March 2012")]) == [
        ("date", "March 2011", "March 2012")
    ]


def test_a_different_name_in_the_same_slot_is_a_disagreement_but_a_short_form_is_not() -> None:
    a = "Kremlin spokesman Dmitry Peskov told reporters the talks would go ahead in Astana."
    b = "Kremlin spokesman Yuri Ushakov told reporters the talks would go ahead in Astana."
    c = "Kremlin spokesman Peskov told reporters the talks would go ahead in Astana."
    assert differing_values(a, [("name", "Dmitry Peskov")], b, [("name", "Yuri Ushakov")]) == [
        ("name", "Dmitry Peskov", "Yuri Ushakov")
    ]
    assert differing_values(a, [("name", "Dmitry Peskov")], c, [("name", "Peskov")]) == []


def test_sentences_about_different_things_are_never_compared() -> None:
    other = "Kerry said 72 hours of quiet were welcome in Tbilisi on Wednesday."
    assert not same_event(POSTS_A, other)
    assert differing_values(POSTS_A, [("number", "12")], other, [("number", "72")]) == []


def test_two_slots_of_one_kind_are_ambiguous_and_not_reported() -> None:
    a = "Officials said 12 posts and 3 bases were set up in Idlib province last year."
    b = "Officials said 10 posts and 4 bases were set up in Idlib province last year."
    assert (
        differing_values(a, [("number", "12"), ("number", "3")], b, [("number", "10"), ("number", "4")]) == []
    )


@pytest.mark.integration
def test_spacy_finds_the_differing_figure_between_two_outlets_only() -> None:
    parses = ParseCache()
    citations = [cite(1, "Outlet A", POSTS_A), cite(2, "Outlet B", POSTS_B), cite(3, "Outlet A", POSTS_B)]
    found = find_disagreements(citations, parses)
    pairs = {(d.first_citation.number, d.second_citation.number) for d in found}
    assert pairs == {(1, 2)}  # 2 and 3 agree; 1 and 3 are the same outlet
    assert (found[0].kind, found[0].first, found[0].second) == ("number", "12", "10")
    assert "Outlet A" in found[0].describe() and "Outlet B" in found[0].describe()


@pytest.mark.integration
def test_real_seed_sentences_that_agree_on_the_year_are_not_a_disagreement() -> None:
    sputnik = ("Since 2011, Syria has been engulfed in a civil war, with government forces fighting "
               "against numerous opposition and terrorist groups, including al-Nusra Front and Daesh, "
               "which is banned in a range of countries, including Russia.")  # fmt: skip
    press_tv = "Syria has been gripped by foreign-backed militancy since March 2011."
    found = find_disagreements([cite(1, "Sputnik", sputnik), cite(2, "Press TV", press_tv)], ParseCache())
    assert found == []
