"""/admin/quality: flagged responses counted per unit and reason; restore is audited,
scoped, and puts the response back into the index."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Channel, Response, ResponseStatus, Unit, utcnow
from survey.models.responses import RESTORED
from survey.services.intake.responses import NewResponse, store_responses

from .conftest import csrf_token, sign_in_as


def flagged(db, questionnaire, unit_code: str, reason: str, count: int) -> list[uuid.UUID]:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    news = [NewResponse(id=uuid.uuid4(), unit=unit, questionnaire=questionnaire,
                        channel=Channel.qr, locale="vi",
                        answers={code: 5 for code in questionnaire.item_codes()},
                        submitted_at=utcnow() - dt.timedelta(minutes=i + 1),
                        status=ResponseStatus.flagged, status_reason=reason)
            for i in range(count)]
    store_responses(db.session, news)
    db.session.commit()
    return [new.id for new in news]


@pytest.fixture
def manager_client(client, make_user):
    sign_in_as(client, make_user("m@example.org", "manager", "NA-DEMO1"))
    return client


def test_the_view_counts_flagged_responses_in_scope(manager_client, db, questionnaire):
    flagged(db, questionnaire, "NA-DEMO1-Q1", "rate_client", 3)
    flagged(db, questionnaire, "NA-VINH-Q1", "burst_rate", 2)  # not this manager's
    html = manager_client.get("/admin/quality?lang=en").get_data(as_text=True)
    assert "too many posts from one client address" in html
    assert "Flagged: 3." in html and "NA-DEMO1-Q1 ·" in html and "NA-VINH-Q1" not in html
    vi = manager_client.get("/admin/quality").get_data(as_text=True)
    assert "Chất lượng dữ liệu" in vi


def test_restore_is_audited_and_counts_again(manager_client, db, questionnaire):
    (rid,) = flagged(db, questionnaire, "NA-DEMO1-Q1", "burst_pattern", 1)
    answer = manager_client.post("/admin/quality/restore?lang=en", data={
        "csrf_token": csrf_token(manager_client, "/admin/"), "id": str(rid)})
    assert answer.status_code == 303
    response = db.session.get(Response, rid, populate_existing=True)
    assert (response.status, response.status_reason) == (ResponseStatus.valid, RESTORED)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="response.restored"))
    assert (event.actor_label, event.object_id, event.unit_id) == (
        "m@example.org", str(rid), response.unit_id)
    assert event.detail == {"reason": "burst_pattern"}
    page = manager_client.get(answer.location).get_data(as_text=True)
    assert "counts in the index again" in page
    # Twice: nothing flagged any more, so 404 and no second event.
    again = manager_client.post("/admin/quality/restore", data={
        "csrf_token": csrf_token(manager_client, "/admin/"), "id": str(rid)})
    assert again.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).filter_by(
        action="response.restored")) == 1


def test_restore_outside_the_scope_or_bad_id(manager_client, db, questionnaire):
    (other,) = flagged(db, questionnaire, "NA-VINH-Q1", "rate_unit", 1)
    token = csrf_token(manager_client, "/admin/")
    assert manager_client.post("/admin/quality/restore", data={
        "csrf_token": token, "id": str(other)}).status_code == 404
    bad = manager_client.post("/admin/quality/restore", data={"csrf_token": token, "id": "x"})
    assert bad.status_code == 422 and "Chưa chọn" in bad.get_data(as_text=True)
    assert db.session.get(Response, other).status is ResponseStatus.flagged


def test_a_bad_period_is_400_with_a_message(manager_client):
    answer = manager_client.get("/admin/quality?period=2026-13")
    assert answer.status_code == 400 and "2026-13" in answer.get_data(as_text=True)
