"""The dashboard's custom date range in real Chromium, at 1280 × 800 and 360 × 740: chosen
in the filter form (no JavaScript needed), kept in the URL, shown on every page; a range
that ends before it starts is refused with the form kept. axe-core: no serious or
critical violation. Screenshots go to ``tmp_path`` (or ``$SURVEY_SCREENSHOTS``)."""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

from survey.models import utcnow
from survey.timeutil import local_date

from .conftest import axe_serious, follow
from .test_admin import SIZES, sign_in
from .test_admin_devices import shots
from .test_dashboard import manager  # noqa: F401  (the fixture: demo data and a manager)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_custom_range_is_chosen_in_the_form_and_kept_in_the_url(live_server, manager,
                                                                   browser, size, tmp_path):
    folder = shots(tmp_path)
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    sign_in(page, live_server, manager, lang="vi")
    page.goto(live_server.url + "/admin/dashboard?unit=NA-VINH")
    last = local_date(utcnow()) - dt.timedelta(days=1)
    first = last - dt.timedelta(days=119)
    page.select_option("#f-period", "custom")
    page.fill("#f-from", first.isoformat())
    page.fill("#f-to", last.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Xem").click()
    query = parse_qs(urlparse(page.url).query)
    assert query["period"] == ["custom"] and query["from"] == [first.isoformat()]
    label = f"{first:%d/%m/%Y}–{last:%d/%m/%Y}"
    assert label in page.locator("h1").text_content()
    assert page.locator("#f-period").input_value() == "custom"
    assert page.locator("#f-to").input_value() == last.isoformat()
    assert page.locator("svg#chart-funnel").count() == 1  # the demo units, compared
    assert axe_serious(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.screenshot(path=str(folder / f"dashboard-range-{size}.png"), full_page=True)
    # The other pages keep the range (links carry its code).
    with follow(page):
        page.get_by_role("link", name="Điều gì kéo chỉ số xuống").click()
    assert label in page.locator("h1").text_content()
    assert axe_serious(page) == []
    # A range that ends before it starts: 400, the message, the dates kept.
    page.select_option("#f-period", "custom")
    page.fill("#f-from", last.isoformat())
    page.fill("#f-to", first.isoformat())
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Xem").click()
    assert answer.value.status == 400
    alert = page.get_by_role("alert")
    assert f"{last:%d/%m/%Y}" in alert.text_content()
    assert page.locator("#f-from").input_value() == last.isoformat()
    assert page.locator("#f-to").input_value() == first.isoformat()
    assert axe_serious(page) == []
    page.screenshot(path=str(folder / f"dashboard-range-bad-{size}.png"), full_page=True)
    context.close()
