"""A response stored inside a larger transaction is undone when that transaction is."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from survey.models import Channel, Response, Unit
from survey.services.intake.responses import NewResponse, submit_response


@pytest.mark.real_commits  # on SQLite: the driver's own transactions, as in production
def test_rollback_after_submit_leaves_nothing(app, db, questionnaire, count_rows):
    # The receipt flow stores a response, then may refuse (code already used) and roll
    # back: the response must go too. On SQLite this needs a real outer transaction.
    db.session.commit()
    unit = db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q1"))
    submit_response(db.session, NewResponse(
        id=uuid.uuid4(), unit=unit, questionnaire=questionnaire, channel=Channel.qr,
        locale="vi", answers={"overall": 5}))
    db.session.rollback()
    assert count_rows(Response) == 0



def test_the_drivers_cursor_writes_what_sqlalchemy_would(app, db, questionnaire, monkeypatch):
    """store_response's raw path (the claimant's post) against SQLAlchemy Core's: the
    same response with answers, reasons, a comment and contact details, stored once
    each way, reads back identical in every column of every table."""
    import datetime as dt

    from survey.models import Answer, Comment, Contact, ResponseReason
    from survey.services.intake import responses
    from survey.services.intake.responses import ContactDetails, store_response

    unit = db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q1"))
    when = dt.datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=dt.timezone.utc)
    codes = [item.code for item in questionnaire.items][:3]
    reasons = [r["code"] for r in questionnaire.definition.get("reasons", [])][:2]

    def new(rid: uuid.UUID) -> NewResponse:
        return NewResponse(
            id=rid, unit=unit, questionnaire=questionnaire, channel=Channel.receipt,
            locale="en", answers={codes[0]: 5, codes[1]: None, codes[2]: 1},
            submitted_at=when, comment="  Nhanh, gọn ", reasons=reasons * 2,
            contact=ContactDetails(name="Lê Thị Hoa", phone="0912345678",
                                   consent_version="v1", consent_sha256="ab" * 32))

    raw_id, core_id = uuid.uuid4(), uuid.uuid4()
    assert store_response(db.session, new(raw_id))
    assert not store_response(db.session, new(raw_id))  # the conflict, through the cursor
    monkeypatch.setattr(responses, "RAW_DIALECTS", frozenset())
    assert store_response(db.session, new(core_id))
    db.session.flush()
    # What differs by design: the ids, and the times of storing.
    differ = {"id", "response_id", "received_at", "consented_at", "delete_after"}

    def stored(table, key, rid: uuid.UUID) -> list[dict]:
        found = db.session.execute(sa.select(table).where(key == rid))
        return sorted(({k: v for k, v in row._mapping.items() if k not in differ}
                       for row in found), key=repr)

    for model, key in ((Response, Response.id), (Answer, Answer.response_id),
                       (ResponseReason, ResponseReason.response_id),
                       (Comment, Comment.response_id), (Contact, Contact.response_id)):
        table = model.__table__
        raw, core = stored(table, key, raw_id), stored(table, key, core_id)
        assert raw and raw == core, table.name
    response = db.session.get(Response, raw_id)
    assert response.submitted_at == when and response.channel is Channel.receipt
