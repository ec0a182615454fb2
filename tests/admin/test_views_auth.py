"""Sign-in, sign-out, session expiry and set-password pages."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, PasswordToken, User
from survey.services import accounts, audit
from survey.services.accounts import users as account_users

from .conftest import PASSWORD, csrf_token, sign_in_as


def post_sign_in(client, email: str, password: str, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/admin/sign-in", data=data)


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_sign_in_page_in_vietnamese_and_english(client, demo):
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập để quản lý khảo sát" in page
    english = client.get("/admin/sign-in?lang=en").get_data(as_text=True)
    assert "Sign in to manage the survey" in english and 'autocomplete="current-password"' \
        in english


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, make_user):
    answer = client.get("/admin/users?lang=en")
    assert answer.status_code == 302
    assert answer.location.startswith("/admin/sign-in?next=/admin/users")
    make_user("a@example.org", "admin", "NA")
    done = post_sign_in(client, "a@example.org", PASSWORD, next="/admin/users?lang=en")
    assert done.status_code == 303 and done.location == "/admin/users?lang=en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/",
                                    "/\\evil.example", "/s/NA-VINH", "javascript:alert(1)"])
def test_next_never_leaves_admin(client, make_user, target):
    make_user("a@example.org")
    done = post_sign_in(client, "a@example.org", PASSWORD, next=target)
    assert done.status_code == 303 and done.location == "/admin/dashboard"  # a manager's landing


def test_right_password_signs_in_with_a_safe_cookie(client, make_user):
    make_user("a@example.org")
    done = post_sign_in(client, "A@example.org", PASSWORD)
    assert done.status_code == 303 and done.location == "/admin/dashboard"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires" not in cookie  # ends with the browser
    assert signed_in(client)


def test_cookie_is_secure_when_served_over_https(database_url, tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, tmp_path, PUBLIC_URL="https://khaosat.example.vn")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make_user, db):
    make_user("a@example.org")
    wrong = post_sign_in(client, "a@example.org", "not the password")
    unknown = post_sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = re.compile(r'<p class="err" id="password-error">([^<]+)</p>')
    assert message.findall(wrong.get_data(as_text=True)) == \
        message.findall(unknown.get_data(as_text=True)) != []
    outcomes = db.session.scalars(sa.select(AuditEvent.outcome)).all()
    assert [o.value for o in outcomes][-2:] == ["failure", "failure"]
    assert not signed_in(client)


def test_sixth_attempt_within_the_window_waits_and_is_audited(client, make_user, db):
    make_user("a@example.org")
    for _ in range(5):
        assert post_sign_in(client, "a@example.org", "not the password").status_code == 401
    refused = post_sign_in(client, "a@example.org", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert "15" in refused.get_data(as_text=True)
    assert not signed_in(client)
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "auth.sign_in" and last.outcome.value == "throttled"


def test_sign_in_without_csrf_token_is_refused_and_not_audited(client, make_user, count_rows):
    make_user("a@example.org")
    before = count_rows(AuditEvent)
    answer = client.post("/admin/sign-in", data={"email": "a@example.org", "password": PASSWORD})
    assert answer.status_code == 400 and count_rows(AuditEvent) == before
    assert not signed_in(client)


def test_empty_form_shows_errors_next_to_the_fields(client, demo, count_rows):
    answer = post_sign_in(client, "", "")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'href="#email"' in html and 'aria-invalid="true"' in html
    assert count_rows(AuditEvent) == 0


def test_sign_out_needs_a_post_with_csrf(client, make_user, db):
    user = make_user("a@example.org")
    sign_in_as(client, user)
    assert client.get("/admin/sign-out").status_code == 405
    assert client.post("/admin/sign-out").status_code == 400 and signed_in(client)
    done = client.post("/admin/sign-out", data={"csrf_token": csrf_token(client, "/admin/")})
    assert done.status_code == 303 and done.location == "/admin/sign-in"
    assert not signed_in(client)
    assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())
                             .limit(1)) == "auth.sign_out"


def test_idle_session_ends(app, client, make_user):
    user = make_user("a@example.org")
    sign_in_as(client, user, seen_ago=29 * 60, signed_in_ago=60 * 60)
    assert signed_in(client)  # and the request counts as activity
    sign_in_as(client, user, seen_ago=31 * 60)
    answer = client.get("/admin/")
    assert answer.status_code == 302 and "expired=1" in answer.location
    assert "Your session has ended" in client.get(answer.location + "&lang=en").get_data(
        as_text=True)
    assert not signed_in(client)


def test_idle_limit_comes_from_the_config(app, client, make_user):
    app.config["ADMIN_IDLE_MINUTES"] = 0.05  # three seconds
    sign_in_as(client, make_user("a@example.org"), seen_ago=4)
    assert not signed_in(client)


def test_session_ends_after_twelve_hours_however_busy(client, make_user):
    sign_in_as(client, make_user("a@example.org"), seen_ago=0, signed_in_ago=12 * 3600 + 1)
    assert not signed_in(client)


def test_new_password_or_deactivation_ends_other_sessions(client, app, make_user, db):
    user = make_user("a@example.org")
    make_user("boss@example.org", "admin", "NA")
    sign_in_as(client, user)
    assert signed_in(client)
    token = accounts.issue_link(db.session, user, account_users.PasswordPurpose.reset, audit.CLI)
    accounts.set_password(db.session, token, "một mật khẩu khác hẳn")
    db.session.commit()
    assert not signed_in(client)
    sign_in_as(client, user)
    assert signed_in(client)
    accounts.deactivate_user(db.session, user, audit.CLI)
    db.session.commit()
    assert not signed_in(client)


def test_admin_pages_are_not_cached(client, demo):
    assert client.get("/admin/sign-in").headers["Cache-Control"] == "no-store"


# --- set-password links ----------------------------------------------------------------

@pytest.fixture
def link(db, demo):
    _user, token = accounts.create_user(db.session, "new@example.org", "viewer", "NA", audit.CLI)
    db.session.commit()
    return f"/admin/password/{token}"


def test_link_page_opens_without_using_the_link(client, link, db):
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    assert db.session.scalar(sa.select(PasswordToken.used_at)) is None


def test_unknown_link_is_404(client, demo):
    assert client.get("/admin/password/not-a-token").status_code == 404
    assert client.get("/admin/password/" + "x" * 500).status_code == 404


@pytest.mark.parametrize("password,confirm,field", [
    ("matkhau123", "matkhau123", "password"),
    ("ngắn", "ngắn", "password"),
    (PASSWORD, PASSWORD + "!", "confirm"),
    ("", "", "password"),
])
def test_bad_passwords_are_shown_next_to_the_field_and_nothing_is_written(
        client, link, db, password, confirm, field):
    answer = client.post(link, data={"password": password, "confirm": confirm,
                                     "csrf_token": csrf_token(client, link)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f'id="{field}-error"' in html
    assert password not in html or not password  # never echoed back
    user = db.session.scalars(sa.select(User)).one()
    db.session.refresh(user)
    assert user.password_hash is None
    assert db.session.scalar(sa.select(PasswordToken.used_at)) is None


def test_link_without_csrf_token_is_refused(client, link, db):
    answer = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(User.password_hash)) is None


def test_good_password_signs_in_and_the_link_is_used_up(client, link, db):
    answer = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD,
                                     "csrf_token": csrf_token(client, link)})
    assert answer.status_code == 303 and answer.location.startswith("/admin/?")
    assert signed_in(client)
    assert db.session.scalar(sa.select(PasswordToken.used_at)) is not None
    assert client.get(link).status_code == 404
    again = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD,
                                    "csrf_token": csrf_token(client, "/admin/")})
    assert again.status_code == 404
