"""Storing responses exactly once."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import (COMMENT_MAX, Answer, Channel, Comment, Contact, KioskDevice,
                      Questionnaire, ReceiptCode, Response, ResponseReason, ResponseStatus,
                      Service, Unit, utcnow)
from ..errors import ServiceError
from ..transactions import affected, begin_write

CONTACT_RETENTION = dt.timedelta(days=180)


@dataclass
class ContactDetails:
    """Contact details a claimant gave after ticking the consent box."""

    name: str = ""
    phone: str = ""
    email: str = ""
    purpose: str = "reply"


@dataclass
class NewResponse:
    """Everything needed to store one response; validated by :func:`submit_response`."""

    id: uuid.UUID
    unit: Unit
    questionnaire: Questionnaire
    channel: Channel
    locale: str
    answers: Mapping[str, Optional[int]]
    service: Optional[Service] = None
    submitted_at: Optional[dt.datetime] = None
    comment: str = ""
    contact: Optional[ContactDetails] = None
    reasons: Iterable[str] = ()
    device: Optional[KioskDevice] = None
    receipt_code: Optional[ReceiptCode] = None
    status: ResponseStatus = ResponseStatus.valid
    status_reason: Optional[str] = None
    partial: bool = False


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, Optional[int]],
                     partial: bool = False) -> dict[str, list[str]]:
    """Return field → error codes for answers that do not fit ``questionnaire``."""
    from .sampling import too_many_per_dimension

    errors: dict[str, list[str]] = {}
    items = {item.code: item for item in questionnaire.items}
    for code, value in answers.items():
        if code not in items:
            errors.setdefault(code, []).append("unknown_item")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                    or value not in items[code].values):
            errors.setdefault(code, []).append("out_of_range")
    for code in too_many_per_dimension(questionnaire, answers):
        errors.setdefault(code, []).append("not_asked")
    if not partial:
        for code, item in items.items():
            if item.required and answers.get(code) is None:
                errors.setdefault(code, []).append("required")
    return errors


def submit_response(session: Session, new: NewResponse,
                    checked: bool = False) -> tuple[Response, bool]:
    """Store ``new`` once. Returns ``(response, created)``; ``created`` is False when a
    response with the same id already exists (a retry or a double tap), in which case
    nothing is written. Raises :class:`ServiceError` for invalid input, writing nothing.
    ``checked=True`` skips the look-up by id when the caller has just made it (a
    concurrent insert of the same id is still caught by the primary key).
    """
    errors = validate_answers(new.questionnaire, new.answers, partial=new.partial)
    if new.comment and len(new.comment) > COMMENT_MAX:
        errors.setdefault("comment", []).append("too_long")
    if new.locale not in ("vi", "en"):
        errors.setdefault("locale", []).append("unknown_locale")
    if errors:
        raise ServiceError(_l("The response is not valid. Nothing was saved."), errors)
    begin_write(session)
    existing = None if checked else session.get(Response, new.id)
    if existing is not None:
        return existing, False
    response, contact = _build(new)
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
            if contact is not None:  # no relationship, so flush the response first
                session.add(contact)
                session.flush()
    except IntegrityError:
        # A concurrent request stored the same id first: that one counts.
        existing = session.get(Response, new.id)
        if existing is None:
            raise
        return existing, False
    return response, True


def _build(new: NewResponse) -> tuple[Response, Optional[Contact]]:
    now = utcnow()
    response = Response(
        id=new.id, unit=new.unit, service=new.service, channel=new.channel,
        questionnaire=new.questionnaire, locale=new.locale,
        submitted_at=new.submitted_at or now, received_at=now, status=new.status,
        status_reason=new.status_reason, device_id=new.device.id if new.device else None,
        receipt_code_id=new.receipt_code.id if new.receipt_code else None,
        partial=new.partial)
    response.answers = [Answer(item_code=code, value=value)
                        for code, value in new.answers.items()]
    response.reasons = [ResponseReason(reason_code=code) for code in sorted(set(new.reasons))]
    if new.comment.strip():
        response.comment = Comment(body=new.comment.strip())
    contact = None
    if new.contact is not None:
        # Kept in its own table, linked only so that a reply can be sent.
        contact = Contact(response_id=new.id, name=new.contact.name, phone=new.contact.phone,
                          email=new.contact.email, purpose=new.contact.purpose,
                          consented_at=now, delete_after=now + CONTACT_RETENTION)
    return response, contact


def purge_contacts(session: Session, now: Optional[dt.datetime] = None) -> int:
    """Delete contact details whose retention has ended; returns how many."""
    now = now or utcnow()
    result = session.execute(sa.delete(Contact).where(Contact.delete_after <= now))
    return affected(result)
