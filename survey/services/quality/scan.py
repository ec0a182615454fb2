"""Burst detection after the fact: per counter, responses per hour against the
counter's own history and its served count, and identical answer patterns within a
short window (docs/methodology.md, "Stuffed responses").

Only phone responses (``qr``, ``web``) are scanned: receipt codes are single-use and
kiosks flag answers that come too fast as they arrive. Only valid responses count and
only valid ones are flagged; one a manager restored is never flagged again.
"""
from __future__ import annotations

import bisect
import datetime as dt
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Answer, Channel, Response, ResponseStatus
from ...models.responses import RESTORED
from ..reporting.periods import Period
from ..reporting.served import imported_counts
from . import BURST_PATTERN, BURST_RATE

SCANNED = (Channel.qr, Channel.web)
#: Length of the sliding window whose responses are counted against the hourly rate.
WINDOW = dt.timedelta(hours=1)
#: Days before the period whose hours make up a counter's usual rate.
HISTORY_DAYS = 28
#: The usual rate of a counter is never taken below this many responses an hour: a
#: counter that is nearly silent may still see a few claimants in one hour.
MIN_RATE = 3.0
#: Opening hours a working day, to turn a served count into a rate per hour.
HOURS_PER_DAY = 8
#: Identical answers are looked at within windows of this length ...
PATTERN_WINDOW = dt.timedelta(minutes=10)
#: ... once at least this many responses in one window give the same answers.
MIN_IDENTICAL = 5


@dataclass
class HourBurst:
    """A burst: ``count`` responses within the hour from ``hour`` (its first response)."""

    unit_id: int
    hour: dt.datetime
    count: int
    rate: float
    limit: int


@dataclass
class ScanResult:
    """What a scan found: newly flagged responses per reason, and the hours it judged
    bursts (with the usual rate and the limit they went over)."""

    flagged: dict[str, int] = field(default_factory=dict)
    hours: list[HourBurst] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    unit_id: int
    at: dt.datetime
    restored: bool
    pattern: Optional[tuple] = None


def scan(session: Session, period: Period, alpha: Optional[float] = None) -> ScanResult:
    """Flag the bursts among the period's valid phone responses (in the caller's
    transaction; it flushes). Returns what was flagged now."""
    from ...analysis.bursts import DEFAULT_ALPHA

    alpha = DEFAULT_ALPHA if alpha is None else alpha
    start = period.start_utc - dt.timedelta(days=HISTORY_DAYS)
    rows = _rows(session, start, period.end_utc)
    current = [row for row in rows if row.at >= period.start_utc]
    result = ScanResult()
    served = _served_rates(session, period)
    by_rate = _rate_bursts(rows, current, served, alpha, result)
    rows = _with_patterns(session, rows)
    by_pattern = _pattern_bursts(rows, period.start_utc, alpha) - by_rate
    for reason, ids in ((BURST_RATE, by_rate), (BURST_PATTERN, by_pattern)):
        result.flagged[reason] = _flag(session, ids, reason)
    return result


def _rows(session: Session, start: dt.datetime, end: dt.datetime) -> list[_Row]:
    query = (sa.select(Response.id, Response.unit_id, Response.submitted_at,
                       Response.status_reason)
             .where(Response.status == ResponseStatus.valid, Response.channel.in_(SCANNED),
                    Response.submitted_at >= start, Response.submitted_at < end)
             .order_by(Response.submitted_at))
    return [_Row(rid, unit_id, at, reason == RESTORED)
            for rid, unit_id, at, reason in session.execute(query)]


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _served_rates(session: Session, period: Period) -> dict[int, float]:
    """Claimants served per opening hour, per unit, from the imported served counts."""
    days = sum(1 for n in range((period.end_utc - period.start_utc).days)
               if (period.start_utc + dt.timedelta(days=n)).weekday() < 5)
    totals: dict[int, int] = defaultdict(int)
    own: dict[int, int] = {}
    for (unit_id, service_id), count in imported_counts(session, period).items():
        if service_id is None:
            own[unit_id] = count
        else:
            totals[unit_id] += count
    totals.update(own)
    hours = max(days, 1) * HOURS_PER_DAY
    return {unit_id: count / hours for unit_id, count in totals.items()}


def _rate_bursts(rows: list[_Row], current: list[_Row], served: dict[int, float],
                 alpha: float, result: ScanResult) -> set[uuid.UUID]:
    """Responses in any hour-long window (sliding, so that a burst across a clock hour
    is not split in two) in which a counter received at least the Poisson limit of its
    usual rate: the larger of the median of its other non-empty clock hours (history
    and period; a median is not moved by a few stuffed hours, and the hours the window
    touches are left out of it), its served count per opening hour, and
    :data:`MIN_RATE`."""
    hours: dict[int, dict[dt.datetime, int]] = defaultdict(lambda: defaultdict(int))
    by_unit: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        hours[row.unit_id][_hour(row.at)] += 1
    for row in current:
        by_unit[row.unit_id].append(row)
    flagged: set[uuid.UUID] = set()
    for unit_id, unit_rows in by_unit.items():
        flagged |= _unit_rate_bursts(unit_id, unit_rows, hours[unit_id],
                                     served.get(unit_id, 0.0), alpha, result)
    return flagged


