"""Reporting periods: ``2026-09`` (month), ``2026-Q3`` (quarter), ``2026`` (year), and,
where a caller allows it, a custom range of days ``2026-07-15..2026-08-31``.

A period is a range of *local* (Vietnam, Asia/Ho_Chi_Minh, UTC+7 all year) calendar
dates. Responses are stored with ``submitted_at`` in UTC, so a period maps to the UTC
range ``[start 00:00 local, day after end 00:00 local)``: the quarter 2026-Q3 is
2026-06-30 17:00 UTC up to (not including) 2026-09-30 17:00 UTC.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from flask_babel import lazy_gettext as _l

from ...timeutil import local_midnight_utc
from ..errors import ServiceError

_PATTERN = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
#: Earliest and latest years accepted (a typo like 20026 is refused).
YEARS = (2000, 2100)
#: Longest custom range, in days (three years, one of them a leap year).
MAX_RANGE_DAYS = 3 * 365 + 1


@dataclass(frozen=True)
class Period:
    """One reporting period; ``code`` is its canonical text (``2026-Q3``)."""

    code: str
    kind: str  # "month", "quarter", "year" or "range" (custom dates)
    #: The year of the last day: the year whose target is in force for the period.
    year: int
    first_day: dt.date
    last_day: dt.date

    @property
    def start_utc(self) -> dt.datetime:
        """First instant of the period, as an aware UTC datetime."""
        return local_midnight_utc(self.first_day)

    @property
    def end_utc(self) -> dt.datetime:
        """First instant *after* the period (exclusive bound), aware UTC."""
        return local_midnight_utc(self.last_day + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.last_day - self.first_day).days + 1

    def parts(self) -> list["Period"]:
        """The next finer periods that make up this one: year → quarters → months; a
        custom range made of whole months → the fewest whole years, quarters and months
        that tile it (none when it starts or ends inside a month)."""
        if self.kind == "range":
            return _tiles(self.first_day, self.last_day)
        if self.kind == "year":
            return [parse_period(f"{self.year}-Q{q}") for q in range(1, 5)]
        if self.kind == "quarter":
            first = self.first_day.month
            return [parse_period(f"{self.year}-{m:02d}") for m in range(first, first + 3)]
        return []


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _tiles(first: dt.date, last: dt.date) -> list[Period]:
    """Whole years, quarters and months covering ``first``–``last`` exactly, largest
    first where they fit; [] unless the range starts on the 1st and ends a month."""
    if first.day != 1 or (last + dt.timedelta(days=1)).day != 1:
        return []
    tiles, day = [], first
    while day <= last:
        for kind in ("year", "quarter", "month"):
            if kind == "year" and day.month == 1:
                tile = parse_period(str(day.year))
            elif kind == "quarter" and day.month % 3 == 1:
                tile = parse_period(f"{day.year}-Q{(day.month + 2) // 3}")
            elif kind == "month":
                tile = parse_period(f"{day.year}-{day.month:02d}")
            else:
                continue
            if tile.last_day <= last:
                break
        tiles.append(tile)
        day = tile.last_day + dt.timedelta(days=1)
    return tiles


def custom_range(first: "str | dt.date", last: "str | dt.date") -> Period:
    """A custom period from ``first`` to ``last`` (both included; Vietnam's calendar
    dates, as ``2026-07-15`` or dates). Its code is ``2026-07-15..2026-08-31``.

    Raises :class:`ServiceError` for a date that cannot be read, a start after the end,
    a range longer than :data:`MAX_RANGE_DAYS` days or outside the years accepted.
    """
    days = []
    for value, problem in (
            (first, _l("The first day %(text)s is not a date: write it as 2026-07-15.")),
            (last, _l("The last day %(text)s is not a date: write it as 2026-07-15."))):
        if isinstance(value, dt.date):
            days.append(value)
            continue
        try:
            days.append(dt.date.fromisoformat((value or "").strip()))
        except ValueError:
            raise ServiceError(problem % {"text": repr(value or "")})
    start, end = days
    for day in days:
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ServiceError(_l("Year %(year)s is out of range (%(low)s–%(high)s).",
                                  year=day.year, low=YEARS[0], high=YEARS[1]))
    if start > end:
        raise ServiceError(_l("The first day (%(start)s) is after the last day (%(end)s).",
                              start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ServiceError(_l("A custom range may cover at most three years (%(days)s "
                              "days); this one covers %(count)s.", days=MAX_RANGE_DAYS,
                              count=(end - start).days + 1))
    return Period(f"{start.isoformat()}..{end.isoformat()}", "range", end.year, start, end)


def parse_period(text: str, ranges: bool = False) -> Period:
    """Parse ``2026-09``, ``2026-Q3`` (``q3`` accepted) or ``2026``; with ``ranges``,
    also a custom range ``2026-07-15..2026-08-31`` (:func:`custom_range`).

    Raises :class:`ServiceError` with a translatable message for anything else.
    """
    cleaned = (text or "").strip().upper()
    found = _RANGE.match(cleaned) if ranges else None
    if found:
        return custom_range(found.group(1), found.group(2))
    match = _PATTERN.match(cleaned)
    if not match:
        if ranges and ".." in cleaned:
            raise ServiceError(_l("Period %(text)s is not valid: use a month (2026-09), a "
                                  "quarter (2026-Q3), a year (2026) or two dates "
                                  "(2026-07-15..2026-08-31).", text=repr(text)))
        raise ServiceError(_l("Period %(text)s is not valid: use a month (2026-09), "
                                  "a quarter (2026-Q3) or a year (2026).", text=repr(text)))
    year = int(match.group(1))
    if not YEARS[0] <= year <= YEARS[1]:
        raise ServiceError(_l("Year %(year)s is out of range (%(low)s–%(high)s).",
                                  year=year, low=YEARS[0], high=YEARS[1]))
    month, quarter = match.group(2), match.group(3)
    if month:
        m = int(month)
        return Period(f"{year}-{m:02d}", "month", year, dt.date(year, m, 1), _month_end(year, m))
    if quarter:
        q = int(quarter)
        return Period(f"{year}-Q{q}", "quarter", year, dt.date(year, 3 * q - 2, 1),
                      _month_end(year, 3 * q))
    return Period(str(year), "year", year, dt.date(year, 1, 1), dt.date(year, 12, 31))


#: Decision 2269/QĐ-TTg: 85 % by 2025, 90 % by 2030 (milestone year → target).
GOVERNMENT_TARGETS = {2025: 0.85, 2030: 0.90}


def default_target(period: Period, targets: Optional[Mapping] = None) -> float:
    """The target in force for the period's year (a custom range: the year of its last
    day): that of the first milestone year at or after it (85 % up to 2025, 90 % from
    2026), or of the last milestone after them all.
    ``targets`` maps milestone years (int or str, as from configuration) to shares.
    """
    milestones = sorted((int(year), float(share))
                        for year, share in (targets or GOVERNMENT_TARGETS).items())
    for year, share in milestones:
        if period.year <= year:
            return share
    return milestones[-1][1]
