"""Handling cases: status changes by the rules, assignment, category, internal notes,
views of contact details, and the bulk versions. Every change adds a case event
(who, when, from, to, note); status changes and contact views also go to the audit
log. Functions flush; the caller commits.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import (COMMENT_MAX, DATA_REQUESTS, FINISHED, Case, CaseCategory, CaseEvent,
                       CaseEventKind, CaseKind, CaseStatus, Role, User, utcnow)
from ...timeutil import local_date
from .. import audit
from ..accounts.scope import unit_scope
from ..audit import Action, Actor
from ..errors import ServiceError
from .settings import InboxSettings
from .workdays import add_working_days

S = CaseStatus
#: Status → the statuses it may move to. "Không cần xử lý" can be undone (back to new);
#: a replied or closed case can be reopened.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.new: frozenset({S.in_progress, S.no_action}),
    S.in_progress: frozenset({S.replied, S.closed, S.no_action}),
    S.replied: frozenset({S.closed, S.in_progress}),
    S.closed: frozenset({S.in_progress}),
    S.no_action: frozenset({S.new}),
}
NOTE_MAX = 2000
REASON_MAX = 200


def allowed_statuses(case: Case) -> list[CaseStatus]:
    """The statuses ``case`` may move to now, in the order of :class:`CaseStatus`."""
    return [status for status in CaseStatus if status in TRANSITIONS[case.status]]


def running_deadline(case: Case) -> Optional[dt.date]:
    """The deadline that runs in the case's status: acceptance while new, the reply
    while in progress, none once finished."""
    if case.status is S.new:
        return case.accept_due
    return None if case.status in FINISHED else case.resolve_due


def _event(session: Session, case: Case, actor: Actor, kind: CaseEventKind,
           before: Optional[str] = None, after: Optional[str] = None,
           note: Optional[str] = None, now: Optional[dt.datetime] = None) -> CaseEvent:
    event = CaseEvent(case=case, at=now or utcnow(), actor_user_id=actor.user_id,
                      actor_label=actor.label, kind=kind, from_value=before, to_value=after,
                      note=note or None)
    session.add(event)
    return event


def _stamp(case: Case, to: CaseStatus, now: dt.datetime) -> None:
    if case.status is S.new and to is not S.no_action:
        case.accepted_at = case.accepted_at or now
    if to is S.replied:
        case.replied_at = now
    case.closed_at = now if to in (S.closed, S.no_action) else None
    case.status_reason = None


def change_status(session: Session, case: Case, to: CaseStatus, actor: Actor, *,
                  note: str = "", reason: str = "", expected: Optional[CaseStatus] = None,
                  now: Optional[dt.datetime] = None) -> CaseEvent:
    """Move ``case`` to ``to`` if the rules allow it; returns the event recorded.

    Raises :class:`ServiceError` when the move is not allowed, when "no action needed"
    comes without a reason, or when ``expected`` (the status the person saw) is no
    longer the case's status because someone else changed it meanwhile."""
    now = now or utcnow()
    reason, note = reason.strip()[:REASON_MAX], note.strip()[:NOTE_MAX]
    if expected is not None and case.status is not expected:
        raise ServiceError(_l("Someone else changed this case meanwhile. Check its status "
                              "and try again."), {"status": [_l("Changed meanwhile.")]})
    if to not in TRANSITIONS[case.status]:
        raise ServiceError(_l("This change of status is not allowed."),
                           {"status": [_l("Not allowed from the current status.")]})
    if to is S.no_action and not reason:
        raise ServiceError(_l("Say why no action is needed."),
                           {"reason": [_l("Say why no action is needed.")]})
    before = case.status
    _stamp(case, to, now)
    case.status, case.updated_at = to, now
    case.status_reason = reason if to is S.no_action else None
    case.due_on = running_deadline(case)
    event = _event(session, case, actor, CaseEventKind.status, before.value, to.value,
                   reason if to is S.no_action else note, now)
    audit.record(session, Action.CASE_STATUS, actor, object_type="case", object_id=case.id,
                 unit_id=case.unit_id, detail={"from": before.value, "to": to.value}, at=now)
    if case.kind is CaseKind.data_erasure and to is S.closed:
        # Completing a deletion request is the deletion itself.
        from .requests import erase_contact  # requests → outbox → handling

        erase_contact(session, case, actor, now)
    return event


def can_be_assigned(session: Session, user: User, case: Case, roles: Iterable[Role]) -> bool:
    """Whether ``user`` is active and holds one of ``roles`` over the case's unit."""
    return user.active and case.unit_id in unit_scope(session, user, roles)


def assign(session: Session, case: Case, assignee: Optional[User], actor: Actor,
           roles: Iterable[Role], now: Optional[dt.datetime] = None) -> Optional[CaseEvent]:
    """Give ``case`` to ``assignee`` (``None``: to nobody); returns the event, or
    ``None`` when nothing changed. Raises :class:`ServiceError` when the assignee
    cannot handle cases of its unit (``roles``: those that may)."""
    if assignee is not None and not can_be_assigned(session, assignee, case, roles):
        raise ServiceError(_l("This person cannot handle cases of this unit."),
                           {"assignee": [_l("Choose someone who handles this unit.")]})
    new_id = assignee.id if assignee is not None else None
    if new_id == case.assignee_id:
        return None
    before = case.assignee_id
    case.assignee_id, case.updated_at = new_id, now or utcnow()
    return _event(session, case, actor, CaseEventKind.assigned,
                  None if before is None else str(before),
                  None if new_id is None else str(new_id), now=now)


