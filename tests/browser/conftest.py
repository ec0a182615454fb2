"""Browser tests: a real server process and Debian's Chromium driven by Playwright.

The server runs as a separate process (``flask run``) on a SQLite file, migrated with
Alembic and loaded with demo data, so tests can stop and restart it; it and the Chromium
launch are shared with the benches (``tests/support/live.py``).
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.support import live
from tests.support.live import LiveServer, launch_chromium

PHONE, KIOSK = live.PHONE, live.KIOSK  # viewports, as the tests import them from here


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def watch_csp(page) -> list[str]:
    """Console reports of anything the Content-Security-Policy blocked, as they come."""
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    return blocked


def axe_serious(page) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


@contextmanager
def form_post(page, timeout: float = 30_000):
    """Submit a form in the body; yields the POST's response (``.value`` after the block).

    Returns only once the page the POST leads to (its own body or the redirect's target) has
    loaded: the response alone arrives before the new document exists, and a check run in that
    gap reads an empty page (``document.documentElement`` is null).
    """
    with page.expect_navigation(wait_until="load", timeout=timeout):
        with page.expect_response(lambda r: r.request.method == "POST", timeout=timeout) as posted:
            yield posted


@contextmanager
def follow(page, timeout: float = 30_000):
    """Click a link or submit a GET form inside the block; returns once the new page has loaded.

    Checks run right after a bare ``click()`` can read the old page, or no page at all while
    the browser swaps documents.
    """
    with page.expect_navigation(wait_until="load", timeout=timeout):
        yield
