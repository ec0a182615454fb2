"""/admin/users: list, create (link shown once), grant, revoke, deactivate, new link."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Grant, Role, User
from survey.services import accounts

from .conftest import csrf_token, sign_in_as

LINK = re.compile(r'value="(http://survey\.test/admin/password/[^"]+)"')


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


@pytest.fixture
def manager(make_user):
    return make_user("m@example.org", "manager", "NA-VINH")


def test_list_shows_users_roles_and_state(admin_client, manager, make_user):
    make_user("new@example.org", "viewer", "NA", password=None)
    html = admin_client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "m@example.org" in html and "Manager · NA-VINH" in html
    assert "password not set yet" in html


def test_create_shows_the_link_once_and_it_works(admin_client, db, count_rows):
    answer = post(admin_client, "/admin/users", email="Binh@Example.org", role="viewer",
                  unit="NA-DEMO1")
    assert answer.status_code == 201
    (url,) = LINK.findall(answer.get_data(as_text=True))
    user = db.session.scalar(sa.select(User).filter_by(email="binh@example.org"))
    assert [(g.role, g.unit.code) for g in user.grants] == [(Role.viewer, "NA-DEMO1")]
    assert accounts.valid_link(db.session, url.rsplit("/", 1)[1]) is not None
    later = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert url not in later and "/admin/password/" not in later
    assert answer.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(sa.select(AuditEvent.actor_label).filter_by(
        action="user.created", object_id=str(user.id))) == "admin@example.org"


@pytest.mark.parametrize("form,fields", [
    ({"email": "", "role": "", "unit": ""}, {"email", "role", "unit"}),
    ({"email": "an@", "role": "viewer", "unit": "NA"}, {"email"}),
    ({"email": "an@example.org", "role": "boss", "unit": "NA"}, {"role"}),
    ({"email": "an@example.org", "role": "viewer", "unit": "XX-NOWHERE"}, {"unit"}),
    ({"email": "admin@example.org", "role": "viewer", "unit": "NA"}, {"email"}),
    ({"email": "a" * 250 + "@example.org", "role": "viewer", "unit": "NA"}, {"email"}),
])
def test_bad_input_is_shown_next_to_each_field_and_nothing_is_written(
        admin_client, count_rows, form, fields):
    users, events = count_rows(User), count_rows(AuditEvent)
    answer = post(admin_client, "/admin/users", **form)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert {name for name in ("email", "role", "unit") if f'id="{name}-error"' in html} == fields
    assert (count_rows(User), count_rows(AuditEvent)) == (users, events)


def test_create_without_csrf_is_refused(admin_client, count_rows):
    answer = admin_client.post("/admin/users", data={"email": "x@example.org", "role": "viewer",
                                                     "unit": "NA"})
    assert answer.status_code == 400 and count_rows(User) == 1


def test_grant_and_revoke(admin_client, manager, db):
    answer = post(admin_client, f"/admin/users/{manager.id}/grants", role="viewer", unit="NA")
    assert answer.status_code == 303 and answer.location == f"/admin/users/{manager.id}"
    db.session.refresh(manager)
    assert {(g.role, g.unit.code) for g in manager.grants} == {
        (Role.manager, "NA-VINH"), (Role.viewer, "NA")}
    viewer = next(g for g in manager.grants if g.role is Role.viewer)
    assert post(admin_client, f"/admin/users/{manager.id}/grants/{viewer.id}/revoke") \
        .status_code == 303
    assert db.session.get(Grant, viewer.id) is None
    assert post(admin_client, f"/admin/users/{manager.id}/grants/{viewer.id}/revoke") \
        .status_code == 404


def test_bad_grants_are_refused_with_nothing_written(admin_client, manager, count_rows):
    before = count_rows(Grant), count_rows(AuditEvent)
    for form in ({"role": "", "unit": ""}, {"role": "manager", "unit": "NA-VINH"},
                 {"role": "god", "unit": "NA"}):
        answer = post(admin_client, f"/admin/users/{manager.id}/grants", **form)
        assert answer.status_code == 422
        assert 'class="err"' in answer.get_data(as_text=True)
    assert (count_rows(Grant), count_rows(AuditEvent)) == before
    assert admin_client.post(f"/admin/users/{manager.id}/grants",
                             data={"role": "viewer", "unit": "NA"}).status_code == 400
    assert count_rows(Grant) == before[0]


def test_the_last_administrator_cannot_remove_themselves(admin_client, admin, db):
    (grant,) = admin.grants
    answer = post(admin_client, f"/admin/users/{admin.id}/grants/{grant.id}/revoke")
    assert answer.status_code == 409 and "role=\"alert\"" in answer.get_data(as_text=True)
    assert post(admin_client, f"/admin/users/{admin.id}/deactivate").status_code == 409
    db.session.refresh(admin)
    assert admin.active and len(admin.grants) == 1


def test_deactivate_and_activate(admin_client, manager, db, client):
    assert post(admin_client, f"/admin/users/{manager.id}/deactivate").status_code == 303
    db.session.refresh(manager)
    assert not manager.active
    assert post(admin_client, f"/admin/users/{manager.id}/activate").status_code == 303
    db.session.refresh(manager)
    assert manager.active


def test_new_link_replaces_the_old_one(admin_client, make_user, db):
    user, token = accounts.create_user(db.session, "n@example.org", "viewer", "NA",
                                       accounts.users.audit.CLI)
    db.session.commit()
    answer = post(admin_client, f"/admin/users/{user.id}/link")
    assert answer.status_code == 200
    (url,) = LINK.findall(answer.get_data(as_text=True))
    assert accounts.valid_link(db.session, token) is None
    assert accounts.valid_link(db.session, url.rsplit("/", 1)[1]) is not None


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404
    assert post(admin_client, "/admin/users/999999/deactivate").status_code == 404


def test_managers_cannot_manage_users(client, manager):
    sign_in_as(client, manager)
    assert client.get("/admin/users").status_code == 403
    assert post(client, "/admin/users", email="x@example.org", role="admin",
                unit="NA").status_code == 403
