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


#: Kiosk settings a test may change, in seconds: ``/kiosk/config.json`` serves them from the
#: server's config, and nothing in the kiosk's address can override them.
KIOSK_SECONDS = ("idle", "countdown", "thanks", "heartbeat")


def kiosk_settings(server, **seconds: int) -> None:
    """Run ``server`` with these kiosk settings (``idle=1, countdown=2`` ...; the others
    at their defaults), restarting it if they change. Kiosks pick them up when they load."""
    unknown = set(seconds) - set(KIOSK_SECONDS)
    assert not unknown, unknown
    names = {f"SURVEY_KIOSK_{name.upper()}_SECONDS" for name in KIOSK_SECONDS}
    env = {key: value for key, value in server.extra_env.items() if key not in names}
    env.update({f"SURVEY_KIOSK_{name.upper()}_SECONDS": str(value)
                for name, value in seconds.items()})
    if env != server.extra_env:
        server.extra_env = env
        server.restart()


def pair(page, server) -> None:
    """Open the kiosk and pair it by tapping the on-screen keypad."""
    page.goto(f"{server.url}/kiosk/")
    page.wait_for_selector("#pair-code")
    for digit in pairing_code(server):
        page.locator(".keypad .key", has_text=digit).first.tap()
    page.locator("form.pair button[type=submit]").tap()
    page.wait_for_selector("#screen[data-screen=attract]")


def answer_survey(page, low: bool = False) -> None:
    """From the attract screen, answer every rated question asked, pass the facts (if the
    version has any) and reach the thank-you screen."""
    page.locator(".start").tap()
    page.locator(".face-2" if low else ".face-5").tap()
    while page.locator("#screen[data-screen=question]").count():
        page.locator(".face-4").tap()
    while page.locator("#screen[data-screen=facts]").count():
        page.locator(".next").tap()
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


def stored_since(server, before: set) -> list[dict]:
    """The responses stored whose ids are not in ``before``, as plain data: answers,
    reasons, service, questionnaire version, partial."""
    app = server.app()
    with app.app_context():
        rows = [{"answers": {a.item_code: a.value for a in row.answers},
                 "reasons": sorted(r.reason_code for r in row.reasons),
                 "service": row.service.code if row.service else None,
                 "version": row.questionnaire.version, "partial": row.partial}
                for row in db.session.scalars(sa.select(Response).order_by(Response.received_at))
                if row.id not in before]
        db.engine.dispose()
    return rows
