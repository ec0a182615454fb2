"""A kiosk picks up a new version of its files whole, between two claimants, and keeps
it offline."""
from __future__ import annotations

import shutil
import time

import pytest

from survey.kiosk.routes import CLIENT_DIR

from .conftest import LiveServer
from .kiosk_helpers import new_kiosk_page, pair, stored

pytestmark = pytest.mark.browser

CACHES = "caches.keys().then(keys => keys.filter(k => k.startsWith('bhtn-kiosk-shell-')))"


@pytest.fixture(scope="module")
def updatable_server(tmp_path_factory):
    """A live server whose kiosk files are a copy the test may edit."""
    workdir = tmp_path_factory.mktemp("update")
    client = workdir / "kiosk"
    shutil.copytree(CLIENT_DIR, client)
    server = LiveServer(workdir, env={"SURVEY_KIOSK_CLIENT_DIR": str(client),
                                      "SURVEY_KIOSK_THANKS_SECONDS": "30"})
    server.client = client
    server.prepare()
    server.start()
    yield server
    server.stop()


def test_new_version_waits_for_the_claimant_then_works_offline(updatable_server, browser):
    server = updatable_server
    context, page = new_kiosk_page(browser)
    pair(page, server)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    old_title = page.title()
    (old_cache,) = page.evaluate(CACHES)

    # A claimant starts answering ...
    page.locator(".start").tap()
    page.locator(".face-5").tap()
    page.wait_for_selector("#screen[data-screen=question]")
    # ... while the server is updated and the kiosk finds out.
    index = server.client / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "<title>", "<title>(v2) "), encoding="utf-8")
    page.evaluate("navigator.serviceWorker.getRegistration('/kiosk/').then(r => r.update())")
    page.wait_for_function("() => window.kiosk.updateReady === true", timeout=20000)
    # Installed whole, then the old version's cache is deleted.
    deadline = time.monotonic() + 20
    while (caches := page.evaluate(CACHES)) != [] and old_cache in caches:
        assert time.monotonic() < deadline, caches
        page.wait_for_timeout(100)
    (new_cache,) = caches

    # Nothing changes under the claimant's finger.
    assert page.title() == old_title
    assert page.locator("#screen[data-screen=question]").count() == 1
    while page.locator("#screen[data-screen=question]").count():
        page.locator(".face-4").tap()
    page.locator("#screen[data-screen=service] .choice").first.tap()
    page.wait_for_selector("#screen[data-screen=thanks]")
    assert page.title() == old_title

    # Back to the attract screen: the new version loads, and the response is delivered.
    page.locator(".thanks").tap()
    page.wait_for_function("() => document.title.startsWith('(v2) ')")
    page.wait_for_selector("#screen[data-screen=attract]")
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    assert len([row for row in stored(server) if row.device_id is not None]) == 1

    # Offline, the kiosk starts from the new version's cache.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#screen[data-screen=attract]")
    assert page.title().startswith("(v2) ")
    assert page.evaluate(CACHES) == [new_cache]
    context.close()
