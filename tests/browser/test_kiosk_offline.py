"""The counter kiosk in real Chromium: offline queue, restart, exactly-once delivery."""
from __future__ import annotations

import pytest

from .kiosk_helpers import answer_survey, kiosk_settings, new_kiosk_page, pair, queued, stored

pytestmark = pytest.mark.browser


def test_offline_surveys_arrive_exactly_once_after_a_restart(live_server, browser):
    kiosk_settings(live_server, thanks=1)
    context, page = new_kiosk_page(browser)
    before = len(stored(live_server))
    pair(page, live_server)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    for _ in range(3):
        answer_survey(page)
        page.locator(".thanks").tap()  # the next claimant does not wait
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    assert len(stored(live_server)) == before + 3

    # Offline, and the server process stopped too: Chromium applies the emulated offline
    # state to a reloaded page a moment late, and a post can slip out in between.
    context.set_offline(True)
    live_server.stop()
    for n in range(20):
        answer_survey(page, low=n % 4 == 0)
        page.locator(".thanks").tap()
        if n == 9:  # the app shell comes from the service worker while offline
            page.reload()
            page.wait_for_selector("#screen[data-screen=attract]")
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '20'")
    assert len(stored(live_server)) == before + 3

    live_server.start()
    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'",
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


QUEUE_10K = """async (n) => {
  const q = window.kiosk.questionnaire, now = Date.now();
  const services = q.services.map((s) => s.code);
  for (let i = 0; i < n; i++) {
    const answers = {};
    for (const item of q.items) answers[item.code] = 1 + ((i + item.code.length) % 5);
    await window.kiosk.store.add({
      id: crypto.randomUUID(), questionnaire_version: q.version,
      service: services[i % services.length],
      submitted_at: new Date(now - 30000 * (n - i)).toISOString(),  // 30 s apart: days
      locale: "vi", answers, reasons: [], partial: false });
  }
}"""


def test_ten_thousand_responses_wait_offline_for_days_then_arrive_once(live_server, browser):
    context, page = new_kiosk_page(browser)
    pair(page, live_server)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    before = {row.id for row in stored(live_server)}
    context.set_offline(True)
    live_server.stop()  # see above: nothing may slip out while the page reloads
    page.evaluate(QUEUE_10K, 10_000)
    page.reload()  # the kiosk restarts with the network still down
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("window.kiosk.store.counts()") == {"queued": 10_000, "setAside": 0}

    live_server.start()
    context.set_offline(False)
    page.evaluate("window.kiosk.sender.kick()")
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'",
                           timeout=300_000, polling=500)
    assert page.evaluate("window.kiosk.store.counts()") == {"queued": 0, "setAside": 0}
    rows = stored(live_server)
    assert len(rows) == len(before) + 10_000 and len({row.id for row in rows}) == len(rows)
    mine = [row for row in rows if row.id not in before]
    assert len(mine) == 10_000 and len({row.device_id for row in mine}) == 1
    assert mine[0].device_id is not None and mine[0].channel.value == "kiosk"
    span = max(row.submitted_at for row in mine) - min(row.submitted_at for row in mine)
    assert span.days == 3  # 9,999 × 30 s
    assert all(row.status.value == "valid" for row in mine)  # 30 s apart is not too fast
    context.close()


BREAK_INDEXEDDB = {
    # The browser refuses IndexedDB altogether (blocked storage, broken profile).
    "unavailable": "Object.defineProperty(window, 'indexedDB', {get() { return {open() {"
                   " throw new DOMException('refused', 'SecurityError'); }}; }});",
    # IndexedDB opens but refuses writes (disk full, quota exceeded).
    "full": "IDBObjectStore.prototype.put = function () {"
            " throw new DOMException('full', 'QuotaExceededError'); };",
}


@pytest.mark.parametrize("failure", sorted(BREAK_INDEXEDDB))
def test_responses_are_not_lost_when_indexeddb_fails(live_server, browser, failure):
    kiosk_settings(live_server, thanks=1)
    context, page = new_kiosk_page(browser)
    context.add_init_script(BREAK_INDEXEDDB[failure])
    before = {row.id for row in stored(live_server)}
    pair(page, live_server)
    context.set_offline(True)
    for _ in range(2):
        answer_survey(page)
        page.locator(".thanks").tap()
    page.wait_for_function("() => document.querySelector('#queue').dataset.unsaved === '2'")
    indicator = page.locator("#queue")
    assert indicator.get_attribute("data-queued") == "2"
    assert "Chưa lưu được vào máy khảo sát, đừng tải lại trang: 2" in indicator.inner_text()

    context.set_offline(False)
    page.evaluate("window.kiosk.sender.kick()")
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'",
                           timeout=30000)
    assert indicator.get_attribute("data-unsaved") == "0"
    new = [row for row in stored(live_server) if row.id not in before]
    assert len(new) == 2 and all(row.channel.value == "kiosk" for row in new)
    context.close()
