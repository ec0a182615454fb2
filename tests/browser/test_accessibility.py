"""Every public page passes axe-core on a 360 × 740 phone and a 1280 × 800 screen,
in both languages, in each of its states (errors, used and expired codes, not found)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Service, Unit, utcnow
from survey.services.intake import receipts

from .conftest import KIOSK, PHONE, axe_serious, form_post, watch_csp

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": KIOSK}


@pytest.fixture(scope="module")
def codes(live_server) -> dict[str, str]:
    """A fresh, a used and an expired receipt code."""
    app = live_server.app()
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q2"))
        service = db.session.scalar(sa.select(Service).filter_by(code="ui_apply"))
        fresh, used, expired = receipts.issue_receipt_codes(db.session, unit, service, 3)
        used.used_at = utcnow()
        expired.expires_at = utcnow() - dt.timedelta(days=1)
        db.session.commit()
        result = {"fresh": fresh.code, "used": used.code, "expired": expired.code}
        db.engine.dispose()
    return result


PAGES = {
    "home": ("/", 200),
    "form": ("/s/NA-VINH/Q1?svc=ui_apply", 200),
    "form-en": ("/s/NA-VINH/Q1?lang=en", 200),
    "thanks": ("/s/NA-VINH-Q1/thanks", 200),
    "unknown-unit": ("/s/NA-NOWHERE", 404),
    "code-entry": ("/r", 200),
    "code-fresh": ("/r/{fresh}", 200),
    "code-used": ("/r/{used}", 410),
    "code-expired": ("/r/{expired}?lang=en", 410),
    "code-unknown": ("/r/ZZZZZZZZ", 404),
    "api-docs": ("/api/v1/docs", 200),
    "api-docs-en": ("/api/v1/docs?lang=en", 200),
}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_public_pages_pass_axe(live_server, browser, codes, size, tmp_path):
    context = browser.new_context(viewport=SIZES[size], has_touch=True, locale="vi-VN",
                                  is_mobile=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    failures = {}
    for name, (path, status) in PAGES.items():
        reply = page.goto(live_server.url + path.format(**codes))
        assert reply.status == status, (name, reply.status)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(tmp_path / f"{size}-{name}.png"), full_page=True)

    # The form sent without its required answer: shown again with the errors (422).
    page.goto(f"{live_server.url}/s/NA-VINH/Q1")
    with form_post(page) as posted:
        page.get_by_role("button", name="Gửi").click()
    assert posted.value.status == 422
    assert page.locator("[role=alert]").count() == 1 and page.locator(".err").count() > 0
    if found := axe_serious(page):
        failures["form-errors"] = [violation["id"] for violation in found]
    page.screenshot(path=str(tmp_path / f"{size}-form-errors.png"), full_page=True)
    context.close()
    assert failures == {}
    assert blocked == []  # the Content-Security-Policy blocks nothing the pages need
