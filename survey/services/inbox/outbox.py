"""Replies to claimants through the outbox: queued in the caller's transaction, then
delivered by a sender with retries, so that nothing is lost and nothing sent twice.

Delivery is three steps, each ending with the caller's commit:

1. :func:`claim_due` marks due messages as being tried (a lease: another worker
   skips them until it ends) and returns them;
2. the sender sends each (:mod:`.senders`);
3. :func:`record_result` marks each sent (recipient masked) or schedules a retry with
   back-off, or gives up after :data:`MAX_ATTEMPTS` (state "failed", shown on the case).
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import (Case, CaseEventKind, CaseStatus, Contact, OutboxChannel, OutboxMessage,
                       OutboxState, utcnow)
from ..audit import Actor
from ..errors import ServiceError
from ..transactions import affected, begin_write
from .handling import NOTE_MAX, _event, change_status
from .senders import Outgoing, Sender, SendError
from .inert import plain

MAX_ATTEMPTS = 5
#: How long a claimed message is left to its worker before another may try it.
LEASE = dt.timedelta(minutes=5)
#: A text message longer than this would be split by most gateways into many.
SMS_MAX = 480


def mask(recipient: str) -> str:
    """What is kept of an address or number once it is no longer needed: ``***5678``,
    ``l***@example.org``."""
    name, at, domain = recipient.partition("@")
    if at:
        return f"{name[:1]}***@{domain}"
    return "***" + recipient[-4:] if len(recipient) > 4 else "***"


def reply_channels(contact: Optional[Contact]) -> list[OutboxChannel]:
    """The channels a reply can take: those the claimant left details for, when they
    consented to a reply."""
    if contact is None or contact.purpose != "reply":
        return []
    return [channel for channel, value in ((OutboxChannel.email, contact.email),
                                           (OutboxChannel.sms, contact.phone)) if value]


def _move_to_replied(session: Session, case: Case, actor: Actor, now: dt.datetime) -> None:
    if case.status is CaseStatus.new:
        change_status(session, case, CaseStatus.in_progress, actor, now=now)
    if case.status is CaseStatus.in_progress:
        change_status(session, case, CaseStatus.replied, actor, now=now)


def queue_reply(session: Session, case: Case, contact: Optional[Contact],
                channel: OutboxChannel, subject: str, text: str, actor: Actor,
                now: Optional[dt.datetime] = None) -> OutboxMessage:
    """Put a reply in the outbox, note it in the case history and move the case to
    "replied" (through "in progress" when new); returns the message. Raises
    :class:`ServiceError` when the claimant left no such contact or consent, or the
    text is empty or too long."""
    # Plain text only; characters that could disguise what it says are taken out.
    now, text, subject = now or utcnow(), plain(text).strip(), plain(subject)
    if channel not in reply_channels(contact) or contact is None:
        raise ServiceError(_l("The claimant left no contact details for this kind of reply."),
                           {"channel": [_l("Not available for this claimant.")]})
    limit = SMS_MAX if channel is OutboxChannel.sms else NOTE_MAX
    if not text or len(text) > limit:
        message = _l("Write a reply of at most %(max)s characters.", max=limit)
        raise ServiceError(message, {"text": [message]})
    row = OutboxMessage(case_id=case.id, channel=channel, subject=subject[:200], body=text,
                        recipient=contact.email if channel is OutboxChannel.email
                        else contact.phone, created_at=now, next_attempt_at=now,
                        created_by=actor.label)
    session.add(row)
    _event(session, case, actor, CaseEventKind.reply, after=channel.value, note=text, now=now)
    _move_to_replied(session, case, actor, now)
    session.flush()
    return row


def claim_due(session: Session, now: Optional[dt.datetime] = None, limit: int = 100,
              only: Optional[int] = None) -> list[Outgoing]:
    """Claim up to ``limit`` pending messages that are due (or just message ``only``);
    returns them. The caller commits before sending: a message claimed by another
    worker, or claimed again before its lease ends, is not returned."""
    now = now or utcnow()
    query = sa.select(OutboxMessage.id).where(OutboxMessage.state == OutboxState.pending,
                                              OutboxMessage.next_attempt_at <= now)
    if only is not None:
        query = query.where(OutboxMessage.id == only)
    ids = list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
    if ids:
        begin_write(session)
    claimed = []
    for message_id in ids:
        won = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.pending,
                   OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
        if affected(won) == 1:
            claimed.append(message_id)
    rows: list[OutboxMessage] = list(session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
        .execution_options(populate_existing=True))) if claimed else []
    return [Outgoing(r.id, r.channel.value, r.recipient, r.subject, r.body) for r in rows]


def record_result(session: Session, message_id: int, error: Optional[str] = None,
                  now: Optional[dt.datetime] = None) -> OutboxState:
    """Record how sending a claimed message went; returns its new state. A failure is
    tried again after 2, 4, 8 … minutes, and given up after :data:`MAX_ATTEMPTS`."""
    now = now or utcnow()
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None:
        raise ValueError(f"no outbox message {message_id}")
    if error is None:
        row.state, row.sent_at, row.last_error = OutboxState.sent, now, None
        row.recipient = mask(row.recipient)
    else:
        row.last_error = error[:300]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = OutboxState.failed
        else:
            row.next_attempt_at = now + dt.timedelta(minutes=2 ** row.attempts)
    session.flush()
    return row.state


def messages_of(session: Session, case: Case) -> list[OutboxMessage]:
    """The case's outbox messages, newest first."""
    return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                                .order_by(OutboxMessage.id.desc())))


def mask_for_case(session: Session, case_id: int) -> None:
    """Mask the recipients of a case's messages (when its contact details are deleted)."""
    for row in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.case_id == case_id)):
        if "***" not in row.recipient:
            row.recipient = mask(row.recipient)
    session.flush()


def deliver(session: Session, sender: Sender, commit: Callable[[], None],
            now: Optional[dt.datetime] = None, only: Optional[int] = None) -> dict[str, int]:
    """Claim, send and record every due message (or just ``only``), calling ``commit``
    after the claim and after each result; returns counts by new state."""
    claimed = claim_due(session, now, only=only)
    commit()
    counts: dict[str, int] = {}
    for message in claimed:
        try:
            sender.send(message)
            error = None
        except SendError as exc:
            error = str(exc) or type(exc).__name__
        state = record_result(session, message.id, error, now)
        commit()
        counts[state.value] = counts.get(state.value, 0) + 1
    return counts


#: ``created_by`` of the daily digests (one per person and day).
DIGEST = "digest"


def queue_digest(session: Session, email: str, subject: str, body: str, day_start: dt.datetime,
                 now: Optional[dt.datetime] = None) -> Optional[OutboxMessage]:
    """Put one digest for ``email`` in the outbox unless one was queued since
    ``day_start``; returns it, or ``None`` when it was already queued."""
    now = now or utcnow()
    already = session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.created_by == DIGEST, OutboxMessage.case_id.is_(None),
        OutboxMessage.recipient.in_([email, mask(email)]), OutboxMessage.created_at >= day_start))
    if already:
        return None
    row = OutboxMessage(channel=OutboxChannel.email, recipient=email, subject=subject[:200],
                        body=body, created_at=now, next_attempt_at=now, created_by=DIGEST)
    session.add(row)
    session.flush()
    return row
