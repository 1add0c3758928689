"""Publication dates as ISO ``YYYY-MM-DD`` from the forms news data actually uses."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
# Whatever may follow a date in a timestamp: a time, then anything (zone, "GMT", "+0300").
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\b.*)?"

_ISO = re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?:[T\s].*)?")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<year>\d{4}|\d{2})" + _TIME)
_DAY_MONTH = re.compile(
    _WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?[\s-]+" + _MONTH + r",?[\s-]+(?P<year>\d{4})"
    + _TIME,
    re.I,
)
_MONTH_DAY = re.compile(
    _WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})" + _TIME, re.I
)


def iso_date(value: object) -> str | None:
    """``YYYY-MM-DD`` when ``value`` is a recognisable date, else the raw text (None when blank)."""
    if value is None:
        return None
    raw = " ".join(str(value).split())
    if not raw:
        return None
    parsed = parse_date(raw)
    return parsed.isoformat() if parsed else raw


def parse_date(raw: str) -> date | None:
    """The calendar date that the whole of ``raw`` states, or None."""
    raw = raw.strip()
    if m := _ISO.fullmatch(raw):
        return _date(m["year"], m["month"], m["day"])
    if m := _NUMERIC.fullmatch(raw):
        first, second = int(m["a"]), int(m["b"])
        # Month first, as in US and most English-language feeds (FA-KES: 4/5/17 is 5 April);
        # a first number over 12 can only be a day.
        month, day = (second, first) if first > 12 else (first, second)
        return _date(m["year"], month, day)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if m := pattern.fullmatch(raw):
            return _date(m["year"], _MONTHS[m["month"].lower()], m["day"])
    return None


def _date(year: str | int, month: str | int, day: str | int) -> date | None:
    y = int(year)
    if y < 100:  # two-digit years: 00-69 are this century, as strptime's %y reads them
        y += 2000 if y < 70 else 1900
    try:
        return date(y, int(month), int(day))
    except ValueError:
        return None
