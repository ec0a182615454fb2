"""A kiosk's offline queue at scale: 10,000 responses kept for days, then sent once each.

Usage: python bench/kiosk_queue.py [--responses 10000]
Serves the app (demo data, SQLite in a temporary folder) on a loopback port (the
browser tests' live server, tests/support/live.py) and opens
the kiosk in Debian's Chromium at 1280 × 800, paired to a counter. With the network cut,
it queues N responses in IndexedDB through the kiosk's own store (device times 30 s
apart, so the oldest is days old), restarts the page offline, then reconnects and
times the kiosk's sender until the queue is empty. It checks that the server holds
exactly N new responses, once each.

Baseline, measured in the same run on the same server: the same N responses posted
straight from Python in batches of the kiosk's size, with a second device's token.
Ratio = kiosk drain time / baseline time (the kiosk's own overhead: IndexedDB reads
and deletes, and a browser in the loop).

The server's side of the drain, batch ingest under load against a bare bulk insert on
SQLite and PostgreSQL (issue 11), is bench/kiosk_ingest.py; ``--ingest`` runs it with the
arguments that follow (``python bench/kiosk_queue.py --ingest --quick``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey.extensions import db  # noqa: E402
from survey.models import Response  # noqa: E402
from survey.services.devices import kiosks  # noqa: E402
from tests.support.live import KIOSK, LiveServer, launch_chromium  # noqa: E402

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def pairing_code(app, unit: str) -> str:
    with app.app_context():
        _device, code = kiosks.add_device(db.session, unit, "Bench")
        db.session.commit()
    return code


def stored(app) -> tuple[int, int]:
    """(responses, distinct ids) on the server."""
    with app.app_context():
        return tuple(db.session.execute(sa.select(
            sa.func.count(), sa.func.count(sa.distinct(Response.id)))).one())


def bodies(url: str, n: int, seed: int) -> list[dict]:
    """N plausible kiosk responses, the newest now and each 30 s before the next."""
    questionnaire = json.load(urllib.request.urlopen(url + "/api/v1/questionnaire"))
    rng = random.Random(seed)
    items = [item["code"] for item in questionnaire["items"]]
    services = [service["code"] for service in questionnaire["services"]]
    reasons = [reason["code"] for reason in questionnaire["reasons"]]
    now = dt.datetime.now(VIETNAM).replace(microsecond=0)
    out = []
    for i in range(n):
        answers = {code: rng.choice([1, 2, 3, 4, 5, 5, 4, 4, None]) for code in items}
        answers[items[0]] = rng.choice([2, 3, 4, 5, 5])
        low = any(value is not None and value <= 3 for value in answers.values())
        out.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "questionnaire_version": questionnaire["version"],
            "service": rng.choice(services),
            "submitted_at": (now - dt.timedelta(seconds=30 * (n - i))).isoformat(),
            "locale": "vi", "answers": answers,
            "reasons": rng.sample(reasons, 2) if low else [], "partial": False})
    return out


def baseline(url: str, code: str, responses: list[dict], batch: int) -> float:
    pair = urllib.request.Request(url + "/api/v1/kiosk/pair", method="POST",
                                  data=json.dumps({"code": code}).encode(),
                                  headers={"Content-Type": "application/json"})
    token = json.load(urllib.request.urlopen(pair))["token"]
    start = time.perf_counter()
    for i in range(0, len(responses), batch):
        request = urllib.request.Request(
            url + "/api/v1/responses", method="POST",
            data=json.dumps({"responses": responses[i:i + batch]}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        result = json.load(urllib.request.urlopen(request))
        assert len(result["accepted"]) == len(responses[i:i + batch]), result["rejected"][:3]
    return time.perf_counter() - start


def main() -> None:
    if "--ingest" in sys.argv[1:]:
        import kiosk_ingest  # bench/, next to this script

        sys.exit(kiosk_ingest.main([a for a in sys.argv[1:] if a != "--ingest"]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--ingest", action="store_true", help="run bench/kiosk_ingest.py "
                        "(batch ingest vs a bare bulk insert) with the other arguments")
    n = parser.parse_args().responses
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, LiveServer(Path(folder)) as server:
        app, url = server.app(), server.url
        batch = json.load(urllib.request.urlopen(url + "/kiosk/config.json"))["batch_size"]
        base_time = baseline(url, pairing_code(app, "NA-VINH-Q2"), bodies(url, n, 1), batch)
        assert stored(app) == (n, n)
        queued = bodies(url, n, 2)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            context = browser.new_context(viewport=KIOSK, has_touch=True, locale="vi-VN")
            page = context.new_page()
            page.goto(url + "/kiosk/")
            page.wait_for_selector("#pair-code")
            for digit in pairing_code(app, "NA-VINH-Q3").replace(" ", ""):
                page.locator(".keypad .key", has_text=digit).first.tap()
            page.locator("form.pair button[type=submit]").tap()
            page.wait_for_selector("#screen[data-screen=attract]")
            page.wait_for_function("navigator.serviceWorker.controller !== null")

            context.set_offline(True)
            start = time.perf_counter()
            for i in range(0, n, 1000):  # one write per response, as the kiosk does
                page.evaluate("async (bodies) => { for (const b of bodies) "
                              "await window.kiosk.store.add(b); }", queued[i:i + 1000])
            queue_time = time.perf_counter() - start
            start = time.perf_counter()
            page.reload()
            page.wait_for_selector("body[data-ready=true]")
            reload_time = time.perf_counter() - start
            counts = page.evaluate("window.kiosk.store.counts()")
            assert counts == {"queued": n, "setAside": 0}, counts
            usage = page.evaluate("navigator.storage.estimate().then(e => e.usage)")
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")

            context.set_offline(False)
            start = time.perf_counter()
            page.evaluate("window.kiosk.sender.kick()")
            while page.evaluate("window.kiosk.store.counts()")["queued"]:
                time.sleep(0.1)
            drain_time = time.perf_counter() - start
            browser.close()
        total, distinct = stored(app)

    assert (total, distinct) == (2 * n, 2 * n), (total, distinct)
    oldest = dt.timedelta(seconds=30 * n)
    print(f"responses queued offline: {n:,} (oldest {oldest.days} d {oldest.seconds // 3600} h "
          f"old), batch size {batch}")
    print(f"queue {n:,} in IndexedDB: {queue_time:.1f} s ({queue_time / n * 1000:.2f} ms each);"
          f" storage used {usage / 1024 / 1024:.1f} MiB; JS heap after restart "
          f"{heap / 1024 / 1024:.1f} MiB")
    print(f"restart offline with {n:,} queued: {reload_time:.2f} s to the attract screen")
    print(f"kiosk drain (IndexedDB → server, acknowledged, deleted): {drain_time:.1f} s")
    print(f"baseline (same number posted from Python): {base_time:.1f} s")
    print(f"ratio kiosk / baseline: {drain_time / base_time:.2f}")
    print(f"server holds {total:,} responses, {distinct:,} distinct ids: every one once")


if __name__ == "__main__":
    main()
