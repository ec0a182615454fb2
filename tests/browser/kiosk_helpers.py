"""Helpers for the kiosk browser tests: pairing, answering, reading the queue."""
from __future__ import annotations

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Response
from survey.services.devices import kiosks

from .conftest import KIOSK


def new_kiosk_page(browser, size=KIOSK):
    context = browser.new_context(viewport=size, has_touch=True, locale="vi-VN",
                                  service_workers="allow")
    return context, context.new_page()


def pairing_code(server, unit: str = "NA-VINH-Q3") -> str:
    app = server.app()
    with app.app_context():
        _device, code = kiosks.add_device(db.session, unit, "Quầy thử")
        db.session.commit()
        db.engine.dispose()
    return code


def pair(page, server, query: str = "") -> None:
    """Open the kiosk and pair it by tapping the on-screen keypad."""
    page.goto(f"{server.url}/kiosk/{query}")
    page.wait_for_selector("#pair-code")
    for digit in pairing_code(server):
        page.locator(".keypad .key", has_text=digit).first.tap()
    page.locator("form.pair button[type=submit]").tap()
    page.wait_for_selector("#screen[data-screen=attract]")


def answer_survey(page, low: bool = False) -> None:
    """From the attract screen, answer every question and reach the thank-you screen."""
    page.locator(".start").tap()
    page.locator(".face-2" if low else ".face-5").tap()
    while page.locator("#screen[data-screen=question]").count():
        page.locator(".face-4").tap()
    page.locator("#screen[data-screen=service] .choice").first.tap()
    if low:
        page.locator(".reason").first.tap()
        page.locator(".send").tap()
    page.wait_for_selector("#screen[data-screen=thanks]")


def queued(page) -> int:
    return int(page.locator("#queue").get_attribute("data-queued"))


def stored(server) -> list[Response]:
    app = server.app()
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Response)))
        for row in rows:
            db.session.expunge(row)
        db.engine.dispose()
    return rows
