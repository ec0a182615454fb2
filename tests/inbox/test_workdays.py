"""Deadlines in Vietnam's working days: weekends, public holidays, Tết 2027, extra days
off, checked against a calendar written out by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.services.inbox.workdays import (add_working_days, is_working_day,
                                            working_days_between)

D = dt.date
#: Tết 2027 as the government set it: Thursday 4 to Wednesday 10 February (with the
#: weekend between), and New Year's Day, written out independently of the library.
DAYS_OFF_EARLY_2027 = {D(2027, 1, 1)} | {D(2027, 2, day) for day in range(4, 11)}


def by_hand(start: dt.date, days: int) -> dt.date:
    """The same count with the hand-written calendar (January–March 2027 only)."""
    day = start
    while days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in DAYS_OFF_EARLY_2027:
            days -= 1
    return day


@pytest.mark.parametrize("start,days,due", [
    (D(2026, 12, 4), 1, D(2026, 12, 7)),     # Friday → Monday
    (D(2026, 12, 5), 1, D(2026, 12, 7)),     # received on a Saturday
    (D(2026, 12, 31), 1, D(2027, 1, 4)),     # New Year's Day is a Friday
    (D(2027, 2, 3), 1, D(2027, 2, 11)),      # the eve of Tết: a week off
    (D(2027, 2, 3), 10, D(2027, 2, 24)),     # acceptance across Tết
    (D(2027, 1, 20), 30, D(2027, 3, 10)),    # resolution across Tết
    (D(2027, 1, 20), 45, D(2027, 3, 31)),    # complex case
    (D(2027, 2, 3), 0, D(2027, 2, 3)),
])
def test_deadlines_skip_weekends_and_holidays(start, days, due):
    assert add_working_days(start, days) == due
    if start.year == 2027:
        assert by_hand(start, days) == due  # the library agrees with the hand count


def test_every_day_of_tet_2027_is_off_and_the_week_after_is_not():
    assert not any(is_working_day(D(2027, 2, day)) for day in range(4, 11))
    assert all(is_working_day(D(2027, 2, day)) for day in range(11, 13))
    assert is_working_day(D(2027, 2, 3))


def test_extra_days_off_announced_later_count_too():
    extra = [D(2027, 2, 11), D(2027, 2, 12)]
    assert add_working_days(D(2027, 2, 3), 1, extra) == D(2027, 2, 15)
    assert not is_working_day(D(2027, 2, 11), extra)


def test_working_days_between_counts_both_ways():
    assert working_days_between(D(2027, 2, 3), D(2027, 2, 24)) == 10
    assert working_days_between(D(2027, 2, 24), D(2027, 2, 3)) == -10
    assert working_days_between(D(2026, 12, 7), D(2026, 12, 7)) == 0


@pytest.mark.parametrize("days", [-1, 367])
def test_absurd_counts_are_refused(days):
    with pytest.raises(ValueError):
        add_working_days(D(2026, 12, 3), days)


def test_counting_between_agrees_with_counting_day_by_day():
    """The arithmetic count against the plain loop, over random spans across years."""
    import random

    rng = random.Random(14)
    off = [D(2027, 2, 11), D(2026, 12, 24)]
    for _ in range(300):
        start = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(1100))
        end = start + dt.timedelta(days=rng.randrange(-400, 400))
        low, high = sorted((start, end))
        day, loop = low, 0
        while day < high:
            day += dt.timedelta(days=1)
            loop += is_working_day(day, off)
        assert working_days_between(start, end, off) == (loop if start <= end else -loop)
