"""Questionnaire v2 on a 360 × 740 phone: two screens at most for a claimant who only
taps, the error summary takes the focus, accessible, nothing from another host."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Answer, Response, ResponseReason
from survey.services import catalogue
from tests.support.live import LiveServer

from .conftest import KIOSK, axe_serious, watch_csp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    # v2 current (v3 adds the coverage items: tests/browser/test_coverage_survey.py).
    server = LiveServer(tmp_path_factory.mktemp("live-v2"), versions=catalogue.VERSIONS[:2])
    server.prepare()
    server.start()
    yield server
    server.stop()


def test_a_claimant_who_only_taps_needs_two_screens(live_server, phone_page, tmp_path):
    page = phone_page
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    blocked = watch_csp(page)
    page.goto(f"{live_server.url}/s/NA-VINH/Q3?svc=ui_apply")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 1600, height  # about two screens of 740 px
    page.screenshot(path=str(tmp_path / "v2.png"), full_page=True)
    assert axe_serious(page) == []
    taps = 0
    scales = page.locator("fieldset.q:has(.scale)")
    for i in range(scales.count()):
        scales.nth(i).locator("label").nth(3).tap()  # "4": satisfied
        taps += 1
    rows = page.locator("fieldset.q:has(.row)")
    for i in range(rows.count()):
        rows.nth(i).locator("label").nth(1).tap()  # "No" / "2 times"
        taps += 1
    page.get_by_role("button", name="Gửi").tap()
    taps += 1
    page.wait_for_url("**/thanks**")
    # The service came with the QR code: overall + 5 aspects + 3 facts + send.
    assert taps == 10
    assert hosts == {f"127.0.0.1:{live_server.port}"} and blocked == []
    app = live_server.app()
    with app.app_context():
        response = db.session.scalars(
            sa.select(Response).join(Response.unit).filter_by(code="NA-VINH-Q3")).one()
        answers = {a.item_code: a.value for a in response.answers}
        assert response.questionnaire.version == 2
        assert answers["overall"] == 4 and answers["fact_documents"] == 2
        assert answers["fact_trips"] == 2 and len(answers) == 9
        db.engine.dispose()


def test_a_low_rating_opens_the_reasons_and_errors_take_the_focus(live_server, phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/s/NA-DEMO1/Q2")
    assert not page.locator("#more").evaluate("d => d.open")
    page.locator("fieldset.q:has(.scale)").nth(1).locator("label").nth(1).tap()  # "2"
    assert page.locator("#more").evaluate("d => d.open")
    page.locator("label", has_text="Phải chờ lâu").tap()
    blocked = watch_csp(page)
    page.get_by_role("button", name="Gửi").tap()  # no service, no overall rating
    page.wait_for_selector("#errs")
    assert blocked == []
    focused = page.evaluate("document.activeElement && document.activeElement.id")
    assert focused == "errs"
    problems = axe_serious(page)
    assert problems == [], [(p["id"], [n["html"][:200] for n in p["nodes"]]) for p in problems]
    links = page.locator("#errs a")
    assert links.count() == 2
    links.first.tap()
    assert page.evaluate("location.hash") == "#service"
    assert page.locator("#more").evaluate("d => d.open")  # the reason is kept, open
    assert page.locator("input[value=long_wait]").is_checked()
    page.select_option("#service", "ui_report")
    page.locator("fieldset.q:has(.scale)").first.locator("label").nth(4).tap()
    page.get_by_role("button", name="Gửi").tap()
    page.wait_for_url("**/thanks**")
    app = live_server.app()
    with app.app_context():
        response = db.session.scalars(
            sa.select(Response).join(Response.unit).filter_by(code="NA-DEMO1-Q2")).one()
        assert [r.reason_code for r in db.session.scalars(sa.select(ResponseReason).filter_by(
            response_id=response.id))] == ["long_wait"]
        assert db.session.scalar(sa.select(Answer.value).filter_by(
            response_id=response.id, item_code="overall")) == 5
        db.engine.dispose()


def test_the_form_on_a_kiosk_sized_screen(live_server, browser):
    context = browser.new_context(viewport=KIOSK, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/s/NA-VINH/Q1")
    assert axe_serious(page) == []
    context.close()
