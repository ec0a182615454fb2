"""/admin/quality in real Chromium: the demo's stuffing episode counted per unit and
reason, a response restored without JavaScript; axe-core finds nothing serious or
critical at 1280 × 800 and 360 × 740."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.services.catalogue.demo import add_demo_stuffing

from .conftest import KIOSK, PHONE, axe_serious, form_post, watch_csp
from .test_admin import add_user, sign_in
from .test_admin_devices import shots

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": KIOSK}


@pytest.fixture(scope="module")
def manager(live_server) -> str:
    add_user(live_server, "quality-manager@example.org", "manager", "NA-DEMO1")
    app = live_server.app()
    with app.app_context():
        add_demo_stuffing(db.session)
        db.session.commit()
        db.engine.dispose()
    return "quality-manager@example.org"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_review_and_restore(live_server, manager, browser, size, tmp_path):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    assert sign_in(page, live_server, manager, lang="vi").status == 303
    page.goto(f"{live_server.url}/admin/quality")
    assert "Dồn dập" in page.locator("#count-h + table").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / f"{size}-quality.png"), full_page=True)
    with form_post(page) as posted:
        page.locator("table button[type=submit]").first.click()
    assert posted.value.status == 303
    assert "được tính lại" in page.get_by_role("status").first.inner_text()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / f"{size}-quality-restored.png"), full_page=True)
    page.screenshot(path=str(shots(tmp_path) / f"{size}-quality-restored-top.png"))
    assert blocked == []
    context.close()
