"""Dates in the text, resolved against the publication date: "on Tuesday", "last year", "May 2000".

``resolve(text, published)`` turns one date expression (typically a spaCy DATE entity) into an
ISO date and its precision (model.DatePrecision): ``("2018-06-12", "day")``, ``("2018-06",
"month")``, ``("2017", "year")``. Relative expressions need the publication date; without it
they resolve to ``(None, "unknown")``, never to a guess. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

__all__ = ["as_date", "resolve", "Resolved"]

Resolved = tuple[str | None, str]
UNKNOWN: Resolved = (None, "unknown")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {name: i for i, names in enumerate(
    (("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
     ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
     ("sunday", "sun"))) for name in names}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
            "several": None, "few": None, "couple": 2}

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH_RE})\.?,? (\d{{4}})")
_MONTH_DAY_YEAR = re.compile(rf"({_MONTH_RE})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})")
_DAY_MONTH = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH_RE})\b")
_MONTH_DAY = re.compile(rf"({_MONTH_RE})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b")
_MONTH_YEAR = re.compile(rf"({_MONTH_RE})\.?,? (?:of )?(\d{{4}})")
_MONTH = re.compile(rf"\b({_MONTH_RE})\b")
_MONTH_ALONE = re.compile(rf"(in |early |late |mid-|mid |last |next |this |since |until |by )?"
                          rf"({_MONTH_RE})")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b(?!s)")
_WEEKDAY = re.compile(rf"\b(last |this |next |on |past )?({_WEEKDAY_RE})\b")
_AGO = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
                  r"|couple of|few|several) (day|week|month|year)s? (ago|earlier|before)")
_RELATIVE_UNIT = re.compile(r"\b(last|this|next|past|previous|coming|current|earlier this|"
                            r"later this|early this|late last|early last|earlier last)"
                            r" (week|month|year|weekend)\b")


def as_date(value: object) -> date | None:
    """The publication date as a ``date`` (ISO strings, with or without a time, and dates)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _ISO.match(str(value).strip())
    if not m:
        return None
    return _safe_date(int(m[1]), int(m[2]), int(m[3]))


def resolve(text: str, published: object = None) -> Resolved:
    """The date ``text`` states, as (ISO date or None, precision), read against ``published``."""
    pub = as_date(published)
    t = " ".join(text.lower().replace("’", "'").split()).strip(" .,;:()")
    if not t:
        return UNKNOWN
    if t.startswith("the "):
        t = t[4:]

    if m := _ISO.search(t):
        d = _safe_date(int(m[1]), int(m[2]), int(m[3]))
        return (d.isoformat(), "day") if d else UNKNOWN
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        if m := pattern.search(t):
            day, month, year = ((m[1], m[2], m[3]) if order == "dmy" else (m[2], m[1], m[3]))
            d = _safe_date(int(year), _MONTHS[month], int(day))
            return (d.isoformat(), "day") if d else UNKNOWN
    if m := _MONTH_YEAR.search(t):
        return f"{int(m[2]):04d}-{_MONTHS[m[1]]:02d}", "month"
    if m := _ISO_MONTH.fullmatch(t):
        return f"{int(m[1]):04d}-{int(m[2]):02d}", "month"

    # Relative to the publication date from here on.
    if t in {"today", "tonight", "this morning", "this afternoon", "this evening", "now",
             "earlier today", "later today", "this week-end"}:
        return _day(pub)
    if t in {"yesterday", "last night", "yesterday morning", "yesterday afternoon",
             "yesterday evening", "overnight", "late last night"}:
        return _day(pub, -1)
    if t in {"the day before yesterday", "day before yesterday"}:
        return _day(pub, -2)
    if t in {"tomorrow", "tomorrow morning", "tomorrow night"}:
        return _day(pub, 1)
    if m := _AGO.search(t):
        n = _number(m[1])
        if n is None or pub is None:
            return UNKNOWN
        unit = m[2]
        if unit == "day":
            return _day(pub, -n)
        if unit == "week":
            return _month_of(pub - timedelta(weeks=n))
        if unit == "month":
            y, mo = _shift_month(pub.year, pub.month, -n)
            return f"{y:04d}-{mo:02d}", "month"
        return f"{pub.year - n:04d}", "year"
    if m := _RELATIVE_UNIT.search(t):
        return _relative_unit(m[1], m[2], pub)
    if m := _WEEKDAY.search(t):
        return _weekday(m[1], _WEEKDAYS[m[2]], pub)
    if m := _DAY_MONTH.search(t) or _MONTH_DAY.search(t):
        day, month = (m[1], m[2]) if m.re is _DAY_MONTH else (m[2], m[1])
        if pub is None:
            return UNKNOWN
        return _day_month(int(day), _MONTHS[month], pub)
    if m := _YEAR.search(t):
        month = _MONTH.search(t)
        if month:
            return f"{int(m[1]):04d}-{_MONTHS[month[1]]:02d}", "month"
        return m[1], "year"
    if m := _MONTH_ALONE.fullmatch(t):
        if pub is None:
            return UNKNOWN
        month = _MONTHS[m[2]]
        year = pub.year if month <= pub.month else pub.year - 1
        if m[1] == "next " and month <= pub.month:
            year = pub.year + 1
        elif m[1] == "last " and month >= pub.month:
            year = pub.year - 1
        return f"{year:04d}-{month:02d}", "month"
    return UNKNOWN


# -- helpers --------------------------------------------------------------------------------------
def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if word == "couple of":
        return 2
    return _NUMBERS.get(word)


def _day(pub: date | None, offset: int = 0) -> Resolved:
    if pub is None:
        return UNKNOWN
    return (pub + timedelta(days=offset)).isoformat(), "day"


def _month_of(d: date) -> Resolved:
    return f"{d.year:04d}-{d.month:02d}", "month"


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _relative_unit(which: str, unit: str, pub: date | None) -> Resolved:
    if pub is None:
        return UNKNOWN
    step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1, "late last": -1,
            "early last": -1, "earlier last": -1}.get(which, 0)
    if unit in {"week", "weekend"}:
        return _month_of(pub + timedelta(weeks=step))
    if unit == "month":
        y, m = _shift_month(pub.year, pub.month, step)
        return f"{y:04d}-{m:02d}", "month"
    return f"{pub.year + step:04d}", "year"


def _weekday(which: str | None, weekday: int, pub: date | None) -> Resolved:
    """The named weekday nearest before the publication (after it for "next")."""
    if pub is None:
        return UNKNOWN
    which = (which or "").strip()
    if which in {"next", "coming"}:
        delta = (weekday - pub.weekday()) % 7 or 7
        return (pub + timedelta(days=delta)).isoformat(), "day"
    delta = (pub.weekday() - weekday) % 7
    if which in {"last", "past"} and delta == 0:
        delta = 7
    return (pub - timedelta(days=delta)).isoformat(), "day"


def _day_month(day: int, month: int, pub: date) -> Resolved:
    """A day and month without a year: the one nearest before the publication (news reports the
    past), unless it is at most a week after it (an announced date)."""
    d = _safe_date(pub.year, month, day)
    if d is None:
        return UNKNOWN
    if d > pub + timedelta(days=7):
        d = _safe_date(pub.year - 1, month, day) or d
    return d.isoformat(), "day"