def _unit_rate_bursts(unit_id: int, rows: list[_Row], hours: dict[dt.datetime, int],
                      served: float, alpha: float, result: ScanResult) -> set[uuid.UUID]:
    from ...analysis.bursts import poisson_limit

    counts = sorted(hours.values())
    limits: dict[tuple[dt.datetime, dt.datetime], tuple[float, int]] = {}
    flagged: set[uuid.UUID] = set()
    reported: Optional[HourBurst] = None
    first = 0
    for last, row in enumerate(rows):
        while row.at - rows[first].at >= WINDOW:
            first += 1
        touched = (_hour(rows[first].at), _hour(row.at))
        if touched not in limits:
            rest = list(counts)
            for hour in set(touched):
                del rest[bisect.bisect_left(rest, hours[hour])]
            rate = max(float(statistics.median(rest)) if rest else 0.0, served, MIN_RATE)
            limits[touched] = (rate, poisson_limit(rate, alpha))
        rate, limit = limits[touched]
        count = last - first + 1
        if count >= limit:
            flagged.update(r.id for r in rows[first:last + 1] if not r.restored)
            if reported is None or rows[first].at >= reported.hour + WINDOW:
                reported = HourBurst(unit_id, rows[first].at, count, rate, limit)
                result.hours.append(reported)
            reported.count = max(reported.count, count)
    return flagged


def _with_patterns(session: Session, rows: list[_Row]) -> list[_Row]:
    """The rows with their answer patterns (their answers as sorted pairs)."""
    answers: dict[uuid.UUID, list[tuple[str, Optional[int]]]] = defaultdict(list)
    ids = [row.id for row in rows]
    for chunk in range(0, len(ids), 500):
        for rid, code, value in session.execute(
                sa.select(Answer.response_id, Answer.item_code, Answer.value)
                .where(Answer.response_id.in_(ids[chunk:chunk + 500]))):
            answers[rid].append((code, value))
    return [_Row(row.id, row.unit_id, row.at, row.restored, tuple(sorted(answers[row.id])))
            for row in rows]


def _pattern_bursts(rows: list[_Row], period_start: dt.datetime,
                    alpha: float) -> set[uuid.UUID]:
    """Responses of the period in a window of :data:`PATTERN_WINDOW` in which k of the
    counter's n responses share one answer pattern, k at least :data:`MIN_IDENTICAL`,
    and k or more is less likely than ``alpha`` given the pattern's share among the
    counter's responses before the period (binomial; the share estimated with one added
    success and one added failure, so 1/2 for a counter without history)."""
    from ...analysis.bursts import pattern_tail

    past: dict[int, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    current: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.at < period_start:
            past[row.unit_id][row.pattern or ()] += 1
        else:
            current[row.unit_id].append(row)
    flagged: set[uuid.UUID] = set()
    for unit_id, unit_rows in current.items():
        times = [row.at for row in unit_rows]
        groups: dict[tuple, list[_Row]] = defaultdict(list)
        for row in unit_rows:
            groups[row.pattern or ()].append(row)
        seen = past.get(unit_id, {})
        total = sum(seen.values())
        for pattern, same in groups.items():
            if len(same) >= MIN_IDENTICAL:
                share = (seen.get(pattern, 0) + 1) / (total + 2)
                flagged |= _windows(same, times, share, alpha, pattern_tail)
    return flagged


def _windows(same: list[_Row], times: list[dt.datetime], share: float, alpha: float,
             tail: Any) -> set[uuid.UUID]:
    flagged: set[uuid.UUID] = set()
    first = 0
    for last in range(len(same)):
        while same[last].at - same[first].at > PATTERN_WINDOW:
            first += 1
        k = last - first + 1
        if k < MIN_IDENTICAL:
            continue
        n = bisect.bisect_right(times, same[last].at) - bisect.bisect_left(times, same[first].at)
        if tail(k, n, share) < alpha:
            flagged.update(row.id for row in same[first:last + 1] if not row.restored)
    return flagged


def _flag(session: Session, ids: set[uuid.UUID], reason: str) -> int:
    """Flag the valid, never-restored responses among ``ids``; returns how many."""
    done = 0
    listed = sorted(ids)
    for chunk in range(0, len(listed), 500):
        result = session.execute(
            sa.update(Response)
            .where(Response.id.in_(listed[chunk:chunk + 500]),
                   Response.status == ResponseStatus.valid,
                   sa.or_(Response.status_reason.is_(None),
                          Response.status_reason != RESTORED))
            .values(status=ResponseStatus.flagged, status_reason=reason)
            .execution_options(synchronize_session=False))
        done += int(getattr(result, "rowcount", 0) or 0)
    return done
