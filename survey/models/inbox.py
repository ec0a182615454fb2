"""The feedback inbox: a case per response that needs a person (a comment, a low rating,
a request to be contacted) and the append-only history of what was done with it."""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class CaseStatus(enum.Enum):
    """mới → đang xử lý → đã trả lời → đã đóng, or "không cần xử lý" (with a reason)."""

    new = "new"
    in_progress = "in_progress"
    replied = "replied"
    closed = "closed"
    no_action = "no_action"


#: Statuses in which nothing more is expected of anyone: no deadline runs.
FINISHED = frozenset({CaseStatus.replied, CaseStatus.closed, CaseStatus.no_action})


class CaseCategory(enum.Enum):
    """What the feedback is about; each may have deadlines of its own."""

    procedure = "procedure"
    attitude = "attitude"
    waiting = "waiting"
    benefit = "benefit"
    facilities = "facilities"
    other = "other"


class CaseKind(enum.Enum):
    """What a case is: feedback to handle, or a claimant's request about the contact
    details they left (see or delete; "yêu cầu dữ liệu cá nhân", due in 2 working days)."""

    feedback = "feedback"
    data_access = "data_access"
    data_erasure = "data_erasure"


#: The kinds that are requests about personal data.
DATA_REQUESTS = frozenset({CaseKind.data_access, CaseKind.data_erasure})


class CaseEventKind(enum.Enum):
    status = "status"
    assigned = "assigned"
    category = "category"
    note = "note"
    contact_viewed = "contact_viewed"
    #: The contact details were deleted at the end of their retention.
    contact_deleted = "contact_deleted"
    #: A reply to the claimant was put in the outbox.
    reply = "reply"
    #: Personal data removed from the comment (the original is not kept anywhere).
    redacted = "redacted"
    #: The claimant asked (by reference code) to see or delete their contact details.
    data_request = "data_request"
    #: A manager allowed (or withdrew) the comment as a quote on the unit's public page.
    quote_approved = "quote_approved"
    quote_withdrawn = "quote_withdrawn"


