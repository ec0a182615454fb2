"""/admin/coverage in real Chromium at 360 × 740 and 1280 × 800: the panels and the
month-by-month table fit, axe-core finds nothing serious, the import preview works."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.services.coverage.demo import add_demo_coverage

from .conftest import KIOSK, PHONE, axe_serious, follow, form_post, watch_csp
from .test_admin import add_user, sign_in
from .test_admin_units import new_page, shots_dir

pytestmark = pytest.mark.browser

CSV = ("month,unit,applicants,counselling_asked,counselled,referral_asked,referred,placed,"
       "training_supported\n2026-09,NA-VINH,820,760,758,300,262,160,33\n"
       "2026-09,NA-DEMO1,100,90,95,40,30,20,4\n")


@pytest.fixture(scope="module")
def emails(live_server) -> dict[str, str]:
    add_user(live_server, "cov-admin@example.org", "admin", "NA")
    add_user(live_server, "cov-manager@example.org", "manager", "NA-DEMO1")
    app = live_server.app()
    with app.app_context():
        add_demo_coverage(db.session)
        db.session.commit()
        db.engine.dispose()
    return {"admin": "cov-admin@example.org", "manager": "cov-manager@example.org"}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_coverage_page_fits_and_passes_axe(live_server, emails, browser, tmp_path, size):
    context, page = new_page(browser, size)
    blocked = watch_csp(page)
    folder = shots_dir(tmp_path)
    width = (PHONE if size == "phone" else KIOSK)["width"]
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(folder / f"{size}-{name}.png"), full_page=True)

    assert sign_in(page, live_server, emails["admin"], lang="vi").status == 303
    answer = page.goto(f"{live_server.url}/admin/coverage")
    assert answer.status == 200
    assert page.locator("#p-NA-VINH").is_visible()
    check("coverage")
    page.select_option("#unit", "NA-VINH")
    with follow(page):
        page.locator("form.card button[type=submit]").click()
    assert page.locator("#p-NA-DEMO1").is_visible()
    check("coverage-centre")
    page.goto(f"{live_server.url}/admin/coverage/import")
    page.set_input_files("#file", files=[{"name": "c.csv", "mimeType": "text/csv",
                                          "buffer": CSV.encode()}])
    with form_post(page) as posted:
        page.locator("form[enctype] button[type=submit]").click()
    assert posted.value.status == 422
    assert page.locator("#line-3 .err").first.is_visible()
    check("coverage-import-errors")
    context.close()
    assert failures == {} and blocked == []


def test_manager_sees_only_their_branch(live_server, emails, browser):
    context, page = new_page(browser, "desktop")
    assert sign_in(page, live_server, emails["manager"], lang="en").status == 303
    page.goto(f"{live_server.url}/admin/coverage?lang=en")
    assert page.locator("h2#main-h").inner_text().endswith("(NA-DEMO1), " +
                                                            page.locator("#period")
                                                            .input_value())
    assert page.locator("#unit option").count() == 1
    assert page.goto(f"{live_server.url}/admin/coverage?unit=NA-VINH").status == 404
    context.close()
