"""The counter kiosk in real Chromium: offline queue, restart, exactly-once delivery."""
from __future__ import annotations

import pytest

from .kiosk_helpers import answer_survey, new_kiosk_page, pair, queued, stored

pytestmark = pytest.mark.browser


def test_offline_surveys_arrive_exactly_once_after_a_restart(live_server, browser):
    context, page = new_kiosk_page(browser)
    before = len(stored(live_server))
    pair(page, live_server, "?thanks=1")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    for _ in range(3):
        answer_survey(page)
        page.locator(".thanks").tap()  # the next claimant does not wait
    page.wait_for_function("document.querySelector('#queue').dataset.queued === '0'")
    assert len(stored(live_server)) == before + 3

    context.set_offline(True)
    for n in range(20):
        answer_survey(page, low=n % 4 == 0)
        page.locator(".thanks").tap()
        if n == 9:  # the app shell comes from the service worker while offline
            page.reload()
            page.wait_for_selector("#screen[data-screen=attract]")
    page.wait_for_function("document.querySelector('#queue').dataset.queued === '20'")
    assert len(stored(live_server)) == before + 3

    live_server.restart()
    context.set_offline(False)
    page.wait_for_function("document.querySelector('#queue').dataset.queued === '0'",
                           timeout=30000)
    rows = stored(live_server)
    assert len(rows) == before + 23
    assert len({row.id for row in rows}) == len(rows)
    counts = page.evaluate("window.kiosk.store.counts()")
    assert counts == {"queued": 0, "setAside": 0}
    mine = [row for row in rows if row.device_id is not None]
    assert all(row.channel.value == "kiosk" and row.unit_id for row in mine)
    assert sum(1 for row in mine if row.service_id) == len(mine)
    assert queued(page) == 0
    context.close()
