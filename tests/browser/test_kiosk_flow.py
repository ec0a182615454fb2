"""The kiosk's idle countdown and reset, and its language switch, in real Chromium."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import KioskDevice
from survey.services.devices import kiosks

from .conftest import KIOSK, axe_serious, watch_csp
from .kiosk_helpers import kiosk_settings, new_kiosk_page, pair, stored, stored_since

pytestmark = pytest.mark.browser
SCREEN = "#screen[data-screen={}]"


def test_idle_countdown_discards_or_keeps_partial_answers(live_server, browser):
    kiosk_settings(live_server, idle=1, countdown=2)
    context, page = new_kiosk_page(browser)
    before = len(stored(live_server))
    pair(page, live_server)

    # Nothing answered: the countdown shows, then everything is discarded.
    page.locator(".start").tap()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for()
    assert "Ông/Bà có muốn tiếp tục trả lời không?" in dialog.inner_text()
    assert axe_serious(page) == []
    page.wait_for_selector(SCREEN.format("attract"))

    # Touching "I am still answering" keeps the person's place.
    page.locator(".start").tap()
    page.locator(".face-1").tap()
    dialog.wait_for()
    dialog.get_by_role("button").tap()
    assert dialog.count() == 0
    assert page.locator(".progress").inner_text() == "Câu 2/14"

    # The overall question was answered: that much is kept, marked partial.
    dialog.wait_for()
    page.wait_for_selector(SCREEN.format("attract"))
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    rows = stored(live_server)
    assert len(rows) == before + 1
    partial = rows[-1] if rows[-1].partial else next(r for r in rows if r.partial)
    assert partial.partial and partial.service_id is None

    # The next person sees nothing of the previous answers.
    page.locator(".start").tap()
    assert page.locator("[aria-pressed=true]").count() == 1  # only the language button
    context.close()


def test_v1_claimant_answers_every_item(live_server, browser):
    """Questionnaire v1 (no matrix sampling, no facts): every item on its own screen, a
    rating of 1–2 leads to the reasons, and the whole response is stored."""
    kiosk_settings(live_server, thanks=1)
    context, page = new_kiosk_page(browser)
    pair(page, live_server)
    before = {row.id for row in stored(live_server)}
    page.locator(".start").tap()
    screens = []
    while not page.locator(SCREEN.format("thanks")).count():
        screen = page.locator("#screen").get_attribute("data-screen")
        screens.append(screen)
        assert page.locator(".stem").count() == 0
        if screen == "question":
            page.locator(".face-2" if len(screens) == 1 else ".face-3").tap()
        elif screen == "service":
            page.locator(".choice").first.tap()
        else:
            assert screen == "reasons"
            page.locator(".reason").first.tap()
            page.locator(".send").tap()
        page.wait_for_function("(n) => window.kiosk.screen === 'thanks' || "
                               "window.kiosk.draft.step === n", arg=len(screens))
    assert screens == ["question"] * 13 + ["service", "reasons"]
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    (response,) = stored_since(live_server, before)
    assert response["version"] == 1 and len(response["answers"]) == 13
    assert response["answers"]["overall"] == 2 and set(response["answers"].values()) == {2, 3}
    assert len(response["reasons"]) == 1
    context.close()


def test_kiosk_address_cannot_override_the_servers_settings(live_server, browser):
    kiosk_settings(live_server, idle=1, countdown=600)
    context, page = new_kiosk_page(browser)
    pair(page, live_server)
    page.goto(f"{live_server.url}/kiosk/?idle=600&countdown=1&thanks=1&heartbeat=1")
    page.wait_for_selector(SCREEN.format("attract"))
    page.locator(".start").tap()
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(timeout=5000)  # after the server's idle second, not ?idle=600
    page.wait_for_timeout(1500)  # the server's 600 s countdown, not ?countdown=1
    assert dialog.count() == 1 and page.locator(SCREEN.format("question")).count() == 1
    context.close()


def test_the_screen_the_kiosk_goes_by_is_the_one_shown(live_server, browser):
    """``window.kiosk.screen`` is the screen on display, on every screen: the idle countdown,
    and the wait for a new version until nobody is at the kiosk, go by it. (The service and
    reasons screens used to record themselves as "question".)"""
    kiosk_settings(live_server, idle=600, countdown=600, thanks=600)
    context, page = new_kiosk_page(browser)
    pair(page, live_server)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    dialog = page.get_by_role("alertdialog")

    def on(screen: str, countdown: bool) -> None:
        page.wait_for_selector(SCREEN.format(screen))
        assert page.evaluate("window.kiosk.screen") == screen
        page.evaluate("window.kiosk.lastActivity = 0")  # as if idle for ages
        if countdown:  # someone is answering: ask whether they still are
            dialog.wait_for(timeout=5000)
            dialog.get_by_role("button").tap()
            dialog.wait_for(state="detached")
        else:
            page.wait_for_timeout(1000)  # four ticks of the idle check
            assert dialog.count() == 0
        assert page.evaluate("window.kiosk.screen") == screen

    on("attract", countdown=False)
    page.locator(".start").tap()
    on("question", countdown=True)
    page.locator(".face-2").tap()
    while page.locator(SCREEN.format("question")).count():
        page.locator(".face-4").tap()
    on("service", countdown=True)
    page.get_by_role("button", name="English").tap()  # the same screen, in English
    on("service", countdown=True)
    assert page.locator("html").get_attribute("lang") == "en"

    # A new version is installed now: it waits while someone is at the kiosk.
    page.evaluate("window.sameVersion = true;"
                  " navigator.serviceWorker.dispatchEvent(new Event('controllerchange'))")
    page.wait_for_function("() => window.kiosk.updateReady === true")
    page.locator(".choice").first.tap()
    on("reasons", countdown=True)
    page.locator(".reason").first.tap()
    page.locator(".send").tap()
    on("thanks", countdown=False)
    assert page.evaluate("window.sameVersion") is True

    # The next claimant gets the new version.
    page.locator(".thanks").tap()
    page.wait_for_function("() => window.sameVersion === undefined && window.kiosk"
                           " && document.body.dataset.ready === 'true'")
    on("attract", countdown=False)
    context.close()


def test_language_switch(live_server, browser):
    kiosk_settings(live_server, thanks=2)
    context, page = new_kiosk_page(browser)
    english_before = sum(1 for row in stored(live_server) if row.locale == "en")
    pair(page, live_server)
    assert page.locator("h1").inner_text().startswith("Ông/Bà")
    page.get_by_role("button", name="English").tap()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "How satisfied are you with our service today?"
    page.locator(".start").tap()
    assert page.locator("h1").inner_text().startswith("Overall, how satisfied")
    assert page.locator(".face-5").inner_text() == "Very satisfied"
    page.get_by_role("button", name="Tiếng Việt").tap()
    assert page.locator(".face-5").inner_text() == "Rất hài lòng"
    page.get_by_role("button", name="English").tap()
    page.locator(".face-5").tap()
    while page.locator(SCREEN.format("question")).count():
        page.locator(".face-4").tap()
    page.locator(".choice").first.tap()
    page.wait_for_selector(SCREEN.format("thanks"))
    assert page.locator("h1").inner_text() == "Thank you!"
    page.wait_for_selector(SCREEN.format("attract"))  # back in Vietnamese for the next person
    assert page.locator("html").get_attribute("lang") == "vi"
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    assert sum(1 for row in stored(live_server) if row.locale == "en") == english_before + 1
    context.close()


SIZES = {"landscape": KIOSK, "portrait": {"width": 800, "height": 1280}}


@pytest.mark.parametrize("orientation", SIZES)
def test_every_screen_passes_axe(live_server, browser, tmp_path, orientation):
    """Walk every kiosk screen, check it with axe-core and keep a screenshot of it."""
    shots = Path(os.environ.get("SURVEY_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    kiosk_settings(live_server, idle=600, thanks=600)
    context, page = new_kiosk_page(browser, SIZES[orientation])
    blocked = watch_csp(page)

    def check(name: str) -> None:
        page.screenshot(path=str(shots / f"kiosk-{orientation}-{name}.png"))
        assert axe_serious(page) == [], name

    page.goto(f"{live_server.url}/kiosk/")
    page.wait_for_selector("#pair-code")
    check("pair")
    pair(page, live_server)
    check("attract")
    page.locator(".start").tap()
    check("overall")
    page.locator(".face-2").tap()
    check("dimension")
    while page.locator(SCREEN.format("question")).count():
        page.locator(".face-4").tap()
    check("service")
    page.locator(".choice").first.tap()
    page.locator(".reason").nth(1).tap()
    check("reasons")
    page.locator(".send").tap()
    page.wait_for_selector(SCREEN.format("thanks"))
    check("thanks")
    kiosk_settings(live_server, idle=1, countdown=600)
    page.goto(f"{live_server.url}/kiosk/")
    page.wait_for_selector(SCREEN.format("attract"))
    page.get_by_role("button", name="English").tap()
    page.locator(".start").tap()
    page.get_by_role("alertdialog").wait_for()
    check("countdown-en")
    context.close()
    assert blocked == []


def newest_device(server):
    app = server.app()
    with app.app_context():
        device = db.session.scalars(sa.select(KioskDevice).order_by(KioskDevice.id.desc())).first()
        db.session.expunge(device)
        db.engine.dispose()
    return device


def test_idle_kiosk_reports_in_and_learns_it_was_revoked(live_server, browser):
    kiosk_settings(live_server, heartbeat=1)  # every second instead of every 10 minutes
    context, page = new_kiosk_page(browser)
    pair(page, live_server)
    paired = newest_device(live_server)
    # Nobody answers anything, yet the server hears from the kiosk.
    deadline = time.monotonic() + 20
    while newest_device(live_server).last_seen_at <= paired.last_seen_at:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.2)
    assert page.locator("#screen[data-screen=attract]").count() == 1

    app = live_server.app()
    with app.app_context():
        kiosks.revoke_device(db.session, paired.id)
        db.session.commit()
        db.engine.dispose()
    # The idle kiosk goes back to its pairing screen by itself.
    page.wait_for_selector("#pair-code", timeout=20000)
    context.close()
