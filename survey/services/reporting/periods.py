"""Reporting periods: ``2026-09`` (month), ``2026-Q3`` (quarter), ``2026`` (year).

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
#: Earliest and latest years accepted (a typo like 20026 is refused).
YEARS = (2000, 2100)


@dataclass(frozen=True)
class Period:
    """One reporting period; ``code`` is its canonical text (``2026-Q3``)."""

    code: str
    kind: str  # "month", "quarter" or "year"
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

    def parts(self) -> list["Period"]:
        """The next finer periods that make up this one: year → quarters → months."""
        if self.kind == "year":
            return [parse_period(f"{self.year}-Q{q}") for q in range(1, 5)]
        if self.kind == "quarter":
            first = self.first_day.month
            return [parse_period(f"{self.year}-{m:02d}") for m in range(first, first + 3)]
        return []


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse ``2026-09``, ``2026-Q3`` (``q3`` accepted) or ``2026``.

    Raises :class:`ServiceError` with a translatable message for anything else.
    """
    cleaned = (text or "").strip().upper()
    match = _PATTERN.match(cleaned)
    if not match:
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
    """The target in force for the period's year: that of the first milestone year at or
    after it (85 % up to 2025, 90 % from 2026), or of the last milestone after them all.
    ``targets`` maps milestone years (int or str, as from configuration) to shares.
    """
    milestones = sorted((int(year), float(share))
                        for year, share in (targets or GOVERNMENT_TARGETS).items())
    for year, share in milestones:
        if period.year <= year:
            return share
    return milestones[-1][1]
