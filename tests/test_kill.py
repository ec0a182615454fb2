"""kill -9 mid-burst, on SQLite and PostgreSQL: gunicorn serving two workers, phones
posting the form and a kiosk uploading batches, then SIGKILL to the master and every
worker at once, and a restart. Everything acknowledged before the kill is stored with
all its answers, and no response is stored without its answers."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import threading
import time
import urllib.parse
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Answer, Response
from survey.services import catalogue
from survey.services.devices import kiosks
from tests.conftest import hidden_fields
from tests.support.databases import own_postgresql_database
from tests.support.gunicorn import GunicornServer

VN = dt.timezone(dt.timedelta(hours=7))
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SURVEY_TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def server(request, tmp_path):
    with ExitStack() as stack:
        live = GunicornServer(tmp_path, workers=2)
        if request.param == "postgresql":
            live.database_url = stack.enter_context(own_postgresql_database("kill"))
        stack.enter_context(live)
        live.check_app = live.app()
        yield live
        with live.check_app.app_context():
            db.engine.dispose()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def send(server, method: str, path: str, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def phone(server, codes: list[str], acked: list, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            status, body = send(server, "GET", "/s/NA-VINH/Q1")
            fields = {**hidden_fields(body.decode()), "service": "ui_apply",
                      **{f"q_{code}": "5" for code in codes}}
            status, _body = send(server, "POST", "/s/NA-VINH/Q1",
                                 urllib.parse.urlencode(fields).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        except (OSError, http.client.HTTPException):
            continue  # the server is gone: nothing acknowledged
        if status == 303:
            acked.append(fields["submission_id"])


def kiosk(server, token: str, acked: list, stop: threading.Event) -> None:
    start = dt.datetime.now(VN) - dt.timedelta(hours=5)
    n = 0
    while not stop.is_set():
        batch = [{"id": str(uuid.uuid4()), "questionnaire_version": 1, "service": "ui_apply",
                  "submitted_at": (start + dt.timedelta(seconds=10 * (n + i))).isoformat(),
                  "locale": "vi", "answers": {"overall": 4, "staff_1": 5, "access_3": None},
                  "reasons": []} for i in range(50)]
        n += 50
        try:
            status, body = send(server, "POST", "/api/v1/responses",
                                json.dumps({"responses": batch}).encode(),
                                {"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json"})
        except (OSError, http.client.HTTPException):
            continue
        if status == 200:
            reply = json.loads(body)
            acked.extend(reply["accepted"] + reply["duplicates"])


def test_kill_9_mid_burst_loses_nothing_acknowledged(server):
    with server.check_app.app_context():
        _device, code = kiosks.add_device(db.session, "NA-VINH-Q2", "Kill")
        token = kiosks.pair_device(db.session, code)[1]
        db.session.commit()
        codes = catalogue.current_questionnaire(db.session).item_codes()
        db.session.remove()
    phones: list[str] = []
    batches: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=phone, args=(server, codes, phones, stop))
               for _ in range(4)]
    threads.append(threading.Thread(target=kiosk, args=(server, token, batches, stop)))
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(phones) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)  # mid-burst: requests in flight in every worker
    master = server.process
    assert master is not None
    for pid in [master.pid] + children(master.pid):
        os.kill(pid, signal.SIGKILL)
    master.wait(timeout=10)
    acked_phones, acked_kiosk = list(phones), list(batches)  # what was said before the kill
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acked_phones) >= 20 and acked_kiosk

    server.start()  # the same database, after the crash
    with server.check_app.app_context():
        counts = dict(db.session.execute(
            sa.select(Response.id, sa.func.count(Answer.response_id))
            .outerjoin(Answer, Answer.response_id == Response.id)
            .group_by(Response.id)).all())
        db.session.remove()
    stored = {str(rid): count for rid, count in counts.items()}
    assert all(stored.get(rid) == len(codes) for rid in acked_phones)
    assert all(stored.get(rid) == 3 for rid in acked_kiosk)
    assert all(count > 0 for count in stored.values())  # no response without its answers
    # The restarted server takes the next claimant.
    status, body = send(server, "GET", "/s/NA-VINH/Q1")
    assert status == 200
    print(f"kill -9: {len(acked_phones)} phone and {len(acked_kiosk)} kiosk responses "
          f"acknowledged before the kill, {len(stored)} stored")
