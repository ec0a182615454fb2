"""Units, served counts and questionnaires in real Chromium: the units tree → CSV import
preview → confirm at 1280 × 800, and axe-core on each of these pages at both sizes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import KIOSK, PHONE, axe_serious, follow, form_post, watch_csp
from tests.support.live import focused_id

from .test_admin import add_user, sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": KIOSK}
CSV = ("code,parent_code,kind,name_vi,name_en,active\n"
       "NA-VINH-Q7,NA-VINH,counter,Quầy 7 (thử nghiệm),Counter 7 (trial),1\n"
       "NA-VINH-Q1,NA-VINH,counter,Quầy 1 (đổi tên),Counter 1 (renamed),1\n")
BAD_CSV = ("code,parent_code,kind,name_vi\nNA-VINH-Q8,NOWHERE,counter,Quầy 8\n"
           "na x,NA-VINH,shop,\n")
#: Screenshots land here when set (to be looked at), else in the test's tmp_path.
SHOTS = os.environ.get("SURVEY_SCREENSHOTS")


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_page(browser, size: str):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    return context, context.new_page()


@pytest.fixture(scope="module")
def admin_email(live_server) -> str:
    add_user(live_server, "units-admin@example.org", "admin", "NA")
    return "units-admin@example.org"


def test_units_import_preview_then_confirm(live_server, admin_email, browser, tmp_path):
    context, page = new_page(browser, "desktop")
    blocked = watch_csp(page)
    folder = shots_dir(tmp_path)
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= KIOSK["width"], name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(folder / f"desktop-{name}.png"), full_page=True)

    assert sign_in(page, live_server, admin_email, lang="vi").status == 303
    page.goto(f"{live_server.url}/admin/units")
    assert page.get_by_role("link", name="NA-VINH-Q1").is_visible()
    check("units")
    with follow(page):
        page.locator("a[href^='/admin/units/import']").click()
    check("units-import")
    page.set_input_files("#file", files=[{"name": "units.csv", "mimeType": "text/csv",
                                          "buffer": CSV.encode()}])
    with form_post(page) as posted:
        page.locator("form[enctype] button[type=submit]").click()
    assert posted.value.status == 200
    assert page.locator("#line-2 .tag.new").is_visible()
    assert page.locator("#line-3 del").first.inner_text() == "Quầy 1 (thử nghiệm)"
    check("units-preview")
    other = context.new_page()  # nothing written yet
    assert other.goto(f"{live_server.url}/admin/units/NA-VINH-Q7").status == 404
    other.close()
    with form_post(page) as confirmed:
        page.locator("form.confirm button[type=submit]").click()
    assert confirmed.value.status == 200
    assert page.locator("#done").is_visible()
    check("units-imported")
    page.goto(f"{live_server.url}/admin/units/NA-VINH-Q7")
    assert page.locator("h1").inner_text() == "NA-VINH-Q7 · Quầy 7 (thử nghiệm)"
    check("unit")
    context.close()
    assert failures == {} and blocked == []


@pytest.mark.parametrize("size", sorted(SIZES))
def test_these_pages_pass_axe(live_server, admin_email, browser, size, tmp_path):
    context, page = new_page(browser, size)
    blocked = watch_csp(page)
    folder = shots_dir(tmp_path)
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(folder / f"{size}-{name}.png"), full_page=True)

    assert sign_in(page, live_server, admin_email, lang="vi").status == 303
    for name, path in {"units": "/admin/units", "unit": "/admin/units/NA-VINH",
                       "units-en": "/admin/units?lang=en", "served": "/admin/served",
                       "questionnaires": "/admin/questionnaires",
                       "questionnaire": "/admin/questionnaires/1"}.items():
        assert page.goto(live_server.url + path).status == 200, name
        check(name)
    page.goto(f"{live_server.url}/admin/units/import")
    page.set_input_files("#file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                          "buffer": BAD_CSV.encode()}])
    with form_post(page) as posted:
        page.locator("form[enctype] button[type=submit]").click()
    assert posted.value.status == 422
    check("units-import-errors")
    page.goto(f"{live_server.url}/admin/units/NA-VINH")
    page.fill("#new-code", "bad code")
    with form_post(page) as posted:
        page.locator("#add button[type=submit]").click()
    assert posted.value.status == 422
    assert focused_id(page, "new-code") == "new-code"
    check("unit-add-errors")
    page.goto(f"{live_server.url}/admin/served")
    page.set_input_files("#file", files=[{"name": "served.csv", "mimeType": "text/csv",
                                          "buffer": b"period,unit,service,count\n"
                                                    b"2026-11,NA-VINH,,1250\n2026-13,NA,,x\n"}])
    with form_post(page) as posted:
        page.locator("form[enctype] button[type=submit]").click()
    assert posted.value.status == 422
    check("served-errors")
    context.close()
    assert failures == {} and blocked == []
