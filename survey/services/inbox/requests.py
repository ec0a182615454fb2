"""A claimant's request to see or delete the contact details they left ("yêu cầu dữ
liệu cá nhân"), made with the reference code on the public status page and handled as
a case of its own kind within :data:`REQUEST_DAYS` working days.

When a handler closes a deletion request, the contact details are deleted; the case
histories and the audit log record it, with no personal data. A request to see them
is answered with a reply (the details are shown to the handler, each view audited).
Functions flush; the caller commits.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import (DATA_REQUESTS, Case, CaseEvent, CaseEventKind, CaseKind, CaseStatus,
                       Contact, utcnow)
from ...timeutil import local_date
from .. import audit
from ..audit import CLAIMANT, Action, Actor
from ..errors import ServiceError
from ..transactions import affected, begin_write
from .outbox import mask_for_case
from .settings import InboxSettings
from .workdays import add_working_days

#: Working days to answer a request about personal data.
REQUEST_DAYS = 2


def requests_of(session: Session, case: Case) -> list[Case]:
    """The data requests made about the response of the feedback case ``case``."""
    return list(session.scalars(
        sa.select(Case).where(Case.response_id == case.response_id,
                              Case.kind.in_(DATA_REQUESTS)).order_by(Case.id)))


def request_dues(day: dt.date, settings: InboxSettings) -> dt.date:
    """The last working day to answer a request received on ``day``."""
    return add_working_days(day, REQUEST_DAYS, settings.days_off)


def open_request(session: Session, case: Case, kind: CaseKind, settings: InboxSettings,
                 now: Optional[dt.datetime] = None) -> tuple[Case, bool]:
    """Open a request of ``kind`` about the feedback case ``case``'s contact details;
    returns it and whether it is new (one of each kind per response: asking twice
    finds the first). Raises :class:`ServiceError` when no contact details are kept."""
    if kind not in DATA_REQUESTS:
        raise ValueError(f"not a data request: {kind}")
    now = now or utcnow()
    existing = session.scalar(sa.select(Case).where(Case.response_id == case.response_id,
                                                    Case.kind == kind))
    if existing is not None:
        return existing, False
    if session.scalar(sa.select(Contact.id).where(Contact.response_id == case.response_id)) \
            is None:
        message = _l("We keep no contact details for this feedback.")
        raise ServiceError(message, {"kind": [message]})
    due = request_dues(local_date(now), settings)
    begin_write(session)
    request = Case(response_id=case.response_id, kind=kind, reference=case.reference,
                   unit_id=case.unit_id, service_id=case.service_id, has_comment=False,
                   low_rating=False, wants_contact=False, status=CaseStatus.new,
                   received_at=now, opened_at=now, updated_at=now, accept_due=due,
                   resolve_due=due, due_on=due)
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:  # the same request sent twice at once
        found = session.scalar(sa.select(Case).where(Case.response_id == case.response_id,
                                                     Case.kind == kind))
        assert found is not None
        return found, False
    session.add(CaseEvent(case=request, at=now, actor_label=CLAIMANT.label,
                          kind=CaseEventKind.data_request, to_value=kind.value))
    audit.record(session, Action.DATA_REQUESTED, CLAIMANT, object_type="case",
                 object_id=request.id, unit_id=case.unit_id, detail={"kind": kind.value},
                 at=now)
    session.flush()
    return request, True


def erase_contact(session: Session, request: Case, actor: Actor,
                  now: Optional[dt.datetime] = None) -> int:
    """Delete the contact details a deletion request is about; returns how many rows
    (0 when already gone). Every case of the response gets a history line, their
    messages' recipients are masked, and the audit log notes it (no personal data)."""
    now = now or utcnow()
    deleted = affected(session.execute(sa.delete(Contact).where(
        Contact.response_id == request.response_id)))
    cases = list(session.scalars(sa.select(Case).where(
        Case.response_id == request.response_id)))
    for case in cases:
        if deleted:
            session.add(CaseEvent(case=case, at=now, actor_user_id=actor.user_id,
                                  actor_label=actor.label, kind=CaseEventKind.contact_deleted))
        mask_for_case(session, case.id)
    audit.record(session, Action.CONTACT_ERASED, actor, object_type="case",
                 object_id=request.id, unit_id=request.unit_id,
                 detail={"deleted": deleted}, at=now)
    session.flush()
    return deleted
