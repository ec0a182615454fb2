"""Storing responses exactly once."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...models import (COMMENT_MAX, Answer, Channel, Comment, Contact, KioskDevice,
                      ReceiptCode, Response, ResponseReason, ResponseStatus, utcnow)
from ..catalogue.snapshot import QuestionnaireLike, ServiceLike, UnitLike
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
    unit: UnitLike
    questionnaire: QuestionnaireLike
    channel: Channel
    locale: str
    answers: Mapping[str, Optional[int]]
    service: Optional[ServiceLike] = None
    submitted_at: Optional[dt.datetime] = None
    comment: str = ""
    contact: Optional[ContactDetails] = None
    reasons: Iterable[str] = ()
    device: Optional[KioskDevice] = None
    receipt_code: Optional[ReceiptCode] = None
    status: ResponseStatus = ResponseStatus.valid
    status_reason: Optional[str] = None
    partial: bool = False


def validate_answers(questionnaire: QuestionnaireLike, answers: Mapping[str, Optional[int]],
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


def check_response(new: NewResponse) -> None:
    """Raise :class:`ServiceError` (field → error codes) when ``new`` cannot be stored."""
    errors = validate_answers(new.questionnaire, new.answers, partial=new.partial)
    if new.comment and len(new.comment) > COMMENT_MAX:
        errors.setdefault("comment", []).append("too_long")
    if new.locale not in ("vi", "en"):
        errors.setdefault("locale", []).append("unknown_locale")
    if errors:
        raise ServiceError(_l("The response is not valid. Nothing was saved."), errors)


def store_response(session: Session, new: NewResponse, checked: bool = False) -> bool:
    """Store ``new`` once, in the caller's transaction; True when it was stored now,
    False when a response with its id exists already (a retry, a double tap, or a
    concurrent request that got there first: then nothing is written). Raises
    :class:`ServiceError` for invalid input, writing nothing.

    Plain INSERTs: the response with ``ON CONFLICT (id) DO NOTHING``, then its answers,
    reasons, comment and contact in one multi-row statement each; no ORM objects, no
    savepoint. ``checked`` is accepted for callers that looked the id up already; the
    conflict clause makes the look-up unnecessary either way.
    """
    check_response(new)
    begin_write(session)
    if not _insert_response(session, new):
        return False
    rows = _child_rows(new)
    for table, values in rows.items():
        if values:
            session.execute(sa.insert(table), values)
    return True


def submit_response(session: Session, new: NewResponse,
                    checked: bool = False) -> tuple[Response, bool]:
    """:func:`store_response`, then the stored :class:`Response` (the one found when the
    id existed already): for callers that want the ORM object."""
    created = store_response(session, new, checked)
    response = session.get(Response, new.id, populate_existing=True)
    assert response is not None  # stored now, or found by the conflict
    return response, created


def _insert_response(session: Session, new: NewResponse) -> bool:
    now = utcnow()
    values = dict(
        id=new.id, unit_id=new.unit.id, service_id=new.service.id if new.service else None,
        channel=new.channel, questionnaire_id=new.questionnaire.id, locale=new.locale,
        submitted_at=new.submitted_at or now, received_at=now, status=new.status,
        status_reason=new.status_reason, device_id=new.device.id if new.device else None,
        receipt_code_id=new.receipt_code.id if new.receipt_code else None,
        partial=new.partial)
    statement = _insert_ignoring_same_id(session).values(**values).returning(
        Response.__table__.c.id)
    # RETURNING, not the row count: psycopg reports -1 for ON CONFLICT DO NOTHING.
    return session.execute(statement).first() is not None


def _insert_ignoring_same_id(session: Session) -> Any:
    """``INSERT INTO responses … ON CONFLICT (id) DO NOTHING`` in the session's dialect
    (a clash on any other unique column, such as the receipt code, still raises)."""
    dialect = session.connection().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Response.__table__).on_conflict_do_nothing(index_elements=["id"])


def _child_rows(new: NewResponse) -> dict[Any, list[dict[str, Any]]]:
    now = utcnow()
    rows: dict[Any, list[dict[str, Any]]] = {
        Answer.__table__: [dict(response_id=new.id, item_code=code, value=value)
                           for code, value in new.answers.items()],
        ResponseReason.__table__: [dict(response_id=new.id, reason_code=code)
                                   for code in sorted(set(new.reasons))],
        Comment.__table__: ([dict(response_id=new.id, body=new.comment.strip())]
                            if new.comment.strip() else []),
        # Kept in its own table, linked only so that a reply can be sent.
        Contact.__table__: ([dict(response_id=new.id, name=new.contact.name,
                                  phone=new.contact.phone, email=new.contact.email,
                                  purpose=new.contact.purpose, consented_at=now,
                                  delete_after=now + CONTACT_RETENTION)]
                            if new.contact is not None else []),
    }
    return rows


def purge_contacts(session: Session, now: Optional[dt.datetime] = None) -> int:
    """Delete contact details whose retention has ended; returns how many."""
    now = now or utcnow()
    result = session.execute(sa.delete(Contact).where(Contact.delete_after <= now))
    return affected(result)
