"""Issue 14's new pages in real Chromium at 1280 × 800 and 360 × 740: the phone form's
informed consent, the status page with its request about contact details (and after
one), the public "what we did" page, and the manager's screens; axe-core finds nothing
serious, nothing is wider than the screen, the CSP blocks nothing; a claimant asks for
their contact details to be deleted with the keyboard-free path of a tap. Screenshots in
/tmp/feedback_*.png."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.services.inbox import settings_from
from survey.services.inbox.codes import display_code
from survey.services.inbox.demo import add_demo_feedback
from tests.support.inbox import add_case
from tests.support.live import LiveServer

from .conftest import KIOSK, PHONE, axe_serious, follow, watch_csp
from .test_admin import add_user, sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": KIOSK}


@pytest.fixture(scope="module")
def codes(live_server) -> dict[str, str]:
    """Reference codes: a case with contact details (nothing asked yet), and the manager."""
    add_user(live_server, "pages@example.org", "manager", "NA-DEMO1")
    app = live_server.app()
    with app.app_context():
        # What `survey seed-demo` adds: cases at NA-DEMO1 and its published page.
        add_demo_feedback(db.session, settings_from(app.config))
        fresh = add_case(db.session, app.config, contact=True,
                         comment="Mong Trung tâm gọi lại cho tôi.").reference
        asked = add_case(db.session, app.config, contact=True,
                         comment="Xin xóa số điện thoại.").reference
        db.session.commit()
        db.engine.dispose()
    return {"fresh": fresh, "asked": asked}


def check(page, size: str, name: str, failures: dict) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name
    if found := axe_serious(page):
        failures[name] = [violation["id"] for violation in found]
    page.screenshot(path=f"/tmp/feedback_{size}_{name}.png", full_page=True)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_claimant_pages_pass_axe_and_fit(live_server: LiveServer, codes, browser, size):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    failures: dict[str, list[str]] = {}
    assert page.goto(f"{live_server.url}/s/NA-DEMO1-Q1").status == 200
    page.locator("#contact summary").click()
    assert page.get_by_text("Quyền của Ông/Bà:").is_visible()
    assert not page.locator("#contact_consent").is_checked()
    check(page, size, "consent", failures)
    assert page.goto(f"{live_server.url}/y-kien/{codes['fresh']}").status == 200
    check(page, size, "status", failures)
    assert page.goto(f"{live_server.url}/y-kien/don-vi/NA-DEMO1").status == 200
    assert page.get_by_role("heading", name="Ý kiến của Ông/Bà – việc chúng tôi đã làm").count()
    check(page, size, "unit_page", failures)
    assert page.goto(f"{live_server.url}/s/NA-DEMO1-Q1/thanks").status == 200
    assert page.get_by_role("link", name="Ý kiến của Ông/Bà – việc chúng tôi đã làm").count()
    assert failures == {} and blocked == []
    context.close()


def test_a_claimant_asks_to_delete_their_contact_details(live_server: LiveServer, codes,
                                                        browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/y-kien/{codes['asked']}")
    page.get_by_label("Xóa thông tin liên hệ của tôi").check()
    with follow(page):
        page.get_by_role("button", name="Gửi yêu cầu").click()
    assert "done=1" in page.url
    assert page.get_by_text("Chúng tôi đã nhận yêu cầu").is_visible()
    assert page.get_by_text("Yêu cầu xóa thông tin liên hệ").is_visible()
    assert axe_serious(page) == []
    page.screenshot(path="/tmp/feedback_phone_status_after.png", full_page=True)
    context.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_manager_screens_pass_axe_and_fit(live_server: LiveServer, codes, browser, size):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    assert sign_in(page, live_server, "pages@example.org", lang="vi").status == 303
    failures: dict[str, list[str]] = {}
    for name, path in (("admin_pages", "/admin/feedback-pages"),
                       ("admin_page", "/admin/feedback-pages/NA-DEMO1"),
                       ("admin_inbox", f"/admin/inbox?q={display_code(codes['asked'])}")):
        assert page.goto(live_server.url + path).status == 200
        check(page, size, name, failures)
    assert failures == {} and blocked == []
    context.close()
