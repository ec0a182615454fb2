"""The audit log: recording privileged actions and sign-in attempts, and reading them back.

:func:`record` adds an event to the caller's transaction (it flushes; the caller
commits with the action itself, so an action rolled back leaves no event). Events are
never changed or deleted (``survey.models.audit`` refuses it).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AuditEvent, Outcome, User, utcnow


class Action:
    """Every action name the log uses, in one place (filters list them)."""

    SIGN_IN = "auth.sign_in"
    SIGN_OUT = "auth.sign_out"
    PASSWORD_SET = "auth.password_set"
    PASSWORD_LINK = "auth.password_link"
    USER_CREATED = "user.created"
    USER_DEACTIVATED = "user.deactivated"
    USER_ACTIVATED = "user.activated"
    GRANT_ADDED = "grant.added"
    GRANT_REMOVED = "grant.removed"
    KIOSK_ADDED = "kiosk.added"
    KIOSK_REVOKED = "kiosk.revoked"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    QUESTIONNAIRE_PUBLISHED = "questionnaire.published"
    SERVED_IMPORTED = "served.imported"
    COVERAGE_CHANGED = "coverage.changed"
    COVERAGE_IMPORTED = "coverage.imported"
    EXPORT_DOWNLOADED = "export.downloaded"
    UNIT_CREATED = "unit.created"
    UNIT_RENAMED = "unit.renamed"
    UNIT_DEACTIVATED = "unit.deactivated"
    UNIT_ACTIVATED = "unit.activated"
    UNITS_IMPORTED = "units.imported"
    CASE_STATUS = "case.status"
    CONTACT_VIEWED = "contact.viewed"
    CONTACTS_PURGED = "contacts.purged"
    COMMENT_REDACTED = "comment.redacted"
    RESPONSE_RESTORED = "response.restored"
    DATA_REQUESTED = "contact.request"
    CONTACT_ERASED = "contact.erased"
    QUOTE_APPROVED = "quote.approved"
    QUOTE_WITHDRAWN = "quote.withdrawn"
    FEEDBACK_PAGE = "feedback_page.changed"
    FEEDBACK_ACTION_ADDED = "feedback_action.added"
    FEEDBACK_ACTION_REMOVED = "feedback_action.removed"
    REPORT_GENERATED = "report.generated"
    REPORT_NARRATIVE = "report.narrative"
    REPORT_SUBMITTED = "report.submitted"
    REPORT_APPROVED = "report.approved"
    REPORT_RETURNED = "report.returned"
    REPORT_EXPORTED = "report.exported"
    MICRODATA_EXPORTED = "microdata.exported"

    @classmethod
    def all(cls) -> list[str]:
        return sorted(value for name, value in vars(cls).items()
                      if name.isupper() and isinstance(value, str))


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (id and e-mail), the command line, or nobody yet."""

    user_id: Optional[int]
    label: str

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user.id, user.email)


#: The command line (``flask survey ...``): whoever can run it has the server.
CLI = Actor(None, "cli")
#: Someone not signed in (a sign-in attempt, a set-password link).
ANONYMOUS = Actor(None, "anonymous")
#: A claimant acting with a reference code (a request about their contact details).
CLAIMANT = Actor(None, "claimant")

#: Detail keys that could hold a secret or a claimant's contact: refused outright.
FORBIDDEN_KEY = re.compile(r"pass|token|secret|code|hash|otp|phone|mail|contact|address", re.I)
#: Largest detail, as JSON: a few plain facts, never a document.
MAX_DETAIL_CHARS = 1000


def record(session: Session, action: str, actor: Actor, *, outcome: Outcome = Outcome.success,
           object_type: Optional[str] = None, object_id: Any = None,
           unit_id: Optional[int] = None, detail: Optional[dict[str, Any]] = None,
           at: Optional[dt.datetime] = None, flush: bool = True) -> AuditEvent:
    """Add one event to the session and flush it (unless ``flush`` is false: a caller
    recording many events flushes once after them); returns the event.

    ``detail`` holds plain facts (numbers, roles, versions); a key that looks like it
    could carry a password, token, code or contact detail raises ``ValueError``, as
    does a detail longer than :data:`MAX_DETAIL_CHARS`: a bug, never user input.
    """
    detail = dict(detail or {})
    bad = sorted(key for key in detail if FORBIDDEN_KEY.search(key))
    if bad:
        raise ValueError(f"audit detail may not hold {', '.join(bad)}")
    if len(json.dumps(detail, default=str)) > MAX_DETAIL_CHARS:
        raise ValueError("audit detail too large")
    event = AuditEvent(at=at or utcnow(), actor_user_id=actor.user_id, actor_label=actor.label,
                       action=action, outcome=outcome, object_type=object_type,
                       object_id=None if object_id is None else str(object_id),
                       unit_id=unit_id, detail=detail)
    session.add(event)
    if flush:
        session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What to list: every field optional; ``until`` is exclusive."""

    action: Optional[str] = None
    actor: Optional[str] = None
    since: Optional[dt.datetime] = None
    until: Optional[dt.datetime] = None


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(query: sa.Select, wanted: AuditFilter) -> sa.Select:
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.actor:
        query = query.where(AuditEvent.actor_label == wanted.actor.strip().lower())
    if wanted.since:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until:
        query = query.where(AuditEvent.at < wanted.until)
    return query


def list_events(session: Session, wanted: AuditFilter = AuditFilter(), page: int = 1,
                per_page: int = 50) -> AuditPage:
    """One page of events, newest first, with the total that match."""
    total = session.scalar(_filtered(sa.select(sa.func.count(AuditEvent.id)), wanted)) or 0
    page = max(1, page)
    events = session.scalars(_filtered(sa.select(AuditEvent), wanted)
                             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                             .offset((page - 1) * per_page).limit(per_page))
    return AuditPage(list(events), total, page, per_page)


def all_events(session: Session, wanted: AuditFilter = AuditFilter()) -> list[AuditEvent]:
    """Every matching event, oldest first (the command line prints them in order)."""
    return list(session.scalars(_filtered(sa.select(AuditEvent), wanted)
                                .order_by(AuditEvent.at, AuditEvent.id)))
