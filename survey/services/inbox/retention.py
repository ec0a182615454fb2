"""Contact details kept no longer than needed: deleted N days after their case is closed
(or marked as needing no action), ``SURVEY_CONTACT_RETENTION_DAYS``, default 30.

Each deletion leaves a line in the case's history and one audit entry for the run with
counts only: the log holds no personal data.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Case, CaseEvent, CaseKind, CaseEventKind, CaseStatus, Contact, utcnow
from .. import audit
from ..audit import Action, Actor
from ..transactions import begin_write
from .outbox import mask_for_case

#: Days after closing a case before its contact details are deleted, by default.
DEFAULT_RETENTION_DAYS = 30


def due_for_deletion(session: Session, days: int, now: dt.datetime) -> list[tuple[int, int]]:
    """(contact id, case id) of contacts whose case was closed at least ``days`` ago."""
    limit = now - dt.timedelta(days=days)
    return [(contact_id, case_id) for contact_id, case_id in session.execute(
        sa.select(Contact.id, Case.id).join(Case, Case.response_id == Contact.response_id)
        .where(Case.kind == CaseKind.feedback, Case.status.in_([CaseStatus.closed, CaseStatus.no_action]),
               Case.closed_at <= limit).order_by(Contact.id))]


def purge_closed_contacts(session: Session, actor: Actor,
                          days: int = DEFAULT_RETENTION_DAYS,
                          now: Optional[dt.datetime] = None) -> int:
    """Delete the contact details of cases closed ``days`` or more ago; returns how many.
    Flushes; the caller commits. Raises ``ValueError`` for a negative ``days``."""
    if days < 0:
        raise ValueError("retention days must not be negative")
    now = now or utcnow()
    found = due_for_deletion(session, days, now)
    if not found:
        return 0
    begin_write(session)
    session.execute(sa.delete(Contact).where(Contact.id.in_([c for c, _case in found])))
    session.add_all(CaseEvent(case_id=case_id, at=now, actor_user_id=actor.user_id,
                              actor_label=actor.label, kind=CaseEventKind.contact_deleted)
                    for _contact, case_id in found)
    for case_id in {case_id for _contact, case_id in found}:
        mask_for_case(session, case_id)
    audit.record(session, Action.CONTACTS_PURGED, actor, at=now,
                 detail={"deleted": len(found), "retention_days": days})
    return len(found)
