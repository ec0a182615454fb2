"""A claimant's request to see or delete their contact details, by reference code on the
public status page: a case of its own kind due in 2 working days, audited; closing a
deletion request deletes the details and logs it without personal data."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from survey.models import AuditEvent, Case, CaseEvent, CaseEventKind, CaseKind, CaseStatus, \
    Contact
from survey.services.audit import Actor
from survey.services.inbox import settings_from
from survey.services.inbox.handling import change_status
from survey.services.inbox.requests import open_request
from survey.timeutil import local_tz
from tests.support.inbox import add_case

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HANDLER = Actor(None, "handler@example.org")


def token(client, case) -> str:
    html = client.get(f"/y-kien/{case.reference}").get_data(as_text=True)
    found = TOKEN.search(html)
    assert found, "no request form on the status page"
    return found.group(1)


def ask(client, case, kind: str, csrf=None):
    return client.post(f"/y-kien/{case.reference}/du-lieu",
                       data={"kind": kind, "csrf_token": csrf or token(client, case)})


def requests(db, case) -> list[Case]:
    return list(db.session.scalars(sa.select(Case).where(
        Case.response_id == case.response_id, Case.kind != CaseKind.feedback)))


def test_a_deletion_request_is_a_case_due_in_two_working_days(client, db, app, demo):
    case = add_case(db.session, app.config, contact=True)
    answer = ask(client, case, "delete")
    assert answer.status_code == 303 and "done=1" in answer.location
    (request,) = requests(db, case)
    assert request.kind is CaseKind.data_erasure and request.status is CaseStatus.new
    assert request.reference == case.reference and request.unit_id == case.unit_id
    settings = settings_from(app.config)
    from survey.services.inbox.workdays import working_days_between
    assert working_days_between(request.received_at.astimezone(local_tz()).date(),
                                request.due_on, settings.days_off) == 2
    (entry,) = db.session.scalars(sa.select(AuditEvent).filter_by(action="contact.request"))
    assert entry.actor_label == "claimant" and entry.detail == {"kind": "data_erasure"}
    page = client.get(f"{answer.location}&lang=vi").get_data(as_text=True)
    assert "Yêu cầu xóa thông tin liên hệ" in page and "2 ngày làm việc" in page
    assert client.get_cookie("session") is None  # claimants get no cookie here either
    # Asking again finds the first request.
    assert ask(client, case, "delete").status_code == 303
    assert len(requests(db, case)) == 1


def test_the_deadline_skips_weekends_and_holidays(db, app, demo):
    case = add_case(db.session, app.config, contact=True)
    settings = settings_from(app.config)
    friday = dt.datetime(2026, 12, 4, 10, tzinfo=local_tz())
    request, new = open_request(db.session, case, CaseKind.data_access, settings, friday)
    assert new and request.due_on == dt.date(2026, 12, 8)
    before_tet = dt.datetime(2027, 2, 4, 10, tzinfo=local_tz())  # Thursday before Tết
    other = add_case(db.session, app.config, contact=True)
    late, _new = open_request(db.session, other, CaseKind.data_access, settings, before_tet)
    assert late.due_on > dt.date(2027, 2, 10)  # the Tết days off do not count


def test_without_contact_details_nothing_is_opened(client, db, app, demo):
    case = add_case(db.session, app.config, contact=False)
    page = client.get(f"/y-kien/{case.reference}").get_data(as_text=True)
    assert "du-lieu" not in page  # nothing to ask about: no form
    from survey.forms.status import DataRequestForm
    with app.test_request_context():
        csrf = DataRequestForm(meta={"csrf_context": case.reference}).csrf_token.current_token
    answer = client.post(f"/y-kien/{case.reference}/du-lieu?lang=vi",
                         data={"kind": "see", "csrf_token": csrf})
    assert answer.status_code == 422
    assert "không giữ thông tin liên hệ" in answer.get_data(as_text=True)
    assert requests(db, case) == []


def test_bad_requests_are_refused_and_store_nothing(client, db, app, demo):
    case = add_case(db.session, app.config, contact=True)
    other = add_case(db.session, app.config, contact=True)
    assert ask(client, case, "", csrf=None).status_code == 422
    assert ask(client, case, "everything").status_code == 422
    assert ask(client, case, "delete", csrf="forged").status_code == 400
    # A token for another code is no token for this one.
    assert ask(client, case, "delete", csrf=token(client, other)).status_code == 400
    assert client.post("/y-kien/AAAAAAAAAA/du-lieu", data={"kind": "see"}).status_code == 404
    assert requests(db, case) == [] and requests(db, other) == []


def test_closing_a_deletion_request_deletes_the_contact_without_logging_it(client, db, app,
                                                                            demo):
    case = add_case(db.session, app.config, contact=True)
    assert ask(client, case, "delete").status_code == 303
    (request,) = requests(db, case)
    change_status(db.session, request, CaseStatus.in_progress, HANDLER)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 1
    change_status(db.session, request, CaseStatus.closed, HANDLER)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    for each in (case, request):
        kinds = [e.kind for e in db.session.scalars(sa.select(CaseEvent).filter_by(
            case_id=each.id))]
        assert CaseEventKind.contact_deleted in kinds
    (entry,) = db.session.scalars(sa.select(AuditEvent).filter_by(action="contact.erased"))
    assert entry.detail == {"deleted": 1}
    logged = " ".join(str(e.detail) + str(e.actor_label) for e in db.session.scalars(
        sa.select(AuditEvent)))
    for personal in ("0912345678", "lan@example.org", "Lan"):
        assert personal not in logged
    page = client.get(f"/y-kien/{case.reference}").get_data(as_text=True)
    assert "Yêu cầu xóa thông tin liên hệ" in page and "Đã hoàn tất" in page
    assert "du-lieu" not in page  # nothing left to ask about


def test_an_access_request_closes_without_deleting(db, app, demo):
    case = add_case(db.session, app.config, contact=True)
    request, _new = open_request(db.session, case, CaseKind.data_access,
                                 settings_from(app.config))
    change_status(db.session, request, CaseStatus.in_progress, HANDLER)
    change_status(db.session, request, CaseStatus.closed, HANDLER)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 1
