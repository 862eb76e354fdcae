"""When a question is asked, and which days its words point to ('this week', 'on Sunday').

A reader asks on a day: articles published after it did not exist yet, and relative phrases are
read from it. `question_window` turns the common English phrases into a range of publication
dates; the evidence model learns how much a quote from that range should count, so a question
whose answer was printed earlier still finds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# Reports of an event appear the day after it, and a page's date may be in another time zone.
SLACK_DAYS = 1
# "this week" or "the past week" in news means the last seven days, not the calendar week.
WEEK_DAYS = 7
# "last week" reaches back two weeks: said early in a week it means the one before.
LAST_WEEK_DAYS = 14
# "recently" and "lately": a month, the span a news quiz or a reader's "recent" covers.
RECENT_DAYS = 31

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNIT_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "few": 3, "several": 3}
WindowRule = Callable[[re.Match[str], date], tuple[date, date]]


@dataclass(frozen=True)
class Window:
    """Publication dates a question points to, both ends included, and the words that said so."""

    start: date
    end: date
    phrase: str

    def holds(self, published: date | None) -> bool:
        """True when a page published on that day falls in the window (with a day's slack)."""
        if published is None:
            return False
        slack = timedelta(days=SLACK_DAYS)
        return self.start - slack <= published <= self.end + slack


def reference_day(as_of: date | None) -> date:
    """The day the question is asked on: as_of, or today."""
    return as_of or date.today()


def question_window(question: str, today: date) -> Window | None:
    """The publication dates the question's relative time words point to, or None if it has none."""
    text = question.lower()
    for pattern, window in _RULES:
        found = pattern.search(text)
        if found:
            start, end = window(found, today)
            return Window(start, min(end, today), found.group(0))
    return None


def _days_back(days: int) -> WindowRule:
    """A window of the last `days` days up to the day asked."""
    return lambda _found, today: (today - timedelta(days=days), today)


def _weekday(found: re.Match[str], today: date) -> tuple[date, date]:
    """The most recent such weekday on or before the day asked (a week back at most)."""
    wanted = WEEKDAYS.index(found.group("day"))
    day = today - timedelta(days=(today.weekday() - wanted) % 7)
    return day, day


def _past_units(found: re.Match[str], today: date) -> tuple[date, date]:
    """'the past three weeks', 'last 10 days': that many units back."""
    count = _number(found.group("count"))
    return today - timedelta(days=count * _UNIT_DAYS[found.group("unit")]), today


def _this_month(_found: re.Match[str], today: date) -> tuple[date, date]:
    """From the first of this month."""
    return today.replace(day=1), today


def _last_month(_found: re.Match[str], today: date) -> tuple[date, date]:
    """The calendar month before this one."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _this_year(_found: re.Match[str], today: date) -> tuple[date, date]:
    """From the first of January."""
    return date(today.year, 1, 1), today


def _last_year(_found: re.Match[str], today: date) -> tuple[date, date]:
    """The calendar year before this one."""
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def _yesterday(_found: re.Match[str], today: date) -> tuple[date, date]:
    """The day before."""
    day = today - timedelta(days=1)
    return day, day


def _number(word: str) -> int:
    """A count written in digits or as a small number word."""
    return int(word) if word.isdigit() else _NUMBERS[word]


_DAY = "|".join(WEEKDAYS)
_COUNT = r"\d{1,3}|" + "|".join(_NUMBERS)
_UNIT = "|".join(_UNIT_DAYS)
_RULES: tuple[tuple[re.Pattern[str], WindowRule], ...] = (  # the first that matches wins
    (
        re.compile(rf"\b(?:the )?(?:past|last) (?P<count>{_COUNT}) (?P<unit>{_UNIT})s?\b"),
        _past_units,
    ),
    (re.compile(r"\b(?:today|tonight|this morning|this afternoon|this evening)\b"), _days_back(0)),
    (re.compile(r"\byesterday\b"), _yesterday),
    (re.compile(rf"\b(?:on|this|last|past) (?P<day>{_DAY})\b"), _weekday),
    (re.compile(r"\blast week(?:end)?\b"), _days_back(LAST_WEEK_DAYS)),
    (
        re.compile(r"\b(?:this|the past|past) week(?:end)?\b|\bthis past week(?:end)?\b"),
        _days_back(WEEK_DAYS),
    ),
    (re.compile(r"\b(?:recently|lately|in recent days|in recent weeks)\b"), _days_back(RECENT_DAYS)),
    (re.compile(r"\bthis month\b"), _this_month),
    (re.compile(r"\blast month\b"), _last_month),
    (re.compile(r"\bthis year\b"), _this_year),
    (re.compile(r"\blast year\b"), _last_year),
)
