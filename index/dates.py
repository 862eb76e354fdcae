"""Find publication dates written in page text ("November 3, 2021", "05-04-2021", "2021-11-03")."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_MONTH_FIRST = re.compile(
    _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE
)
_DAY_FIRST = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"\b(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<year>(?:19|20)\d\d)\b")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")
    return _MONTHS.get(key[:4] if key.startswith("sept") else key[:3], 0)


def find_date(text: str, dayfirst: bool = True) -> date | None:
    """Return the first full date (with a year) written in `text`, or None."""
    found: list[tuple[int, date]] = []
    for match in _ISO.finditer(text):
        made = _make(int(match["year"]), int(match["m"]), int(match["d"]))
        if made:
            found.append((match.start(), made))
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        for match in pattern.finditer(text):
            made = _make(int(match["year"]), _month_number(match["month"]), int(match["day"]))
            if made:
                found.append((match.start(), made))
    for match in _NUMERIC.finditer(text):
        a, b = int(match["a"]), int(match["b"])
        day, month = (a, b) if (dayfirst and b <= 12) or a > 12 else (b, a)
        made = _make(int(match["year"]), month, day)
        if made:
            found.append((match.start(), made))
    return min(found, key=lambda item: item[0])[1] if found else None


def has_time(text: str) -> bool:
    """Return True when `text` contains a clock time such as "14:08"."""
    return _TIME.search(text) is not None


def mentions_month(text: str) -> bool:
    """Return True when `text` names a month ("Dec", "December")."""
    return re.search(r"\b" + _MONTH + r"(?=\s|$|,)", text, re.IGNORECASE) is not None


_DATE_WORDS = re.compile(
    r"\b(?:" + _MONTH.replace("(?P<month>", "(?:") + r"|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
    r"|\b(?:at|on|am|pm|a\.m|p\.m|utc|gmt|ist|est|edt|cet|msk|et|pt)\b|[\d:+/.,-]+",
    re.IGNORECASE,
)


def is_date_line(text: str) -> bool:
    """Return True when a short line is mostly a date or time stamp ("Friday, June 4, 2021")."""
    if find_date(text) is None and not has_time(text):
        return False
    rest = re.findall(r"[^\W\d_]+", _DATE_WORDS.sub(" ", text))
    return len(rest) <= 3
