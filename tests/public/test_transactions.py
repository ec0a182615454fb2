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
