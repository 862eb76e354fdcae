"""The day a question is asked on, and the publication days its relative time words point to."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.evaluation.devset import DevQuestion
from assistant.pipeline.request import AskRequest, QuestionError
from assistant.retrieval.timeframe import Window, question_window
from assistant.scoring.question_features import question_info

FRIDAY = date(2031, 3, 14)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("Which bridge reopened this week?", date(2031, 3, 7), FRIDAY),
        ("Who won the vote on Tuesday?", date(2031, 3, 11), date(2031, 3, 11)),
        ("What did the mayor announce yesterday?", date(2031, 3, 13), date(2031, 3, 13)),
        ("Which team was relegated last week?", date(2031, 2, 28), FRIDAY),
        ("Which museum recently reopened?", date(2031, 2, 11), FRIDAY),
        ("How many flights were cancelled in the past three days?", date(2031, 3, 11), FRIDAY),
        ("Who was elected last year?", date(2030, 1, 1), date(2030, 12, 31)),
        ("What changed this month?", date(2031, 3, 1), FRIDAY),
    ],
)
def test_relative_time_words_point_to_days_before_the_day_asked(
    question: str, start: date, end: date
) -> None:
    window = question_window(question, FRIDAY)
    assert window is not None and (window.start, window.end) == (start, end)


def test_a_question_without_time_words_has_no_window() -> None:
    assert question_window("Which bridge reopened after the floods?", FRIDAY) is None


def test_a_window_holds_pages_of_the_next_day_but_not_later() -> None:
    window = Window(date(2031, 3, 9), date(2031, 3, 9), "on sunday")
    assert window.holds(date(2031, 3, 10)) and window.holds(date(2031, 3, 8))
    assert not window.holds(date(2031, 3, 11)) and not window.holds(None)


def test_time_words_tell_the_day_not_the_topic() -> None:
    info = question_info("Which bridge reopened this week?", as_of=FRIDAY)
    assert info.window is not None and info.window.phrase == "this week"
    assert info.focus_terms == question_info("Which bridge reopened?").focus_terms


def test_nothing_published_after_the_day_asked_on_is_searched() -> None:
    request = AskRequest.of("Which bridge reopened?", as_of=FRIDAY, until=date(2031, 6, 1))
    assert request.search_filter.until == FRIDAY
    assert AskRequest.of(
        "Which bridge reopened?", until=date(2031, 1, 1), as_of=FRIDAY
    ).search_filter.until == date(2031, 1, 1)
    assert AskRequest.of("Which bridge reopened?").search_filter.until is None
    with pytest.raises(QuestionError, match="after the day asked on"):
        AskRequest.of("Which bridge reopened?", since=date(2031, 4, 1), as_of=FRIDAY)


def test_a_dev_question_is_asked_on_its_quiz_day() -> None:
    dated = DevQuestion(id="20310314_7", question="Who?", choices=("A", "B"), answer="A", articles=())
    stated = DevQuestion(
        id="q7", question="Who?", choices=("A", "B"), answer="A", articles=(), asked="20310301"
    )
    undated = DevQuestion(id="q8", question="Who?", choices=("A", "B"), answer="A", articles=())
    assert (dated.asked_on, stated.asked_on, undated.asked_on) == (FRIDAY, date(2031, 3, 1), None)
