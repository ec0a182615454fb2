"""The audit log: who did what, when, to which object and unit. Append-only."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class Outcome(enum.Enum):
    success = "success"
    #: Refused: a wrong password, an expired link ...
    failure = "failure"
    #: Refused without being checked, because of too many failures.
    throttled = "throttled"


class AuditEvent(Model):
    """One privileged action or sign-in attempt. Rows are never changed or deleted.

    Nothing here holds a password, a token or a claimant's contact details
    (:func:`survey.services.audit.record` refuses such detail keys).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The signed-in user who acted; ``None`` for the command line and anonymous attempts.
    actor_user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Who acted, as shown: the user's e-mail, ``cli`` or ``anonymous``.
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    #: Dotted name, e.g. ``auth.sign_in``, ``grant.added`` (survey/services/audit.py).
    action: Mapped[str] = mapped_column(sa.String(60))
    outcome: Mapped[Outcome] = mapped_column(
        sa.Enum(Outcome, name="audit_outcome", native_enum=False, length=16),
        default=Outcome.success)
    #: The object acted on: ``user``, ``kiosk``, ``api_token`` ... and its id.
    object_type: Mapped[Optional[str]] = mapped_column(sa.String(40))
    object_id: Mapped[Optional[str]] = mapped_column(sa.String(64))
    #: The unit concerned, if any (a grant's unit, a kiosk's counter).
    unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"))
    #: A few plain facts (counts, a role, a version); small, never a secret.
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_audit_events_action_at", "action", "at"),)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("audit events are append-only")
