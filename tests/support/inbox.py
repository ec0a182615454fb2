"""Responses and cases for the inbox's tests, stored with the ORM (never through the
claimant's submit path, which the inbox does not rely on)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import (Answer, Case, Channel, Comment, Contact, Questionnaire, Response,
                           ResponseReason, ResponseStatus, utcnow)
from survey.services import catalogue
from survey.services.inbox import open_cases, settings_from


def add_response(session: Session, questionnaire: Questionnaire, unit: str = "NA-DEMO1-Q1",
                 low: Optional[int] = None, comment: str = "", contact: bool = False,
                 received: Optional[dt.datetime] = None, reasons: Iterable[str] = (),
                 status: ResponseStatus = ResponseStatus.valid, **kwargs) -> Response:
    """A response rated 4 everywhere but ``low`` on the overall item."""
    answers = {code: 4 for code in questionnaire.item_codes()}
    if low is not None:
        answers["overall"] = low
    at = received or utcnow()
    response = Response(
        id=uuid.uuid4(), unit=catalogue.unit_by_code(session, unit), channel=Channel.qr,
        questionnaire=questionnaire, locale="vi", submitted_at=at, received_at=at,
        status=status, **kwargs)
    response.answers = [Answer(item_code=c, value=v) for c, v in answers.items()]
    response.reasons = [ResponseReason(reason_code=code) for code in reasons]
    if comment:
        response.comment = Comment(body=comment)
    session.add(response)
    session.flush()
    if contact:
        session.add(Contact(response_id=response.id, name="Chị Lan", phone="0912345678",
                            email="lan@example.org", purpose="reply"))
        session.flush()
    return response


def add_case(session: Session, config, **kwargs) -> Case:
    """A response (``add_response``'s arguments; a comment by default) and its case,
    committed (as the inbox would have them when a person acts)."""
    kwargs.setdefault("comment", "Phải chờ quá lâu")
    questionnaire = catalogue.current_questionnaire(session)
    response = add_response(session, questionnaire, **kwargs)
    open_cases(session, settings_from(config), full=True)  # received times may be old
    session.commit()
    return session.scalars(sa.select(Case).filter_by(response_id=response.id)).one()
