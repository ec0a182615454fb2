"""Reading and restoring flagged responses (the data-quality view)."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Channel, Response, ResponseStatus
from ...models.responses import RESTORED
from ..accounts.scope import Scope
from ..errors import NotFound
from ..reporting.periods import Period


@dataclass(frozen=True)
class FlaggedRow:
    id: uuid.UUID
    unit_id: int
    channel: Channel
    submitted_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class QualitySummary:
    """Responses in a period and scope: how many in all, flagged per (unit, reason),
    restored, and the newest flagged ones (at most ``limit``)."""

    total: int
    flagged: dict[tuple[int, str], int]
    restored: int
    rows: list[FlaggedRow]

    @property
    def flagged_total(self) -> int:
        return sum(self.flagged.values())


def _where(period: Period, scope: Optional[Scope]) -> list:
    clauses = [Response.submitted_at >= period.start_utc,
               Response.submitted_at < period.end_utc]
    if scope is not None:
        clauses.append(scope.where(Response.unit_id))
    return clauses


def summary(session: Session, period: Period, scope: Optional[Scope] = None,
            reason: Optional[str] = None, limit: int = 200) -> QualitySummary:
    """The data-quality figures of ``period`` in ``scope`` (None: every unit)."""
    where = _where(period, scope)
    total = session.scalar(sa.select(sa.func.count()).select_from(Response).where(*where)) or 0
    flagged = {(unit_id, code or ""): count for unit_id, code, count in session.execute(
        sa.select(Response.unit_id, Response.status_reason, sa.func.count())
        .where(*where, Response.status == ResponseStatus.flagged)
        .group_by(Response.unit_id, Response.status_reason))}
    restored = session.scalar(sa.select(sa.func.count()).select_from(Response).where(
        *where, Response.status == ResponseStatus.valid,
        Response.status_reason == RESTORED)) or 0
    listed = [Response.status == ResponseStatus.flagged]
    if reason:
        listed.append(Response.status_reason == reason)
    rows = [FlaggedRow(rid, unit_id, channel, at, code or "")
            for rid, unit_id, channel, at, code in session.execute(
        sa.select(Response.id, Response.unit_id, Response.channel, Response.submitted_at,
                  Response.status_reason)
        .where(*where, *listed).order_by(Response.submitted_at.desc(), Response.id)
        .limit(limit))]
    return QualitySummary(total, flagged, restored, rows)


def restore(session: Session, response_id: uuid.UUID,
            scope: Optional[Scope] = None) -> tuple[Response, str]:
    """Put a flagged response back among the valid ones for good (no scan flags it
    again); returns it with the reason it had. :class:`NotFound` when there is no such
    flagged response in ``scope``. The caller records it in the audit log."""
    response = session.get(Response, response_id, with_for_update=True)
    if (response is None or response.status is not ResponseStatus.flagged
            or (scope is not None and response.unit_id not in scope)):
        raise NotFound(_l("There is no such flagged response."))
    reason = response.status_reason or ""
    response.status, response.status_reason = ResponseStatus.valid, RESTORED
    session.flush()
    return response, reason
