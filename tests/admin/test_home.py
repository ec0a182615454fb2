"""/admin/: the signed-in user's roles, what they allow, and the screens to go to."""
from __future__ import annotations

from survey.services import accounts, audit

from .conftest import sign_in_as


def test_manager_sees_their_roles_and_permissions_but_no_admin_screens(client, make_user, db):
    manager = make_user("m@example.org", "manager", "NA-DEMO1")
    accounts.add_grant(db.session, manager, "handler", "NA-DEMO2", audit.CLI)
    db.session.commit()
    sign_in_as(client, manager)
    html = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Manager — NA-DEMO1" in html and "Feedback handler — NA-DEMO2" in html
    assert "Add and revoke kiosks <span class=\"muted\">(units: 3)" in html
    assert "Read feedback from claimants <span class=\"muted\">(units: 5)" in html
    assert "Manage users" not in html and "/admin/users" not in html


def test_admin_sees_everything_and_the_menu(admin_client):
    html = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Manage users and their roles <span class=\"muted\">(all units)" in html
    assert 'href="/admin/users?lang=en"' in html and 'href="/admin/audit?lang=en"' in html
    assert 'aria-current="page"' in html


def test_a_user_without_roles_is_told_so(client, make_user, db):
    user = make_user("v@example.org", "viewer", "NA")
    user.grants.clear()
    db.session.commit()
    sign_in_as(client, user)
    answer = client.get("/admin/?lang=en")
    assert answer.status_code == 200 and "You have no role yet" in answer.get_data(as_text=True)


def test_language_link_keeps_the_page(admin_client):
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users?lang=en"' in html and 'hreflang="en"' in html
