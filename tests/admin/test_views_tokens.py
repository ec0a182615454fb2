"""/admin/tokens: create (shown once), list, revoke; administrators only; audited."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.models import ApiToken, AuditEvent
from survey.services.devices import tokens

from .conftest import csrf_token, sign_in_as

TOKEN = re.compile(r'id="token"[^>]*>(svy_[A-Za-z0-9_-]+)<')


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


def test_create_shows_the_token_once_and_it_works(admin_client, db):
    answer = post(admin_client, "/admin/tokens?lang=en", name="Cổng dịch vụ công")
    assert answer.status_code == 201
    (token,) = TOKEN.findall(answer.get_data(as_text=True))
    row = tokens.find_api_token(db.session, token)
    assert row is not None and row.name == "Cổng dịch vụ công"
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="token.created"))
    assert event.object_id == str(row.id) and token not in str(event.detail)
    later = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert token not in later and "Cổng dịch vụ công" in later and 'id="token"' not in later


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_bad_names_are_refused_and_nothing_is_written(admin_client, count_rows, name):
    events = count_rows(AuditEvent)
    answer = post(admin_client, "/admin/tokens", name=name)
    assert answer.status_code == 422
    assert 'id="name-error"' in answer.get_data(as_text=True)
    assert count_rows(ApiToken) == 0 and count_rows(AuditEvent) == events


def test_list_and_revoke(admin_client, db, count_rows):
    events = count_rows(AuditEvent)
    row, token = tokens.create_api_token(db.session, "Báo cáo tỉnh")
    db.session.commit()
    html = admin_client.get("/admin/tokens?lang=en").get_data(as_text=True)
    assert "Báo cáo tỉnh" in html and "never" in html and "active" in html
    assert post(admin_client, "/admin/tokens/revoke", id="999999").status_code == 404
    assert post(admin_client, "/admin/tokens/revoke", id="").status_code == 422
    assert count_rows(AuditEvent) == events
    answer = post(admin_client, "/admin/tokens/revoke", id=str(row.id))
    assert answer.status_code == 303
    assert tokens.find_api_token(db.session, token) is None
    assert db.session.scalar(sa.select(AuditEvent.object_id).filter_by(
        action="token.revoked")) == str(row.id)
    assert "đã thu hồi" in admin_client.get(answer.location).get_data(as_text=True)


def test_managers_may_not_and_csrf_is_needed(client, admin, make_user, db, count_rows):
    sign_in_as(client, make_user("m@example.org", "manager", "NA"))
    assert client.get("/admin/tokens").status_code == 403
    assert post(client, "/admin/tokens", name="x").status_code == 403
    sign_in_as(client, admin)
    assert client.post("/admin/tokens", data={"name": "x"}).status_code == 400
    assert count_rows(ApiToken) == 0
