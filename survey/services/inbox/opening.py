"""Opening cases for the responses that need a person, after the fact.

The claimant's submission does no inbox work at all: :func:`open_cases` runs when the
inbox is viewed and from ``flask survey inbox sync`` (a timer), and opens a case for
each response that has none yet and left a comment, rated any item at or below the
threshold, or asked to be contacted. Running it twice, or twice at once, opens each
case once (``cases.response_id`` is unique). A mark (``inbox_sync``) keeps each run
to the responses received since the last one, so viewing the inbox stays cheap.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import (Answer, Case, CaseKind, CaseStatus, Comment, Contact, InboxSync, Questionnaire,
                       Response, ResponseStatus, utcnow)
from ...models.questionnaires import RATING
from ...timeutil import local_date
from ..transactions import begin_write
from .codes import reference_code
from .settings import InboxSettings
from .workdays import add_working_days

#: Responses looked at per round; each round is one query and one insert.
BATCH = 10_000


def non_rating_codes(session: Session) -> list[str]:
    """Item codes that are facts (yes/no, trips), not ratings, in any version: their
    small values are answers, not dissatisfaction. Codes keep their meaning across
    versions, so one list serves every response."""
    codes: set[str] = set()
    for definition in session.scalars(sa.select(Questionnaire.definition)):
        codes.update(item["code"] for item in definition.get("items", [])
                     if item.get("kind", RATING) != RATING)
    return sorted(codes)


#: Responses received this long before the last look are looked at again: a
#: transaction that stored one may have committed after that look.
MARGIN = dt.timedelta(minutes=10)
#: The mark moves on (a write) at most this often when nothing is opened.
MARK_STEP = dt.timedelta(minutes=5)


def _candidates(session: Session, settings: InboxSettings, limit: int,
                after: Optional[tuple[dt.datetime, uuid.UUID]], since: Optional[dt.datetime],
                ) -> list[Any]:
    """Rows (id, unit, service, received, comment?, contact?, lowest rating) of responses
    without a case that need one, received since ``since`` and after the key ``after``,
    oldest first."""
    has_comment = sa.exists().where(Comment.response_id == Response.id)
    has_contact = sa.exists().where(Contact.response_id == Response.id)
    lowest = (sa.select(sa.func.min(Answer.value))
              .where(Answer.response_id == Response.id, Answer.value.is_not(None),
                     Answer.item_code.not_in(non_rating_codes(session)))
              .scalar_subquery())
    causes: list[sa.ColumnElement[bool]] = [has_comment, has_contact]
    if settings.low_rating > 0:
        causes.append(lowest <= settings.low_rating)
    query = (sa.select(Response.id, Response.unit_id, Response.service_id,
                       Response.received_at, has_comment.label("comment"),
                       has_contact.label("contact"), lowest.label("lowest"))
             .where(~sa.exists().where(Case.response_id == Response.id,
                                       Case.kind == CaseKind.feedback),
                    Response.status != ResponseStatus.excluded, sa.or_(*causes))
             .order_by(Response.received_at, Response.id).limit(limit))
    if since is not None:
        query = query.where(Response.received_at >= since)
    if after is not None:
        query = query.where(sa.or_(Response.received_at > after[0], sa.and_(
            Response.received_at == after[0], Response.id > after[1])))
    return list(session.execute(query))


class _Dues:
    """Deadlines by day of receipt, computed once per day in a round."""

    def __init__(self, settings: InboxSettings):
        self.settings = settings
        self.known: dict[dt.date, tuple[dt.date, dt.date]] = {}

    def __call__(self, day: dt.date) -> tuple[dt.date, dt.date]:
        if day not in self.known:
            rules, off = self.settings.deadlines_for(None), self.settings.days_off
            self.known[day] = (add_working_days(day, rules.accept, off),
                               add_working_days(day, rules.resolve, off))
        return self.known[day]


def _values(row: Any, settings: InboxSettings, dues: _Dues, now: dt.datetime) -> dict:
    accept_due, resolve_due = dues(local_date(row.received_at))
    lowest = row.lowest
    return {"response_id": row.id, "reference": reference_code(row.id, settings.secret),
            "unit_id": row.unit_id, "service_id": row.service_id,
            "has_comment": bool(row.comment), "wants_contact": bool(row.contact),
            "low_rating": lowest is not None and lowest <= settings.low_rating,
            "lowest_rating": lowest, "status": CaseStatus.new, "complex": False,
            "received_at": row.received_at, "opened_at": now, "updated_at": now,
            "accept_due": accept_due, "resolve_due": resolve_due, "due_on": accept_due}


def _insert(session: Session, rows: list[dict]) -> int:
    """Insert the cases; those another process opened meanwhile are skipped."""
    try:
        with session.begin_nested():
            session.execute(sa.insert(Case), rows)
        return len(rows)
    except IntegrityError:
        pass
    done = 0
    for row in rows:  # one at a time, only after a clash
        try:
            with session.begin_nested():
                session.execute(sa.insert(Case), [row])
            done += 1
        except IntegrityError:
            continue
    return done


def _mark(session: Session) -> Optional[InboxSync]:
    return session.get(InboxSync, 1)


def _move_mark(session: Session, mark: Optional[InboxSync], started: dt.datetime,
               opened: int) -> None:
    """Note how far this run looked: always when it wrote anyway, otherwise only every
    :data:`MARK_STEP` (so that viewing the inbox seldom writes)."""
    if mark is None:
        begin_write(session)
        session.add(InboxSync(id=1, scanned_until=started))
    elif opened or started - mark.scanned_until >= MARK_STEP:
        begin_write(session)
        mark.scanned_until = max(mark.scanned_until, started)
    session.flush()


def open_cases(session: Session, settings: InboxSettings, now: Optional[dt.datetime] = None,
               batch: int = BATCH, full: bool = False, rounds: Optional[int] = None) -> int:
    """Open a case for every response that needs one and has none; returns how many
    were opened. Looks at the responses received since the last run (less
    :data:`MARGIN`), or at all of them with ``full`` (after changing the threshold).
    ``rounds`` caps the work (a web request after a large import); the mark then
    stays, and the next run goes on. Flushes; the caller commits."""
    now = now or utcnow()
    mark = _mark(session)
    since = None if full or mark is None else mark.scanned_until - MARGIN
    dues, opened, after, done = _Dues(settings), 0, None, 0
    while True:
        found = _candidates(session, settings, batch, after, since)
        if found:
            begin_write(session)
            opened += _insert(session, [_values(row, settings, dues, now) for row in found])
            after = (found[-1].received_at, found[-1].id)
        done += 1
        if len(found) < batch:
            break
        if rounds is not None and done >= rounds:
            return opened  # not finished: the mark must not move
    _move_mark(session, mark, now, opened)
    return opened
