"""The manager web app in real Chromium: signing in and out, lockout, idle expiry, CSRF
refusal, each role's view, and axe-core on every admin page at 1280 × 800 and 360 × 740."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import PasswordPurpose, User
from survey.services import accounts, audit
from tests.support.live import LiveServer, focused_id

from .conftest import KIOSK, PHONE, axe_serious, form_post, watch_csp

pytestmark = pytest.mark.browser

PASSWORD = "ngựa vằn gặm cỏ non"
SIZES = {"phone": PHONE, "desktop": KIOSK}
#: Who signs in, with which role over which unit.
PEOPLE = {"admin": ("admin@example.org", "NA"), "manager": ("manager@example.org", "NA-DEMO1"),
          "viewer": ("viewer@example.org", "NA"), "handler": ("handler@example.org", "NA-DEMO2")}


def add_user(server: LiveServer, email: str, role: str, unit: str,
             password: str | None = PASSWORD) -> str:
    """Create a user on the server's database; returns a set-password token if no password."""
    app = server.app()
    with app.app_context():
        _user, token = accounts.create_user(db.session, email, role, unit, audit.CLI)
        if password is not None:
            accounts.set_password(db.session, token, password)
        db.session.commit()
        db.engine.dispose()
    return token


def new_link(server: LiveServer, email: str) -> str:
    app = server.app()
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        token = accounts.issue_link(db.session, user, PasswordPurpose.reset, audit.CLI)
        db.session.commit()
        db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def people(live_server) -> dict[str, str]:
    for role, (email, unit) in PEOPLE.items():
        add_user(live_server, email, role, unit)
    return {role: email for role, (email, _unit) in PEOPLE.items()}