class Case(Model):
    """One response that asks for a person's attention, from opening to closing."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One case of each kind per response at most: opening cases is idempotent.
    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"))
    kind: Mapped[CaseKind] = mapped_column(
        sa.Enum(CaseKind, name="case_kind", native_enum=False, length=16),
        default=CaseKind.feedback, server_default=CaseKind.feedback.value)
    #: What the claimant can quote (thank-you page, status page); derived from the
    #: response id and the secret key (survey/services/inbox/codes.py), stored to find it.
    reference: Mapped[str] = mapped_column(sa.String(16), index=True)
    #: The response's unit and service, copied so that lists filter without a join.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    service_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("services.id"))
    #: Why the case was opened; any combination, at least one.
    has_comment: Mapped[bool] = mapped_column(default=False)
    low_rating: Mapped[bool] = mapped_column(default=False)
    wants_contact: Mapped[bool] = mapped_column(default=False)
    #: The lowest rating the response gave (1–5), if any.
    lowest_rating: Mapped[Optional[int]] = mapped_column(sa.SmallInteger)
    status: Mapped[CaseStatus] = mapped_column(
        sa.Enum(CaseStatus, name="case_status", native_enum=False, length=16),
        default=CaseStatus.new)
    #: Why a case needs no action (spam, no content …); required for that status.
    status_reason: Mapped[Optional[str]] = mapped_column(sa.String(200))
    assignee_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    category: Mapped[Optional[CaseCategory]] = mapped_column(
        sa.Enum(CaseCategory, name="case_category", native_enum=False, length=16))
    #: Complex cases get the longer resolution deadline (45 days under the Complaints Law).
    complex: Mapped[bool] = mapped_column(default=False)
    #: When the response reached the server: deadlines count from its date in Vietnam.
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Last working day to accept (move out of "new") and to reply.
    accept_due: Mapped[dt.date] = mapped_column(sa.Date)
    resolve_due: Mapped[dt.date] = mapped_column(sa.Date)
    #: The deadline that runs now: ``accept_due`` while new, ``resolve_due`` while in
    #: progress, none once finished. Lists sort and filter overdue cases on it.
    due_on: Mapped[Optional[dt.date]] = mapped_column(sa.Date)
    accepted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    replied_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: Set when closed or marked as needing no action; cleared when reopened.
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A manager allowed the comment to be quoted, as it is now, on the unit's public
    #: "what we did" page.
    public_quote: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    response = relationship("Response")
    unit = relationship("Unit")
    service = relationship("Service")
    assignee = relationship("User")
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id")

    __table_args__ = (
        sa.UniqueConstraint("response_id", "kind"),
        # The list's order (bench/inbox_list.py): running deadline, then opening, read
        # straight off an index, alone or after a status; the unit last so that a unit
        # filter is checked in the index without reading the rows.
        sa.Index("ix_cases_queue", "due_on", "opened_at", "id", "unit_id"),
        sa.Index("ix_cases_status_queue", "status", "due_on", "opened_at", "id", "unit_id"),
        sa.CheckConstraint("has_comment OR low_rating OR wants_contact OR kind <> 'feedback'",
                           name="has_cause"),
        sa.CheckConstraint("status <> 'no_action' OR (status_reason IS NOT NULL AND "
                           "status_reason <> '')", name="no_action_reason"),
        sa.CheckConstraint("status NOT IN ('closed', 'no_action') OR closed_at IS NOT NULL",
                           name="closed_time"),
        sa.CheckConstraint("lowest_rating IS NULL OR (lowest_rating >= 1 AND lowest_rating <= 5)",
                           name="rating_range"),
        sa.CheckConstraint("accept_due <= resolve_due", name="due_order"),
    )


class CaseEvent(Model):
    """One thing done to a case (status, assignee, category, an internal note, a view of
    the contact details): who, when, from what to what. Rows are never changed."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The user who acted; ``None`` for the command line.
    actor_user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    #: Who acted, as shown: the user's e-mail or ``cli``.
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[CaseEventKind] = mapped_column(
        sa.Enum(CaseEventKind, name="case_event_kind", native_enum=False, length=16))
    #: The value before and after (a status, a user id, a category); empty for notes.
    from_value: Mapped[Optional[str]] = mapped_column(sa.String(64))
    to_value: Mapped[Optional[str]] = mapped_column(sa.String(64))
    #: The internal note, or the reason given with a change. Never shown to claimants.
    note: Mapped[Optional[str]] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (
        sa.CheckConstraint("kind <> 'note' OR (note IS NOT NULL AND note <> '')",
                           name="note_text"),
    )


class CaseHistoryError(RuntimeError):
    """Raised when code tries to change or delete a case event."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_event_changes(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, CaseEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise CaseHistoryError("case events are append-only")


class OutboxState(enum.Enum):
    """chờ gửi / đã gửi / lỗi (gave up after the last retry)."""

    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxChannel(enum.Enum):
    email = "email"
    sms = "sms"


class OutboxMessage(Model):
    """A message to send (a reply to a claimant), kept until sent or given up, so that
    nothing is lost when the sender fails and nothing is sent twice."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[OutboxChannel] = mapped_column(
        sa.Enum(OutboxChannel, name="outbox_channel", native_enum=False, length=16))
    #: The address or phone number; masked once sent, and when the contact is deleted.
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[OutboxState] = mapped_column(
        sa.Enum(OutboxState, name="outbox_state", native_enum=False, length=16),
        default=OutboxState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not tried again before this time (the lease of a try, then the back-off).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The sender's last error, for the case page (never a password).
    last_error: Mapped[Optional[str]] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: Who asked for it to be sent.
    created_by: Mapped[str] = mapped_column(sa.String(254))

    __table_args__ = (
        sa.Index("ix_outbox_messages_state_next", "state", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
        sa.CheckConstraint("state <> 'sent' OR sent_at IS NOT NULL", name="sent_time"),
        sa.CheckConstraint("length(body) >= 1", name="body_present"),
    )


class InboxSync(Model):
    """How far opening cases has looked (one row): later runs look only at responses
    received since, less a margin for transactions that committed late."""

    __tablename__ = "inbox_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Every response received before this instant was looked at.
    scanned_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
