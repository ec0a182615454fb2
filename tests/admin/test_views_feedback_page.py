"""A unit's public "Ý kiến của Ông/Bà – việc chúng tôi đã làm" page: opted in by a
manager, themes counted by category for the last quarter, actions written by a manager,
comments only when approved as quotes; no personal data; linked from the thank-you page
once published; every change audited; scope and roles enforced."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, CaseCategory, FeedbackAction
from survey.services.audit import Actor
from survey.services.inbox import settings_from
from survey.services.inbox.handling import set_category
from survey.timeutil import local_tz
from tests.support.inbox import add_case

from .conftest import csrf_token, sign_in_as


@pytest.fixture
def manager(make_user):
    return make_user("m@example.org", "manager", "NA-DEMO1")


@pytest.fixture
def manager_client(client, manager):
    sign_in_as(client, manager)
    return client


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


def actions(db, name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).filter_by(action=name))


def test_the_page_is_published_only_when_a_manager_opts_in(manager_client, db, app):
    assert manager_client.get("/y-kien/don-vi/NA-DEMO1").status_code == 404
    html = manager_client.get("/admin/feedback-pages?lang=en").get_data(as_text=True)
    assert "NA-DEMO1" in html and "Not published" in html
    assert post(manager_client, "/admin/feedback-pages/NA-DEMO1/publish",
                published="1").status_code == 303
    assert manager_client.get("/y-kien/don-vi/NA-DEMO1").status_code == 200
    assert actions(db, "feedback_page.changed") == 1
    assert post(manager_client, "/admin/feedback-pages/NA-DEMO1/publish",
                published="0").status_code == 303
    assert manager_client.get("/y-kien/don-vi/NA-DEMO1").status_code == 404
    assert post(manager_client, "/admin/feedback-pages/NA-DEMO1/publish",
                published="maybe").status_code == 422


def test_themes_actions_and_only_approved_quotes_without_personal_data(manager_client, db,
                                                                      app):
    recent = dt.datetime.now(local_tz()) - dt.timedelta(days=5)
    old = dt.datetime.now(local_tz()) - dt.timedelta(days=200)
    waiting = [add_case(db.session, app.config, comment=f"Chờ lâu quá {i}", contact=True,
                        received=recent) for i in range(3)]
    for case in waiting:
        set_category(db.session, case, CaseCategory.waiting, False, Actor(None, "cli"),
                     settings_from(app.config))
    add_case(db.session, app.config, comment="Cán bộ Trần Văn B thái độ kém", received=recent)
    add_case(db.session, app.config, comment="Chuyện cũ", received=old)
    quoted = add_case(db.session, app.config, comment="Cảm ơn <script>alert(1)</script>\u202e",
                      received=recent)
    db.session.commit()
    post(manager_client, "/admin/feedback-pages/NA-DEMO1/publish", published="1")
    assert post(manager_client, "/admin/feedback-pages/NA-DEMO1/actions",
                done_on="2026-12-01", text="Mở thêm quầy thứ hai vào sáng thứ Hai").status_code == 303
    assert post(manager_client, f"/admin/inbox/{quoted.id}/quote",
                approved="1").status_code == 303
    html = manager_client.get("/y-kien/don-vi/NA-DEMO1").get_data(as_text=True)
    assert "Thời gian chờ" in html and "Chưa phân loại" in html
    assert "tổng cộng 5" in html  # the old case is outside the quarter
    assert "Mở thêm quầy thứ hai" in html and "01/12/2026" in html
    assert "Cảm ơn &lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "\u202e" not in html
    for private in ("Chờ lâu quá", "Trần Văn B", "Chị Lan", "0912345678", "lan@example.org",
                    quoted.reference):
        assert private not in html
    assert actions(db, "quote.approved") == 1 and actions(db, "feedback_action.added") == 1
    # Withdrawing the quote takes it off the page.
    post(manager_client, f"/admin/inbox/{quoted.id}/quote", approved="0")
    assert "Cảm ơn" not in manager_client.get("/y-kien/don-vi/NA-DEMO1").get_data(as_text=True)


def test_bad_actions_are_explained_and_removal_is_audited(manager_client, db):
    answer = post(manager_client, "/admin/feedback-pages/NA-DEMO1/actions?lang=vi",
                  done_on="", text="x" * 301)
    assert answer.status_code == 422 and "Tối đa 300 ký tự" in answer.get_data(as_text=True)
    assert post(manager_client, "/admin/feedback-pages/NA-DEMO1/actions",
                done_on="2026-13-45", text="Được").status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(FeedbackAction.id))) == 0
    post(manager_client, "/admin/feedback-pages/NA-DEMO1/actions", done_on="2026-12-01",
         text="Sửa mái che")
    action_id = db.session.scalar(sa.select(FeedbackAction.id))
    assert post(manager_client, f"/admin/feedback-pages/NA-DEMO1/actions/{action_id}/remove"
                ).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(FeedbackAction.id))) == 0
    assert actions(db, "feedback_action.removed") == 1
    assert post(manager_client, f"/admin/feedback-pages/NA-DEMO1/actions/{action_id}/remove"
                ).status_code == 404


def test_scope_and_roles(client, make_user, db, app):
    other = make_user("o@example.org", "manager", "NA-DEMO2")
    sign_in_as(client, other)
    assert client.get("/admin/feedback-pages/NA-DEMO1").status_code == 404
    assert post(client, "/admin/feedback-pages/NA-DEMO1/publish", published="1").status_code == 404
    case = add_case(db.session, app.config, comment="Tốt")
    assert post(client, f"/admin/inbox/{case.id}/quote", approved="1").status_code == 404
    handler = make_user("h@example.org", "handler", "NA-DEMO1")
    sign_in_as(client, handler)
    assert client.get("/admin/feedback-pages").status_code == 403
    assert post(client, f"/admin/inbox/{case.id}/quote", approved="1").status_code == 403


def test_the_thank_you_page_links_to_a_published_page(manager_client, client, questionnaire):
    assert "don-vi" not in client.get("/s/NA-DEMO1-Q1/thanks").get_data(as_text=True)
    post(manager_client, "/admin/feedback-pages/NA-DEMO1/publish", published="1")
    html = client.get("/s/NA-DEMO1-Q1/thanks").get_data(as_text=True)
    assert "/y-kien/don-vi/NA-DEMO1" in html


def test_a_data_request_is_handled_on_its_case_page(client, make_user, db, app):
    from survey.models import Case, CaseKind, Contact
    from survey.services.inbox.requests import open_request

    handler = make_user("h2@example.org", "handler", "NA-DEMO1")
    sign_in_as(client, handler)
    case = add_case(db.session, app.config, comment="Xin xóa", contact=True)
    request, _new = open_request(db.session, case, CaseKind.data_erasure,
                                 settings_from(app.config))
    db.session.commit()
    html = client.get(f"/admin/inbox/{request.id}?lang=vi").get_data(as_text=True)
    assert "Yêu cầu dữ liệu cá nhân: xóa thông tin liên hệ" in html
    assert "Duyệt để trích dẫn công khai" not in html  # quotes are a manager's call
    listed = client.get("/admin/inbox?lang=vi").get_data(as_text=True)
    assert f"/admin/inbox/{request.id}" in listed
    for status in ("in_progress", "closed"):
        answer = post(client, f"/admin/inbox/{request.id}/status", status=status,
                      current=db.session.get(Case, request.id).status.value)
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
        db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    assert actions(db, "contact.erased") == 1
