"""Periods: parsing, Vietnam-time boundaries, parts, default targets."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.services.errors import ServiceError
from survey.services.reporting.periods import (MAX_RANGE_DAYS, custom_range, default_target,
                                              parse_period)

UTC = dt.timezone.utc


@pytest.mark.parametrize("text,code,kind,first,last", [
    ("2026-09", "2026-09", "month", dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
    ("2026-02", "2026-02", "month", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ("2026-12", "2026-12", "month", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    (" 2026-q3 ", "2026-Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ("2026-Q1", "2026-Q1", "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026", "2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
])
def test_parse(text, code, kind, first, last):
    period = parse_period(text)
    assert (period.code, period.kind, period.first_day, period.last_day) == (
        code, kind, first, last)


@pytest.mark.parametrize("text", ["", "2026-9", "2026-00", "2026-13", "2026-Q0", "2026-Q5",
                                  "26", "Q3-2026", "2026/09", "1999", "2026-09-01", None])
def test_invalid_periods_are_refused_clearly(text, app):
    with pytest.raises(ServiceError) as error:
        parse_period(text)
    from flask_babel import force_locale

    with force_locale("vi"):
        assert "2026-Q3" in str(error.value.message) or "1999" in str(error.value.message)


def test_utc_range_is_from_vietnam_midnights():
    q3 = parse_period("2026-Q3")
    assert q3.start_utc == dt.datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert q3.end_utc == dt.datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    december = parse_period("2026-12")
    assert december.end_utc == dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def test_parts():
    assert [p.code for p in parse_period("2026").parts()] == [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [p.code for p in parse_period("2026-Q4").parts()] == ["2026-10", "2026-11", "2026-12"]
    assert parse_period("2026-10").parts() == []


def test_default_target():
    assert default_target(parse_period("2025-Q4")) == 0.85
    assert default_target(parse_period("2026-01")) == 0.90


@pytest.mark.parametrize("period, expected", [("2024-Q4", 0.85), ("2025", 0.85),
                                              ("2026-01", 0.90), ("2030-Q4", 0.90),
                                              ("2031", 0.90)])
def test_default_target_follows_the_government_milestones(period, expected):
    from survey.services.reporting.periods import default_target, parse_period

    assert default_target(parse_period(period)) == expected


def test_default_target_from_configured_milestones():
    from survey.services.reporting.periods import default_target, parse_period

    targets = {"2027": 0.8, "2029": 0.95}  # as read from SURVEY_TARGETS (JSON keys)
    assert default_target(parse_period("2026-Q2"), targets) == 0.8
    assert default_target(parse_period("2028"), targets) == 0.95
    assert default_target(parse_period("2035"), targets) == 0.95


# --- custom ranges ----------------------------------------------------------------------

def test_a_custom_range_is_two_vietnam_dates():
    period = parse_period(" 2026-07-15..2026-08-31 ", ranges=True)
    assert (period.code, period.kind, period.first_day, period.last_day, period.year,
            period.days) == ("2026-07-15..2026-08-31", "range", dt.date(2026, 7, 15),
                             dt.date(2026, 8, 31), 2026, 48)
    assert period.start_utc == dt.datetime(2026, 7, 14, 17, 0, tzinfo=UTC)
    assert period.end_utc == dt.datetime(2026, 8, 31, 17, 0, tzinfo=UTC)
    assert custom_range(dt.date(2026, 7, 15), "2026-08-31") == period
    one_day = custom_range("2026-02-28", "2026-02-28")
    assert one_day.days == 1 and one_day.end_utc - one_day.start_utc == dt.timedelta(days=1)


def test_a_range_is_only_read_where_it_is_allowed(app):
    with pytest.raises(ServiceError):
        parse_period("2026-07-15..2026-08-31")  # served counts, reports: fixed periods


@pytest.mark.parametrize("first,last,words", [
    ("2026-09-01", "2026-08-31", "01/09/2026"),       # start after end
    ("2026-02-30", "2026-03-31", "2026-02-30"),       # no such day
    ("15/07/2026", "2026-08-31", "15/07/2026"),       # not ISO
    ("", "2026-08-31", "2026-07-15"),                  # missing
    ("2023-01-01", "2026-01-01", "1097"),             # longer than three years
    ("1999-12-01", "2000-01-31", "1999"),             # before the years accepted
])
def test_a_bad_range_is_refused_clearly(app, first, last, words):
    from flask_babel import force_locale

    with pytest.raises(ServiceError) as error:
        custom_range(first, last)
    with force_locale("vi"):
        assert words in str(error.value.message)


def test_three_years_is_the_longest_range():
    assert custom_range("2023-01-01", "2025-12-31").days == 1096
    assert custom_range("2024-01-01", "2026-12-31").days == 1096 == MAX_RANGE_DAYS


def test_a_range_of_whole_months_is_tiled_by_the_largest_periods():
    tiles = parse_period("2026-01-01..2027-05-31", ranges=True).parts()
    assert [p.code for p in tiles] == ["2026", "2027-Q1", "2027-04", "2027-05"]
    tiles = parse_period("2026-02-01..2026-07-31", ranges=True).parts()
    assert [p.code for p in tiles] == ["2026-02", "2026-03", "2026-Q2", "2026-07"]
    assert parse_period("2026-07-15..2026-08-31", ranges=True).parts() == []
    assert parse_period("2026-07-01..2026-08-30", ranges=True).parts() == []


def test_the_period_before_a_range_has_as_many_days_just_before_it():
    from survey.services.reporting.trend import shifted

    period = parse_period("2026-07-15..2026-08-31", ranges=True)
    before = shifted(period, 1)
    assert before.code == "2026-05-28..2026-07-14" and before.days == period.days
    assert before.end_utc == period.start_utc
    assert shifted(before, -1) == period


def test_a_range_is_judged_against_the_target_in_force_at_its_end():
    assert default_target(parse_period("2025-06-01..2025-12-31", ranges=True)) == 0.85
    assert default_target(parse_period("2025-12-01..2026-01-31", ranges=True)) == 0.90
