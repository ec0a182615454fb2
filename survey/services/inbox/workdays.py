"""Working days in Vietnam: Monday to Friday, less the public holidays (Tết included)
that the ``holidays`` package maintains, less any extra days off the government
announces (``SURVEY_INBOX_DAYS_OFF``).

Deadlines "within N working days of receipt" do not count the day of receipt: the Nth
working day after it is the last day allowed.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Iterable

#: Saturday and Sunday (``date.weekday()``).
WEEKEND = frozenset({5, 6})
#: Longest deadline counted, in working days: a bound for bad configuration.
MAX_DAYS = 366


@lru_cache(maxsize=1)
def _vietnam() -> Any:
    import holidays

    return holidays.country_holidays("VN")


def is_public_holiday(day: dt.date) -> bool:
    """Whether ``day`` is a public holiday (or a substitute day off) in Vietnam."""
    return day in _vietnam()


def is_working_day(day: dt.date, days_off: Iterable[dt.date] = ()) -> bool:
    """Whether offices work on ``day``: a weekday that is no holiday nor in ``days_off``."""
    return day.weekday() not in WEEKEND and not is_public_holiday(day) \
        and day not in set(days_off)


def add_working_days(start: dt.date, days: int, days_off: Iterable[dt.date] = ()) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted);
    ``start`` when ``days`` is 0. Raises ``ValueError`` outside 0 … :data:`MAX_DAYS`."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"working days out of range: {days}")
    off = frozenset(days_off)
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day


def _weekdays_after(low: dt.date, high: dt.date) -> int:
    """Mondays to Fridays after ``low`` up to and including ``high`` (``low <= high``)."""
    span = (high - low).days
    count = span // 7 * 5
    for offset in range(1, span % 7 + 1):
        count += (low.weekday() + offset) % 7 < 5
    return count


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[dt.date]:
    """Vietnam's public holidays (and substitute days) in ``year``."""
    calendar = _vietnam()
    dt.date(year, 1, 1) in calendar  # the library fills in a year when first asked
    return frozenset(day for day in calendar if day.year == year)


def working_days_between(start: dt.date, end: dt.date, days_off: Iterable[dt.date] = ()) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end``
    is before ``start`` (days late, counted the same way). Arithmetic on weeks, then
    the holidays of the years in between: a list page asks this for every row."""
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    off = set(days_off)
    for year in range(low.year, high.year + 1):
        off |= _holidays_of(year)
    holidays = sum(1 for day in off if low < day <= high and day.weekday() not in WEEKEND)
    return sign * (_weekdays_after(low, high) - holidays)
