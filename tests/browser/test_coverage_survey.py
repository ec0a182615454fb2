"""Questionnaire v3's coverage items in real Chromium: on a 360 × 740 phone the items
follow the service chosen, are a radio group with a legend, pass axe and are stored; the
kiosk asks them after the service, only the service's; the coverage page shows the
survey rows beside the case software's at 360 × 740 and 1280 × 800, axe finding nothing
serious."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Response
from survey.services import catalogue
from survey.services.catalogue.demo import add_dashboard_demo
from survey.services.coverage.demo import add_demo_coverage
from tests.support.live import LiveServer

from .conftest import KIOSK, PHONE, axe_serious, form_post, watch_csp
from .test_admin import add_user, sign_in
from .test_admin_units import new_page, shots_dir

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live-v3"), versions=catalogue.VERSIONS)
    server.prepare()
    server.start()
    yield server
    server.stop()


def visible_items(page) -> list[str]:
    return page.locator("fieldset[data-services]:visible").evaluate_all(
        "els => els.map(e => e.id)")


def test_the_phone_form_asks_the_coverage_items_of_the_services_claimants(
        live_server, phone_page, tmp_path):
    page = phone_page
    blocked = watch_csp(page)
    page.goto(f"{live_server.url}/s/NA-VINH/Q3")
    # No service yet: both items, each saying whom it is for.
    assert visible_items(page) == ["q_cov_counselling", "q_cov_referral"]
    page.select_option("#service", "training")
    assert visible_items(page) == []
    page.select_option("#service", "ui_apply")
    assert visible_items(page) == ["q_cov_counselling"]
    page.select_option("#service", "job_referral")
    assert visible_items(page) == ["q_cov_counselling", "q_cov_referral"]
    referral = page.get_by_role("group", name="Ông/Bà có được giới thiệu việc làm miễn phí "
                                               "khi có nhu cầu không?")
    assert referral.get_by_role("radio").count() == 3
    page.locator("fieldset#q_overall label").nth(3).tap()  # "4"
    page.locator("fieldset#q_cov_counselling label").nth(2).tap()  # did not need it
    referral.locator("label").nth(0).tap()  # yes
    page.locator("fieldset#q_cov_referral").scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir(tmp_path) / "phone-coverage-items.png"))
    page.screenshot(path=str(shots_dir(tmp_path) / "phone-coverage-items-full.png"),
                    full_page=True)
    problems = axe_serious(page)
    assert problems == [], [(p["id"], [n["html"][:200] for n in p["nodes"]]) for p in problems]
    with form_post(page) as posted:
        page.get_by_role("button", name="Gửi").tap()
    assert posted.value.status == 303 and blocked == []
    app = live_server.app()
    with app.app_context():
        response = db.session.scalars(
            sa.select(Response).join(Response.unit).filter_by(code="NA-VINH-Q3")).one()
        answers = {a.item_code: a.value for a in response.answers}
        assert response.questionnaire.version == 3 and response.service.code == "job_referral"
        assert answers == {"overall": 4, "cov_counselling": None, "cov_referral": 1}
        db.engine.dispose()


@pytest.fixture(scope="module")
def admin_email(live_server) -> str:
    add_user(live_server, "cov-survey-admin@example.org", "admin", "NA")
    app = live_server.app()
    with app.app_context():
        add_demo_coverage(db.session)
        add_dashboard_demo(db.session)
        db.session.commit()
        db.engine.dispose()
    return "cov-survey-admin@example.org"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_coverage_page_shows_the_survey_rows(live_server, admin_email, browser,
                                                 tmp_path, size):
    context, page = new_page(browser, size)
    blocked = watch_csp(page)
    width = (PHONE if size == "phone" else KIOSK)["width"]
    assert sign_in(page, live_server, admin_email, lang="vi").status == 303
    assert page.goto(f"{live_server.url}/admin/coverage?unit=NA").status == 200
    main = page.locator("#main-h + table")
    assert main.locator("tr.survey").count() == 2
    keys = main.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.classList.contains('survey'))")
    assert keys == [False, True, False, True, False, False]  # each beside its admin row
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots_dir(tmp_path) / f"{size}-coverage-survey.png"),
                    full_page=True)
    problems = axe_serious(page)
    assert problems == [], [(p["id"], [n["html"][:200] for n in p["nodes"]]) for p in problems]
    assert blocked == []
    context.close()


# --- The kiosk ------------------------------------------------------------------------

def kiosk_claimant(page, service: str, coverage=None, change_to: str | None = None
                   ) -> list[str]:
    """One claimant from the attract screen: "4" everywhere, the facts passed, ``service``
    chosen; ``coverage(page)`` answers the coverage screen; with ``change_to`` the claimant
    goes back from it and picks that service instead. Returns the screens seen."""
    page.locator(".start").tap()
    screens: list[str] = []
    while not page.locator("#screen[data-screen=thanks]").count():
        screen = page.locator("#screen").get_attribute("data-screen")
        screens.append(screen)
        if screen == "question":
            page.locator(".face-4").tap()
        elif screen == "facts" and page.locator(".fact[data-code^=cov_]").count():
            coverage(page)
            if change_to:
                page.locator(".back").tap()
                page.wait_for_selector("#screen[data-screen=service]")
                page.locator(f".choice[data-code={change_to}]").tap()
                break
            page.locator(".next").tap()
        elif screen == "facts":
            page.locator(".next").tap()
        elif screen == "service":
            page.locator(f".choice[data-code={service}]").tap()
        else:
            raise AssertionError(screen)
        page.wait_for_function("(n) => window.kiosk.screen === 'thanks' || "
                               "window.kiosk.draft.step === n", arg=len(screens))
    page.wait_for_selector("#screen[data-screen=thanks]")
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    return screens


def test_the_kiosk_asks_the_coverage_items_after_the_service(live_server, browser, tmp_path):
    from .kiosk_helpers import kiosk_settings, new_kiosk_page, pair, stored, stored_since

    kiosk_settings(live_server, idle=600, thanks=600)
    context, page = new_kiosk_page(browser, KIOSK)
    blocked = watch_csp(page)
    pair(page, live_server)

    def answer(page) -> None:
        assert page.locator(".fact").evaluate_all("els => els.map(e => e.dataset.code)") \
            == ["cov_counselling", "cov_referral"]
        referral = page.locator(".fact[data-code=cov_referral] .fact-choice")
        assert referral.count() == 3 and referral.nth(2).get_attribute("data-value") == ""
        page.locator(".fact[data-code=cov_counselling] .unsure").tap()  # did not need it
        referral.nth(0).tap()  # yes
        page.screenshot(path=str(shots_dir(tmp_path) / "kiosk-coverage.png"))
        problems = axe_serious(page)
        assert problems == [], [(p["id"], [n["html"][:200] for n in p["nodes"]])
                                for p in problems]

    before = {row.id for row in stored(live_server)}
    screens = kiosk_claimant(page, "job_referral", answer)
    # The overall question, five aspects, the facts, the service, its coverage items.
    assert screens == ["question"] * 6 + ["facts", "service", "facts"]
    [first] = stored_since(live_server, before)
    assert first["service"] == "job_referral" and first["version"] == 3
    assert (first["answers"]["cov_counselling"], first["answers"]["cov_referral"]) == (None, 1)

    page.locator(".thanks").tap()  # the next claimant
    page.wait_for_selector("#screen[data-screen=attract]")
    before = {row.id for row in stored(live_server)}
    assert kiosk_claimant(page, "training") == ["question"] * 6 + ["facts", "service"]
    [second] = stored_since(live_server, before)
    assert not any(code.startswith("cov_") for code in second["answers"])

    # Answered for one service, then back and another chosen: those answers are not sent.
    page.locator(".thanks").tap()  # the next claimant
    page.wait_for_selector("#screen[data-screen=attract]")
    before = {row.id for row in stored(live_server)}
    kiosk_claimant(page, "ui_apply", lambda page: page.locator(
        ".fact[data-code=cov_counselling] [data-value='2']").tap() if page.locator(
        ".fact[data-code=cov_counselling]").count() else None, change_to="training")
    [third] = stored_since(live_server, before)
    assert third["service"] == "training"
    assert not any(code.startswith("cov_") for code in third["answers"])
    context.close()
    assert blocked == []
