"""Transferred size and request count of the phone survey, in real Chromium.

Usage: python bench/form_size.py
Serves the app (demo data, SQLite in a temporary folder) on a loopback port (the
browser tests' live server, tests/support/live.py), opens
/s/NA-VINH/Q1 at 360 × 740 in Debian's Chromium and counts every request the page
makes and the bytes on the wire (gzip). Baseline, measured in the same run: the
thank-you page, the smallest page on the same template; and the budget, 20 KB.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey.services import catalogue  # noqa: E402
from tests.support.live import PHONE, LiveServer, launch_chromium  # noqa: E402

BUDGET = 20 * 1024


def measure(page, url: str) -> dict:
    """Requests made and bytes transferred (headers' Content-Length or body) for ``url``."""
    seen: list = []

    def record(request) -> None:
        seen.append(request)

    page.on("requestfinished", record)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", record)
    total = 0
    hosts = set()
    for request in seen:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        hosts.add(request.url.split("/")[2])
    return {"requests": len(seen), "bytes": total, "hosts": sorted(hosts)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    # The shipped questionnaire versions, the current one (v3) on the page.
    with tempfile.TemporaryDirectory() as folder, \
            LiveServer(Path(folder), versions=catalogue.VERSIONS) as server:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport=PHONE,
                                    extra_http_headers={"Accept-Encoding": "gzip"})
            form = measure(page, f"{server.url}/s/NA-VINH/Q1")
            thanks = measure(page, f"{server.url}/s/NA-VINH-Q1/thanks")
            browser.close()
    print(f"phone form   : {form['requests']} request(s), {form['bytes']} bytes transferred, "
          f"hosts {form['hosts']}")
    print(f"baseline     : thank-you page {thanks['bytes']} bytes, {thanks['requests']} request(s)")
    print(f"ratio form/baseline: {form['bytes'] / thanks['bytes']:.2f}")
    print(f"ratio form/budget (20 KB): {form['bytes'] / BUDGET:.2f}"
          f" -> {'within' if form['bytes'] <= BUDGET else 'OVER'} budget")


if __name__ == "__main__":
    main()