def _category_label(category: Optional[CaseCategory], complex_: bool) -> Optional[str]:
    if category is None:
        return "complex" if complex_ else None
    return f"{category.value}/complex" if complex_ else category.value


def set_category(session: Session, case: Case, category: Optional[CaseCategory],
                 complex_: bool, actor: Actor, settings: InboxSettings,
                 now: Optional[dt.datetime] = None) -> Optional[CaseEvent]:
    """Set the category and whether the case is complex, and count its deadlines again
    from receipt by that category's rules; returns the event, or ``None`` when nothing
    changed."""
    if (category, complex_) == (case.category, case.complex):
        return None
    before = _category_label(case.category, case.complex)
    case.category, case.complex = category, complex_
    if case.kind not in DATA_REQUESTS:  # a data request's deadline is the law's, fixed
        rules = settings.deadlines_for(category)
        received = local_date(case.received_at)
        case.accept_due = add_working_days(received, rules.accept, settings.days_off)
        case.resolve_due = add_working_days(
            received, rules.complex if complex_ else rules.resolve, settings.days_off)
    case.due_on, case.updated_at = running_deadline(case), now or utcnow()
    return _event(session, case, actor, CaseEventKind.category, before,
                  _category_label(category, complex_), now=now)


def add_note(session: Session, case: Case, text: str, actor: Actor,
             now: Optional[dt.datetime] = None) -> CaseEvent:
    """Add an internal note (never shown to the claimant); returns its event. Raises
    :class:`ServiceError` for an empty or too long note."""
    text = text.strip()
    if not text or len(text) > NOTE_MAX:
        raise ServiceError(_l("Write a note of at most %(max)s characters.", max=NOTE_MAX),
                           {"note": [_l("Write a note of at most %(max)s characters.",
                                        max=NOTE_MAX)]})
    case.updated_at = now or utcnow()
    return _event(session, case, actor, CaseEventKind.note, note=text, now=now)


def record_contact_view(session: Session, case: Case, actor: Actor,
                        now: Optional[dt.datetime] = None) -> CaseEvent:
    """Note that ``actor`` saw the claimant's contact details (case history and audit
    log, neither holding the details); returns the case event."""
    event = _event(session, case, actor, CaseEventKind.contact_viewed, now=now)
    audit.record(session, Action.CONTACT_VIEWED, actor, object_type="case",
                 object_id=case.id, unit_id=case.unit_id, at=now)
    return event


def bulk_assign(session: Session, cases: Iterable[Case], assignee: Optional[User],
                actor: Actor, roles: Iterable[Role]) -> int:
    """Assign each case to ``assignee``; returns how many changed. Raises
    :class:`ServiceError` (nothing changed) if the assignee cannot take one of them."""
    cases, roles = list(cases), list(roles)
    if assignee is not None and not all(can_be_assigned(session, assignee, case, roles)
                                        for case in cases):
        raise ServiceError(_l("This person cannot handle cases of every unit chosen."),
                           {"assignee": [_l("Choose someone who handles these units.")]})
    return sum(assign(session, case, assignee, actor, roles) is not None for case in cases)


def bulk_no_action(session: Session, cases: Iterable[Case], reason: str, actor: Actor) -> int:
    """Mark as needing no action (spam, no content) every case that may be; returns
    how many were. Raises :class:`ServiceError` without a reason (nothing changed)."""
    if not reason.strip():
        raise ServiceError(_l("Say why no action is needed."),
                           {"reason": [_l("Say why no action is needed.")]})
    done = 0
    for case in cases:
        if S.no_action in TRANSITIONS[case.status]:
            change_status(session, case, S.no_action, actor, reason=reason)
            done += 1
    return done


def redact_comment(session: Session, case: Case, text: str, actor: Actor,
                   now: Optional[dt.datetime] = None) -> CaseEvent:
    """Replace the claimant's comment with ``text`` (the same with personal data taken
    out); the original is kept nowhere, the case history and the audit log note that it
    was done and the lengths. Returns the event. Raises :class:`ServiceError` for a case
    without a comment, an unchanged, empty or too long text."""
    comment = case.response.comment
    text = text.strip()
    if comment is None:
        raise ServiceError(_l("This case has no comment."), {"text": [_l("No comment.")]})
    if not text or len(text) > COMMENT_MAX or text == comment.body:
        message = _l("Write the comment with the personal data taken out.")
        raise ServiceError(message, {"text": [message]})
    before = len(comment.body)
    comment.body, case.updated_at = text, now or utcnow()
    audit.record(session, Action.COMMENT_REDACTED, actor, object_type="case",
                 object_id=case.id, unit_id=case.unit_id,
                 detail={"chars_before": before, "chars_after": len(text)}, at=now)
    return _event(session, case, actor, CaseEventKind.redacted, now=now)
