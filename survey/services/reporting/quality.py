"""Counts the dashboard shows beside the index: the 1–5 distribution per item, the reasons
chosen for low ratings, and the data-quality panel (flagged and excluded responses by
reason, too-fast kiosks, kiosks out of contact, response rate per counter, questionnaire
versions answered). Plain SQL counts over one unit subtree and one period.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (Answer, KioskDevice, Questionnaire, QuestionnaireItem, Response,
                       ResponseReason, ResponseStatus, Unit, UnitKind)
from ..devices.kiosks import TOO_FAST, silent_for
from .periods import Period
from .served import imported_counts, issued_table, served_by_unit
from .strata import UnitTree

#: A count below this is shown as "fewer than 5": small counts could point at a person.
SMALL_COUNT = 5


def _window(period: Period, members: Sequence[int]) -> list[Any]:
    return [Response.submitted_at >= period.start_utc, Response.submitted_at < period.end_utc,
            Response.unit_id.in_(list(members))]


def distribution(session: Session, period: Period, members: Sequence[int]
                 ) -> dict[str, dict[Optional[int], int]]:
    """Valid answers per item code and value (1–5, ``None``: not applicable)."""
    rows = session.execute(
        sa.select(Answer.item_code, Answer.value, sa.func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.status == ResponseStatus.valid, *_window(period, members))
        .group_by(Answer.item_code, Answer.value))
    found: dict[str, dict[Optional[int], int]] = {}
    for code, value, count in rows:
        found.setdefault(code, {})[value] = count
    return found


def low_reasons(session: Session, period: Period, members: Sequence[int]) -> list[tuple[str, int]]:
    """Reasons chosen for low ratings, most chosen first (valid responses)."""
    rows = session.execute(
        sa.select(ResponseReason.reason_code, sa.func.count())
        .join(Response, Response.id == ResponseReason.response_id)
        .where(Response.status == ResponseStatus.valid, *_window(period, members))
        .group_by(ResponseReason.reason_code))
    return sorted(((code, count) for code, count in rows), key=lambda r: (-r[1], r[0]))


def reason_labels(session: Session, locale: str) -> dict[str, str]:
    """Reason code → words, the newest questionnaire's wording winning."""
    labels: dict[str, str] = {}
    for questionnaire in session.scalars(sa.select(Questionnaire).order_by(Questionnaire.version)):
        for reason in questionnaire.definition.get("reasons", []):
            labels[reason["code"]] = reason.get(locale) or reason.get("vi") or reason["code"]
    return labels


def item_dimensions(session: Session) -> dict[str, str]:
    """Item code → dimension code (a later version's mapping wins)."""
    rows = session.execute(
        sa.select(QuestionnaireItem.code, QuestionnaireItem.dimension)
        .join(Questionnaire, Questionnaire.id == QuestionnaireItem.questionnaire_id)
        .order_by(Questionnaire.version))
    return {code: dimension for code, dimension in rows if dimension}


@dataclass(frozen=True)
class StatusCount:
    status: ResponseStatus
    reason: Optional[str]
    count: int


@dataclass(frozen=True)
class KioskLine:
    name: str
    unit_code: str
    too_fast: int
    silent: Optional[dt.timedelta]


@dataclass(frozen=True)
class CounterLine:
    code: str
    label: str
    responses: int
    served: Optional[int]

    @property
    def rate(self) -> Optional[float]:
        if not self.served or self.responses > self.served:
            return None
        return self.responses / self.served


@dataclass(frozen=True)
class Quality:
    statuses: list[StatusCount]
    kiosks: list[KioskLine]
    counters: list[CounterLine]
    versions: list[tuple[int, int]]


def quality(session: Session, period: Period, members: Sequence[int], tree: UnitTree,
            locale: str, heartbeat: int, now: dt.datetime) -> Quality:
    """The data-quality panel for the units ``members`` (a subtree) in ``period``."""
    window = _window(period, members)
    statuses = [StatusCount(status, reason, count) for status, reason, count in session.execute(
        sa.select(Response.status, Response.status_reason, sa.func.count())
        .where(Response.status != ResponseStatus.valid, *window)
        .group_by(Response.status, Response.status_reason)
        .order_by(Response.status, Response.status_reason))]
    fast = dict(session.execute(
        sa.select(Response.device_id, sa.func.count())
        .where(Response.status_reason == TOO_FAST, Response.device_id.is_not(None), *window)
        .group_by(Response.device_id)).all())
    devices = session.scalars(sa.select(KioskDevice).where(
        KioskDevice.unit_id.in_(list(members))).order_by(KioskDevice.id))
    kiosks = []
    for device in devices:
        silent = silent_for(device, heartbeat, now)
        if fast.get(device.id) or silent is not None:
            kiosks.append(KioskLine(device.name, tree.nodes[device.unit_id].code,
                                    fast.get(device.id, 0), silent))
    versions = [(int(v), int(c)) for v, c in session.execute(
        sa.select(Questionnaire.version, sa.func.count())
        .join(Response, Response.questionnaire_id == Questionnaire.id)
        .where(Response.status == ResponseStatus.valid, *window)
        .group_by(Questionnaire.version).order_by(Questionnaire.version))]
    return Quality(statuses, kiosks, counters(session, period, members, tree, locale), versions)


def counters(session: Session, period: Period, members: Sequence[int], tree: UnitTree,
             locale: str) -> list[CounterLine]:
    """Valid responses and served count (imported, all services) of every counter."""
    ids = list(session.scalars(sa.select(Unit.id).where(
        Unit.id.in_(list(members)), Unit.kind == UnitKind.counter)))
    responses = dict(session.execute(
        sa.select(Response.unit_id, sa.func.count())
        .where(Response.status == ResponseStatus.valid, *_window(period, ids))
        .group_by(Response.unit_id)).all())
    served = served_by_unit(imported_counts(session, period), issued_table(session, period),
                            None, {i: [i] for i in ids})
    lines = []
    for unit_id in ids:
        node = tree.nodes[unit_id]
        if node.active or responses.get(unit_id):
            count = served.get(unit_id)
            lines.append(CounterLine(node.code, node.name(locale), responses.get(unit_id, 0),
                                     count.count if count else None))
    return sorted(lines, key=lambda line: line.code)


@dataclass(frozen=True)
class Spread:
    """One item's answers: the share at each point 1–5 of those who rated, the number
    who rated and the number who said "not applicable"."""

    shares: dict[int, float]
    rated: int
    not_applicable: int


def spreads(counts: dict[str, dict[Optional[int], int]]) -> dict[str, Spread]:
    """:func:`distribution`'s counts as shares of the ratings 1–5."""
    found = {}
    for code, by_value in counts.items():
        rated = sum(count for value, count in by_value.items() if value in range(1, 6))
        shares = {v: by_value.get(v, 0) / rated for v in range(1, 6)} if rated else {}
        found[code] = Spread(shares, rated, by_value.get(None, 0))
    return found
