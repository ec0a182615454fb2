"""The feedback inbox in real Chromium at 1280 × 800 and 360 × 740: the list and a case
page pass axe-core, fit the screen, block nothing by CSP, show hostile comments inert,
and a handler can change a case's status; screenshots in /tmp/inbox_*.png."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Case, Contact, OutboxChannel
from survey.services.audit import Actor
from survey.services.inbox.outbox import queue_reply
from survey.timeutil import local_tz
from survey.services import catalogue
from tests.support.inbox import add_case, add_response
from tests.support.live import LiveServer

from .conftest import KIOSK, PHONE, axe_serious, follow, watch_csp
from .test_admin import add_user, sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": KIOSK}
NASTY = ('<script>alert("x")</script> "><img src=x onerror=alert(1)> '
         "\u202egnp.exe\u202c zero\u200bwidth")
COMMENTS = [
    ("NA-DEMO1-Q1", {"comment": NASTY, "contact": True}),
    ("NA-DEMO1-Q1", {"comment": "Phải chờ gần 3 tiếng mới đến lượt, không có chỗ ngồi cho "
                                "người già.", "received": dt.datetime(2026, 10, 1, 9,
                                                                       tzinfo=local_tz())}),
    ("NA-DEMO1-Q2", {"comment": "", "low": 1}),
    ("NA-DEMO1-Q2", {"comment": "Cán bộ hướng dẫn nhiệt tình.", "contact": True}),
    ("NA-DEMO2-Q1", {"comment": "Một văn phòng khác: không được thấy."}),
]


@pytest.fixture(scope="module")
def inbox_data(live_server) -> dict[str, int]:
    """A handler of NA-DEMO1, a few cases (one overdue, one hostile) and kiosk reasons."""
    add_user(live_server, "inbox@example.org", "handler", "NA-DEMO1")
    app = live_server.app()
    ids = {}
    with app.app_context():
        for n, (unit, kwargs) in enumerate(COMMENTS):
            ids[f"case{n}"] = add_case(db.session, app.config, unit=unit, **kwargs).id
        replied = db.session.get(Case, ids["case3"])
        contact = db.session.scalars(sa.select(Contact).filter_by(
            response_id=replied.response_id)).one()
        queue_reply(db.session, replied, contact, OutboxChannel.email, "Trả lời",
                    "Cảm ơn anh/chị đã góp ý.", Actor(None, "inbox@example.org"))
        questionnaire = catalogue.current_questionnaire(db.session)
        for reasons in (["long_wait", "attitude"], ["long_wait"], ["facilities"]):
            add_response(db.session, questionnaire, reasons=reasons)
        db.session.commit()
        db.engine.dispose()
    return ids


@pytest.mark.parametrize("size", sorted(SIZES))
def test_inbox_pages_pass_axe_and_fit(live_server: LiveServer, inbox_data, browser, size):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    blocked = watch_csp(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert sign_in(page, live_server, "inbox@example.org", lang="vi").status == 303
    failures: dict[str, list[str]] = {}
    for name, path in (("list", "/admin/inbox"),
                       ("case", f"/admin/inbox/{inbox_data['case0']}"),
                       ("case-overdue", f"/admin/inbox/{inbox_data['case1']}"),
                       ("case-replied", f"/admin/inbox/{inbox_data['case3']}")):
        assert page.goto(live_server.url + path).status == 200
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=f"/tmp/inbox_{size}_{name}.png", full_page=True)
    assert failures == {} and blocked == [] and dialogs == []
    assert page.locator("img[src=x]").count() == 0
    context.close()


def test_a_handler_works_a_case_in_the_browser(live_server: LiveServer, inbox_data, browser):
    context = browser.new_context(viewport=KIOSK, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, "inbox@example.org", lang="en")
    page.goto(f"{live_server.url}/admin/inbox?lang=en")
    assert "Một văn phòng khác" not in page.content()
    page.get_by_label("Overdue only").check()
    with follow(page):
        page.get_by_role("button", name="Filter", exact=True).click()
    assert "overdue=y" in page.url and page.locator("table.stack tbody tr").count() == 1
    with follow(page):
        page.locator("table.stack tbody tr a.code").first.click()
    page.select_option("#status", "in_progress")
    page.fill("#note", "Đã gọi điện cho người lao động")
    with follow(page):
        page.get_by_role("button", name="Change the status").first.click()
    assert "done=status" in page.url
    assert page.get_by_text("New → In progress").is_visible()
    context.close()
