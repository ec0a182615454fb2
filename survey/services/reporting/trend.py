"""The satisfaction index of a unit over its last K periods: trend test and p-chart.

``trend_table(session, TrendQuery(unit, to))`` takes the total row of
:func:`.index.index_table` for each period and feeds :func:`survey.analysis.trend_test`
and :func:`survey.analysis.p_chart` with *effective* counts: the index is a weighted,
clustered estimate, not x successes among n independent answers, so each period counts
as n* = p(1 − p)/SE² answers (Kish; Korn–Graubard), at most its n, with x* = p·n*.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Mapping, Optional

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..errors import ServiceError
from .index import Breakdown, IndexQuery, IndexRow, Method, VerdictCode, index_table
from .periods import Period, parse_period
from .tables import (Column, Disclosure, Figure, Kind, Note, ReportRow, ReportTable,
                     disclosure)

if TYPE_CHECKING:  # numpy and scipy load with the first trend computed, not with the app
    from ...analysis import TrendResult

#: Kinds of period, finest first.
KINDS = ("month", "quarter", "year")
#: Periods in a series when none is asked for, by kind.
DEFAULT_PERIODS = {"month": 12, "quarter": 8, "year": 5}
#: Most periods in one series (each is one index table).
MAX_PERIODS = 40

KIND_PLURALS = {"month": _l("months"), "quarter": _l("quarters"), "year": _l("years")}
PER_STEP = {"month": _l("per month"), "quarter": _l("per quarter"), "year": _l("per year")}
METHOD_NOTE = _l("The trend test (Cochran–Armitage) and the p-chart limits (3 sigma) use "
                 "effective sample sizes n* = p(1−p)/SE², so that clustering and weighting "
                 "are taken into account.")


class Direction(StrEnum):
    """What the trend test says, at the significance level 1 − ``level``."""

    RISING = "rising"
    FALLING = "falling"
    NO_TREND = "no_trend"
    TOO_FEW = "too_few_periods"


@dataclass(frozen=True)
class TrendQuery:
    """The series of ``unit``'s index over ``periods`` periods of kind ``every`` (default:
    the kind of ``to``) ending on the last day of ``to`` (``2026-Q3``, ``2026-09``,
    ``2026``). ``level``, ``min_n``, ``locale`` and ``targets`` are as in
    :class:`.index.IndexQuery`; ``index_options`` are further fields of it (the design
    settings of the app's configuration), so that each point is what ``GET /index``
    gives for that period."""

    unit: str
    to: str
    periods: int = 8
    every: Optional[str] = None
    level: float = 0.95
    min_n: int = 10
    locale: str = "vi"
    targets: Optional[Mapping] = None
    index_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendPoint:
    """One period: its index (the total row of the index table), its effective counts
    and its p-chart limits. ``lower``/``upper`` are ``None`` for a period without data
    (n* = 0); ``verdict`` is ``insufficient`` below the minimum sample."""

    period: Period
    n: int
    estimate: float
    se: float
    low: float
    high: float
    method: Method
    verdict: VerdictCode
    n_eff: int
    x_eff: int
    lower: Optional[float]
    upper: Optional[float]
    exact: bool
    out_of_control: bool


@dataclass(frozen=True)
class TrendTable:
    """The series (oldest first), the p-chart centre line and the trend test."""

    unit_code: str
    unit_label: str
    to: Period
    every: str
    periods: int
    level: float
    min_n: int
    points: list[TrendPoint]
    centre: float
    trend: TrendResult
    direction: Direction


def trend_table(session: Session, query: TrendQuery) -> TrendTable:
    """The index of ``query.unit``'s subtree over the periods of the query, with the
    Cochran–Armitage trend test and the p-chart on effective counts.

    Raises :class:`ServiceError` for a bad period, number of periods, kind of period,
    level or minimum sample, and :class:`~survey.services.errors.NotFound` for an
    unknown unit (both from :func:`.index.index_table` where they are its checks).
    """
    from ...analysis import p_chart, trend_test

    to, every = parse_period(query.to), check_every(query.every, query.to)
    series = period_series(to, every, check_periods(query.periods))
    rows, unit_code, unit_label = [], "", ""
    for period in series:
        # The dimension rows share the total's design computation: the cheapest table.
        table = index_table(session, IndexQuery(
            period.code, query.unit, Breakdown.DIMENSION, level=query.level, min_n=query.min_n,
            locale=query.locale, targets=query.targets, **query.index_options))
        rows.append(table.total)
        unit_code, unit_label = table.unit_code, table.unit_label
    counts = [effective_counts(row.estimate, row.se, row.n) for row in rows]
    x_eff, n_eff = [x for x, _n in counts], [n for _x, n in counts]
    trend = trend_test(x_eff, n_eff)
    chart = p_chart(x_eff, n_eff)
    points = [_point(period, row, x, n, chart.lower[i], chart.upper[i], chart.exact[i],
                     chart.out_of_control[i], query.min_n)
              for i, (period, row, x, n) in enumerate(zip(series, rows, x_eff, n_eff))]
    return TrendTable(unit_code, unit_label, to, every, len(series), query.level,
                      query.min_n, points, chart.centre, trend,
                      direction(trend, x_eff, n_eff, 1 - query.level))


def check_periods(count: Any) -> int:
    """The number of periods, after checking 1 ≤ count ≤ :data:`MAX_PERIODS`."""
    if isinstance(count, bool) or not isinstance(count, int) or \
            not 1 <= count <= MAX_PERIODS:
        raise ServiceError(_l("The number of periods must be a whole number from 1 to "
                              "%(max)s.", max=MAX_PERIODS))
    return count


def check_every(every: Optional[str], to: str) -> str:
    """The kind of period of the series: ``every`` (default: the kind of ``to``), which
    must end where ``to`` ends: a month or a quarter series may end at a year; a quarter
    or a year series cannot end at a month inside it (``2026-08``)."""
    end = parse_period(to)
    kind = end.kind if every is None or every == "" else str(every).strip().lower()
    if kind not in KINDS:
        raise ServiceError(_l("The kind of period %(every)s is not known; use month, "
                              "quarter or year.", every=repr(str(every))))
    if containing(end.last_day.year, end.last_day.month, kind).last_day != end.last_day:
        raise ServiceError(_l("A series of %(every)s cannot end at %(to)s: give a period "
                              "that ends where one of them ends.",
                              every=KIND_PLURALS[kind], to=end.code))
    return kind


def containing(year: int, month: int, kind: str) -> Period:
    """The period of ``kind`` that contains the month ``year``-``month``."""
    if kind == "month":
        return parse_period(f"{year}-{month:02d}")
    if kind == "quarter":
        return parse_period(f"{year}-Q{(month - 1) // 3 + 1}")
    return parse_period(str(year))


def shifted(period: Period, steps: int) -> Period:
    """The period ``steps`` periods of the same kind before ``period`` (after, if < 0); for
    a custom range, the range of the same number of days ``steps`` lengths earlier (the
    one before 2026-07-15..2026-08-31, 48 days, is 2026-05-28..2026-07-14)."""
    if period.kind == "range":
        from .periods import custom_range

        move = dt.timedelta(days=steps * period.days)
        return custom_range(period.first_day - move, period.last_day - move)
    if period.kind == "year":
        return parse_period(str(period.year - steps))
    size = 1 if period.kind == "month" else 3
    index = period.year * 12 + period.first_day.month - 1 - steps * size
    return containing(index // 12, index % 12 + 1, period.kind)


def period_series(to: Period, every: str, count: int) -> list[Period]:
    """The ``count`` periods of kind ``every`` ending with the one that ends with ``to``,
    oldest first. Raises :class:`ServiceError` when they would start before the earliest
    year accepted."""
    last = containing(to.last_day.year, to.last_day.month, every)
    return [shifted(last, steps) for steps in range(count - 1, -1, -1)]


def effective_counts(estimate: float, se: float, n: int) -> tuple[int, int]:
    """(x*, n*): n* = p(1 − p)/SE² at most n (n itself when SE is 0 or not finite or
    p is 0 or 1), x* = p·n*, both rounded half up; (0, 0) for a period without data."""
    if n <= 0 or not math.isfinite(estimate):
        return 0, 0
    if estimate in (0.0, 1.0) or not math.isfinite(se) or se <= 0:
        n_star = float(n)
    else:
        n_star = min(float(n), estimate * (1.0 - estimate) / se**2)
    n_int = math.floor(n_star + 0.5)
    return min(math.floor(estimate * n_int + 0.5), n_int), n_int


def direction(trend: TrendResult, x: list[int], n: list[int], alpha: float) -> Direction:
    """Rising or falling when the trend test's p-value is below ``alpha``; the sign is
    that of the test statistic's numerator, Σ x_t (s_t − s̄) with s̄ weighted by n_t."""
    if not math.isfinite(trend.p_value):
        return Direction.TOO_FEW
    if trend.p_value >= alpha:
        return Direction.NO_TREND
    total = sum(n)
    mean_score = sum((i + 1) * n_t for i, n_t in enumerate(n)) / total
    numerator = sum(x_t * (i + 1 - mean_score) for i, x_t in enumerate(x))
    return Direction.RISING if numerator > 0 else Direction.FALLING


def _point(period: Period, row: IndexRow, x: int, n: int, lower: float, upper: float,
           exact: bool, out: bool, min_n: int) -> TrendPoint:
    judged = disclosure(row.n, row.estimate, min_n) == Disclosure.FULL
    has_limits = n > 0
    return TrendPoint(period, row.n, row.estimate, row.se, row.low, row.high,
                      Method(row.method),
                      VerdictCode(row.verdict) if judged else VerdictCode.INSUFFICIENT,
                      n, x, lower if has_limits else None, upper if has_limits else None,
                      bool(exact) and has_limits, bool(out))


# --- the report table ----------------------------------------------------------------------

class Stat:
    """A statistic inside a lazy string, formatted in the locale active when rendered
    (5.4578 → "5.46" / "5,46"; a p-value below 0.001 → "< 0.001"; NaN → "—")."""

    def __init__(self, value: float, pattern: str = "#,##0.00", floor: Optional[float] = None):
        self.value, self.pattern, self.floor = value, pattern, floor

    def __str__(self) -> str:
        if not math.isfinite(self.value):
            return "—"
        locale = str(get_locale() or "vi")
        if self.floor is not None and self.value < self.floor:
            return "< " + format_decimal(self.floor, format=self.pattern, locale=locale)
        return format_decimal(self.value, format=self.pattern, locale=locale)


class Sentences:
    """Lazy strings shown as one text, separated by spaces."""

    def __init__(self, *parts: Any):
        self.parts = parts

    def __str__(self) -> str:
        return " ".join(str(part) for part in self.parts)


TREND_COLUMNS = (
    Column("period", _l("Period"), Kind.TEXT),
    Column("n", "n", Kind.COUNT),
    Column("estimate", _l("Index"), Kind.PERCENT),
    Column("interval", None, Kind.INTERVAL),  # label: the level, set per table
    Column("verdict", _l("Verdict"), Kind.CODE),
    Column("n_eff", _l("Effective sample size"), Kind.COUNT),
    Column("limits", _l("Control limits (3 sigma)"), Kind.INTERVAL),
    Column("out_of_control", _l("Outside the control limits"), Kind.FLAG),
    Column("x_eff", _l("Effective number satisfied"), Kind.COUNT, detail=True),
    Column("exact_limits", _l("Exact binomial limits"), Kind.FLAG, detail=True),
    Column("se", _l("Standard error"), Kind.NUMBER, detail=True),
    Column("method", _l("Method"), Kind.CODE, detail=True),
)


def trend_note(table: TrendTable) -> Any:
    """The trend test in one plain sentence (and the odds ratio, when it exists)."""
    trend = table.trend
    sentence = direction_sentence(
        table.direction, count=table.periods, every=KIND_PLURALS[table.every],
        chi_square=Stat(trend.chi_square), p_value=Stat(trend.p_value, "0.000", floor=0.001),
        alpha=Figure(1 - table.level))
    if not trend.converged:
        return sentence
    return Sentences(sentence, _l("Odds ratio %(step)s: %(odds_ratio)s (logistic "
                                  "regression on the period).", step=PER_STEP[table.every],
                                  odds_ratio=Stat(trend.odds_ratio, "#,##0.000")))


def direction_sentence(found: Direction, **values: Any) -> Any:
    """What the trend test found, as a lazy sentence (``values``: count, every,
    chi_square, p_value, alpha)."""
    if found == Direction.RISING:
        return _l("The index rose over the %(count)s %(every)s: Cochran–Armitage trend "
                  "test chi-square %(chi_square)s, p-value %(p_value)s (significant at the "
                  "%(alpha)s %% level).", **values)
    if found == Direction.FALLING:
        return _l("The index fell over the %(count)s %(every)s: Cochran–Armitage trend "
                  "test chi-square %(chi_square)s, p-value %(p_value)s (significant at the "
                  "%(alpha)s %% level).", **values)
    if found == Direction.NO_TREND:
        return _l("No clear trend over the %(count)s %(every)s: Cochran–Armitage trend "
                  "test chi-square %(chi_square)s, p-value %(p_value)s (not significant at "
                  "the %(alpha)s %% level).", **values)
    return _l("Too few periods with responses for a trend test (at least two are needed).")


def trend_report(table: TrendTable) -> ReportTable:
    """The trend table for every writer (CLI text and CSV), from :func:`trend_table`."""
    level = Figure(table.level)
    columns = tuple(
        Column(c.key, _l("%(level)s %% interval", level=level), c.kind, c.detail)
        if c.key == "interval" else c for c in TREND_COLUMNS)
    rows = [_report_row(point) for point in table.points]
    notes = [Note(trend_note(table))]
    if math.isfinite(table.centre):
        notes.append(Note(_l("Centre line of the p-chart: %(centre)s %%.",
                             centre=Figure(table.centre))))
    notes.append(Note(METHOD_NOTE))
    title = _l("Satisfaction index trend: %(unit)s (%(code)s), %(count)s %(every)s from "
               "%(first)s to %(last)s", unit=table.unit_label, code=table.unit_code,
               count=table.periods, every=KIND_PLURALS[table.every],
               first=table.points[0].period.code, last=table.points[-1].period.code)
    meta = {"unit": table.unit_code, "unit_label": table.unit_label, "to": table.to,
            "every": table.every, "periods": table.periods, "level": table.level,
            "min_n": table.min_n, "centre": table.centre, "trend": table.trend,
            "direction": table.direction}
    return ReportTable(title, columns, rows, None, notes, meta)


def _report_row(point: TrendPoint) -> ReportRow:
    has_data = point.n > 0 and math.isfinite(point.estimate)
    limits = (point.lower, point.upper) if point.lower is not None else None
    return ReportRow({
        "period": point.period.code, "n": point.n,
        "estimate": point.estimate if has_data else None,
        "interval": (point.low, point.high) if has_data else None,
        "verdict": point.verdict, "n_eff": point.n_eff, "limits": limits,
        "out_of_control": point.out_of_control, "x_eff": point.x_eff,
        "exact_limits": point.exact, "se": point.se if has_data else None,
        "method": point.method if has_data else None,
    })