def sign_in(page, server: LiveServer, email: str, password: str = PASSWORD, lang: str = "en"):
    page.goto(f"{server.url}/admin/sign-in?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    with form_post(page) as posted:
        page.locator("form.card button[type=submit]").click()
    return posted.value


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport=KIOSK, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def test_sign_in_and_out_on_a_phone(live_server, people, phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/admin/users?lang=en")
    assert page.url.startswith(f"{live_server.url}/admin/sign-in")
    assert focused_id(page, "email") == "email"  # the focus is in the form
    page.fill("#email", people["admin"])
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/admin/users?lang=en")
    assert page.get_by_role("heading", level=1).inner_text() == "Users and roles"
    assert people["admin"] in page.locator(".who").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/admin/sign-in**")
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/sign-in" in page.url


def test_a_new_user_sets_a_password_from_the_link_and_is_signed_in(live_server, phone_page):
    token = add_user(live_server, "first@example.org", "admin", "NA", password=None)
    page = phone_page
    page.goto(f"{live_server.url}/admin/password/{token}?lang=en")
    assert focused_id(page, "password") == "password"
    page.fill("#password", "Tôi làm ở Trung tâm Dịch vụ việc làm")
    page.fill("#confirm", "Tôi làm ở Trung tâm Dịch vụ việc làm")
    page.get_by_role("button", name="Save the password and sign in").click()
    page.wait_for_url("**/admin/?**welcome=1**")
    assert page.get_by_role("status").inner_text() == \
        "Your password is set and you are signed in."
    assert page.goto(f"{live_server.url}/admin/password/{token}?lang=en").status == 404


def test_five_failures_lock_the_account_without_saying_it_exists(live_server, people,
                                                                desktop_page):
    add_user(live_server, "locked@example.org", "viewer", "NA")
    page = desktop_page
    for _ in range(5):
        answer = sign_in(page, live_server, "locked@example.org", "not the password")
        assert answer.status == 401
        assert page.locator("#password-error").inner_text() == \
            "The e-mail address or the password is not right."
    answer = sign_in(page, live_server, "locked@example.org", PASSWORD)
    assert answer.status == 429
    assert "Wait 15 minutes" in page.locator("[role=alert]").inner_text()
    assert "/admin/sign-in" in page.url
    # Another account from the same browser still signs in.
    assert sign_in(page, live_server, people["viewer"]).status == 303


def test_idle_session_ends_and_says_so(tmp_path, browser):
    with LiveServer(tmp_path, env={"SURVEY_ADMIN_IDLE_MINUTES": "0.05"}) as server:  # 3 s
        add_user(server, "idle@example.org", "viewer", "NA")
        context = browser.new_context(viewport=KIOSK)
        page = context.new_page()
        assert sign_in(page, server, "idle@example.org").status == 303
        page.goto(f"{server.url}/admin/?lang=en")
        assert page.get_by_role("heading", level=1).inner_text() == "Management home"
        time.sleep(4)
        page.goto(f"{server.url}/admin/?lang=en")
        assert "/admin/sign-in" in page.url
        assert page.get_by_role("status").inner_text() == \
            "Your session has ended. Please sign in again."
        context.close()


def test_forms_without_a_valid_csrf_token_are_refused(live_server, people, desktop_page):
    page = desktop_page
    page.goto(f"{live_server.url}/admin/sign-in?lang=en")
    page.fill("#email", people["admin"])
    page.fill("#password", PASSWORD)
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'forged'")
    with form_post(page) as posted:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert posted.value.status == 400
    assert "did not come from this site" in page.locator("h1").inner_text()

    assert sign_in(page, live_server, people["admin"]).status == 303
    page.goto(f"{live_server.url}/admin/users?lang=en")
    page.fill("#email", "forged@example.org")
    page.select_option("#role", "admin")
    page.select_option("#unit", "NA")
    page.evaluate("document.querySelector('form[action^=\"/admin/users\"] input[name=csrf_token]')"
                  ".value = 'forged'")
    with form_post(page) as posted:
        page.get_by_role("button", name="Create the user").click()
    assert posted.value.status == 400
    app = live_server.app()
    with app.app_context():
        assert db.session.scalar(sa.select(User).filter_by(email="forged@example.org")) is None
        db.engine.dispose()


#: Each role's menu, in order.
MENUS = {
    "admin": ["Home", "Dashboard", "Reports", "Coverage targets", "Data quality",
              "Feedback inbox", "Public feedback pages", "Units", "Kiosks", "Posters and slips",
              "Served counts", "Questionnaires", "API tokens", "Users", "Audit log"],
    "manager": ["Home", "Dashboard", "Reports", "Coverage targets", "Data quality",
                "Feedback inbox", "Public feedback pages", "Units", "Kiosks",
                "Posters and slips", "Questionnaires"],
    "viewer": ["Home", "Dashboard", "Reports", "Coverage targets", "Units"],
    "handler": ["Home", "Feedback inbox"],
}


@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_each_role_sees_its_own_menu_and_nothing_more(live_server, people, browser, role):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    assert sign_in(page, live_server, people[role]).status == 303
    page.goto(f"{live_server.url}/admin/?lang=en")
    menu = page.get_by_role("navigation", name="Main menu").get_by_role("link").all_inner_texts()
    assert menu == MENUS[role]
    for path in ("/admin/users", "/admin/audit"):
        answer = page.goto(f"{live_server.url}{path}?lang=en")
        assert answer.status == (200 if role == "admin" else 403)
    context.close()


def admin_pages(server: LiveServer, people: dict[str, str]) -> dict[str, tuple[str, int]]:
    """Every admin page a signed-in administrator can open, with the status it answers."""
    link = new_link(server, "handler@example.org")
    app = server.app()
    with app.app_context():
        handler = db.session.scalar(sa.select(User).filter_by(email=people["handler"]))
        handler_id = handler.id
        db.engine.dispose()
    return {
        "home": ("/admin/", 200),
        "home-en": ("/admin/?lang=en", 200),
        "users": ("/admin/users", 200),
        "user": (f"/admin/users/{handler_id}", 200),
        "audit": ("/admin/audit", 200),
        "audit-filtered": ("/admin/audit?action=auth.sign_in&lang=en", 200),
        "audit-bad-filter": ("/admin/audit?since=31/12/2026", 400),
        "not-found": ("/admin/users/999999", 404),
        "set-password": (f"/admin/password/{link}", 200),
        "link-invalid": ("/admin/password/used-or-unknown", 404),
    }


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_admin_page_passes_axe(live_server, people, browser, size, tmp_path):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(tmp_path / f"{size}-{name}.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/sign-in")
    check("sign-in")
    assert sign_in(page, live_server, "nobody@example.org", "wrong password", lang="vi") \
        .status == 401
    check("sign-in-error")
    assert sign_in(page, live_server, people["admin"], lang="vi").status == 303
    for name, (path, status) in admin_pages(live_server, people).items():
        answer = page.goto(live_server.url + path)
        assert answer.status == status, (name, answer.status)
        check(name)
    # Forms sent with bad input: the errors next to the fields, focus on the first one.
    page.goto(f"{live_server.url}/admin/users")
    page.fill("#email", "not-an-address")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/users'] button[type=submit]").click()
    assert posted.value.status == 422
    assert focused_id(page, "email") == "email"
    check("users-errors")
    page.fill("#email", f"new-{size}@example.org")
    page.select_option("#role", "viewer")
    page.select_option("#unit", "NA-VINH")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/users'] button[type=submit]").click()
    assert posted.value.status == 201
    assert "/admin/password/" in page.locator("#link").input_value()
    check("user-created")
    # The set-password page with a refused password, then the manager's 403.
    page.goto(f"{live_server.url}/admin/password/{new_link(live_server, people['viewer'])}")
    page.fill("#password", "matkhau123")
    page.fill("#confirm", "matkhau123")
    with form_post(page) as posted:
        page.locator("form.card button[type=submit]").click()
    assert posted.value.status == 422
    check("set-password-errors")
    page.locator(".who button").click()
    page.wait_for_url("**/admin/sign-in**")
    assert sign_in(page, live_server, people["manager"], lang="vi").status == 303
    assert page.goto(f"{live_server.url}/admin/users").status == 403
    check("forbidden")
    context.close()
    assert failures == {}
    assert blocked == []
