"""The satisfaction dashboard in real Chromium, on the demo data of ``seed-demo``: every
page at 1280 × 800 and 360 × 740 with axe-core (no serious or critical violation), the
charts present with their names, no page wider than the screen, and the print layout
(A4 landscape) without the menu and the filters. Screenshots go to ``tmp_path`` (or to
``$SURVEY_SCREENSHOTS`` when set, to look at them)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from survey.extensions import db
from survey.services.catalogue.demo import add_dashboard_demo

from .conftest import axe_serious
from .test_admin import SIZES, add_user, sign_in

pytestmark = pytest.mark.browser

PAGES = {"overview": "/admin/dashboard?unit=NA-VINH",
         "overview-demo1": "/admin/dashboard?unit=NA-DEMO1&sort=-index",
         "drill": "/admin/dashboard/drill?unit=NA-VINH",
         "trend": "/admin/dashboard/trend?unit=NA-VINH",
         "plan": "/admin/dashboard/plan?unit=NA-VINH&expected=86",
         "quality": "/admin/dashboard/quality?unit=NA-VINH",
         "methodology": "/admin/methodology",
         "bad-period": "/admin/dashboard?unit=NA-VINH&period=2026-Q7"}


@pytest.fixture(scope="module")
def manager(live_server) -> str:
    app = live_server.app()
    with app.app_context():
        add_dashboard_demo(db.session)
        db.session.commit()
        db.engine.dispose()
    add_user(live_server, "centre@example.org", "manager", "NA-VINH")
    return "centre@example.org"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_dashboard_page_passes_axe_and_fits(live_server, manager, browser, size,
                                                  tmp_path):
    shots = Path(os.environ.get("SURVEY_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    landing = sign_in(page, live_server, manager, lang="vi")
    assert landing.status == 303 and "/admin/dashboard" in landing.headers["location"]
    for name, path in PAGES.items():
        answer = page.goto(live_server.url + path)
        assert answer.status == (400 if name == "bad-period" else 200), name
        assert axe_serious(page) == [], name
        page.screenshot(path=str(shots / f"dashboard-{name}-{size}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"], (name, width)
    context.close()


def test_charts_are_named_and_the_page_prints_without_controls(live_server, manager,
                                                                browser, tmp_path):
    context = browser.new_context(viewport=SIZES["desktop"], locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, manager, lang="vi")
    page.goto(live_server.url + PAGES["trend"])
    charts = page.get_by_role("img")
    assert charts.count() == 4
    for i in range(charts.count()):
        name = charts.nth(i).get_attribute("aria-labelledby").split()[0]
        assert (page.locator(f"#{name}").text_content() or "").strip()
    page.goto(live_server.url + PAGES["overview"])
    assert page.locator("svg#chart-funnel").count() == 1
    assert page.locator("text=Bảng điều khiển chỉ số hài lòng").first.is_visible()
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert not page.locator("nav.menu").is_visible()
    assert page.locator("#units table").is_visible()
    assert page.locator("details table").first.is_visible()  # the funnel's data, printed
    pdf = tmp_path / "dashboard.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+84[12]\.\d+ x 59[45]\.\d+ pts \(A4\)", info), info  # landscape
    context.close()
