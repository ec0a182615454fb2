"""Kiosks, API tokens and printing in real Chromium: adding a kiosk shows its pairing code
once and revoking it works without JavaScript; axe-core finds nothing serious or critical
on these pages at 1280 × 800 and 360 × 740."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import KIOSK, PHONE, axe_serious, form_post, watch_csp
from tests.support.live import focused_id

from .test_admin import add_user, sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": KIOSK}
#: Screenshots land here when set (to look at them), else in the test's tmp_path.
SHOTS = os.environ.get("SURVEY_SCREENSHOTS")


@pytest.fixture(scope="module")
def manager(live_server) -> str:
    add_user(live_server, "kiosk-manager@example.org", "manager", "NA-DEMO1")
    add_user(live_server, "kiosk-admin@example.org", "admin", "NA")
    return "kiosk-manager@example.org"


def shots(tmp_path: Path) -> Path:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_add_a_kiosk_see_its_code_once_and_revoke_it(live_server, manager, browser, tmp_path):
    context = browser.new_context(viewport=KIOSK, locale="vi-VN")
    page = context.new_page()
    assert sign_in(page, live_server, manager, lang="vi").status == 303
    page.goto(f"{live_server.url}/admin/kiosks")
    page.select_option("#unit", "NA-DEMO1-Q2")
    page.fill("#name", "Quầy 2 thử")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/kiosks'] button[type=submit]").first.click()
    assert posted.value.status == 201
    code = page.locator("#pairing-code").inner_text()
    assert len(code.replace(" ", "")) == 10
    assert page.locator("#pairing-code").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)") >= 36
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-kiosk-added-manager.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/kiosks")
    assert code not in page.content()
    row = page.locator("tr", has_text="Quầy 2 thử")
    assert "đang chờ ghép nối" in row.inner_text()
    with form_post(page) as posted:
        row.locator("button[type=submit]").click()
    assert posted.value.status == 303
    assert "đã thu hồi" in page.locator("tr", has_text="Quầy 2 thử").inner_text()
    assert page.get_by_role("status").is_visible()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-kiosk-revoked-manager.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_pages_pass_axe(live_server, manager, browser, size, tmp_path):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(shots(tmp_path) / f"{size}-{name}.png"), full_page=True)

    assert sign_in(page, live_server, "kiosk-admin@example.org", lang="vi").status == 303
    for name in ("kiosks", "tokens", "print"):
        assert page.goto(f"{live_server.url}/admin/{name}").status == 200
        check(name)
    page.goto(f"{live_server.url}/admin/kiosks")
    page.fill("#name", f"Máy {size}")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/kiosks'] button[type=submit]").first.click()
    assert posted.value.status == 422
    assert focused_id(page, "unit") == "unit"
    check("kiosks-errors")
    page.select_option("#unit", "NA-DEMO1-Q1")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/kiosks'] button[type=submit]").first.click()
    assert posted.value.status == 201
    check("kiosk-added")
    page.goto(f"{live_server.url}/admin/tokens")
    page.fill("#name", f"Cổng dữ liệu {size}")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/tokens'] button[type=submit]").first.click()
    assert posted.value.status == 201
    assert page.locator("#token").input_value().startswith("svy_")
    check("token-created")
    page.goto(f"{live_server.url}/admin/print?lang=en")
    page.fill("#receipt-count", "5000")
    with form_post(page) as posted:
        page.locator("form[action^='/admin/print/receipts'] button[type=submit]").click()
    assert posted.value.status == 422
    check("print-errors-en")
    context.close()
    assert failures == {}
    assert blocked == []
