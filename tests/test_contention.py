"""SQLite write contention under gunicorn with three workers, as in production on one
box: kiosks upload their offline backlogs while phones post the form. Whatever the
interleaving: 0 lost (every response acknowledged — a 303 to a phone, an id accepted or
known to a kiosk — is stored with all its answers) and 0 lies (a phone told 503 gets the
page that says its answers are not sent, kept for one tap, with Retry-After, and nothing
of it is stored); never a 500."""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import urllib.parse
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Answer, Response
from survey.services import catalogue
from survey.services.devices import kiosks
from tests.conftest import hidden_fields
from tests.support.gunicorn import GunicornServer
from tests.test_races import request

VN = dt.timezone(dt.timedelta(hours=7))
KIOSKS, BATCHES, BATCH = 3, 3, 200
PHONES, POSTS = 6, 15


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # SURVEY_SQLITE_BUSY_TIMEOUT may be set (e.g. 0.01) to watch the 503 path under
    # the same load; the default is the app's own.
    env = {key: os.environ[key] for key in ("SURVEY_SQLITE_BUSY_TIMEOUT",)
           if key in os.environ}
    live = GunicornServer(tmp_path_factory.mktemp("contention"), workers=3, env=env)
    with live:
        live.check_app = live.app()
        yield live
        with live.check_app.app_context():
            db.engine.dispose()


def paired_tokens(server) -> list[str]:
    tokens = []
    with server.check_app.app_context():
        for n in range(KIOSKS):
            _device, code = kiosks.add_device(db.session, f"NA-VINH-Q{n % 3 + 1}", f"K{n}")
            tokens.append(kiosks.pair_device(db.session, code)[1])
        db.session.commit()
        codes = catalogue.current_questionnaire(db.session).item_codes()
        db.session.remove()
    server.item_codes = codes
    return tokens


def backlog(kiosk: int) -> list[list[dict]]:
    """A kiosk's queue after a day offline: BATCHES batches of BATCH responses."""
    start = dt.datetime.now(VN) - dt.timedelta(hours=20, minutes=kiosk)
    items = [{"id": str(uuid.uuid4()), "questionnaire_version": 1, "service": "ui_apply",
              "submitted_at": (start + dt.timedelta(seconds=20 * n)).isoformat(),
              "locale": "vi", "answers": {"overall": 4, "staff_1": 5, "access_3": None},
              "reasons": []} for n in range(BATCHES * BATCH)]
    return [items[i:i + BATCH] for i in range(0, len(items), BATCH)]


def upload(server, token: str, batches: list[list[dict]], log: list) -> None:
    """Send each batch until the server answers 200 (a kiosk retries after 503)."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for batch in batches:
        for _attempt in range(20):
            status, _headers, body = request(server, "POST", "/api/v1/responses",
                                             json.dumps({"responses": batch}).encode(), auth)
            log.append(("kiosk", status))
            if status == 200:
                reply = json.loads(body)
                log.append(("acked", reply["accepted"] + reply["duplicates"]))
                break


def phone(server, slot: int, log: list) -> None:
    path = f"/s/NA-VINH/Q{slot % 3 + 1}"
    for _ in range(POSTS):
        status, headers, body = request(server, "GET", path)
        assert status == 200
        fields = hidden_fields(body.decode())
        fields.update({"service": "ui_report",
                       **{f"q_{code}": "4" for code in server.item_codes}})
        status, headers, body = request(
            server, "POST", path, urllib.parse.urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        log.append(("phone", status, fields["submission_id"], headers, body.decode()))


def test_kiosk_backlogs_and_phones_at_once_lose_nothing_and_never_lie(server):
    tokens = paired_tokens(server)
    log: list = []
    threads = [threading.Thread(target=upload, args=(server, token, backlog(n), log))
               for n, token in enumerate(tokens)]
    threads += [threading.Thread(target=phone, args=(server, slot, log))
                for slot in range(PHONES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = Counter((entry[0], entry[1]) for entry in log if entry[0] != "acked")
    assert not [key for key in statuses if key[1] >= 500 and key[1] != 503], statuses
    posts = [entry for entry in log if entry[0] == "phone"]
    assert len(posts) == PHONES * POSTS and {p[1] for p in posts} <= {303, 503}, statuses
    acked_kiosk = {item for entry in log if entry[0] == "acked" for item in entry[1]}
    assert len(acked_kiosk) == KIOSKS * BATCHES * BATCH  # every backlog got through

    with server.check_app.app_context():
        answers = dict(db.session.execute(
            sa.select(Response.id, sa.func.count(Answer.response_id))
            .outerjoin(Answer, Answer.response_id == Response.id)
            .group_by(Response.id)).all())
        db.session.remove()
    stored = {str(rid): count for rid, count in answers.items()}
    # 0 lost: everything acknowledged is stored, with all its answers.
    told_stored = [p[2] for p in posts if p[1] == 303]
    assert all(stored.get(rid) == len(server.item_codes) for rid in told_stored)
    assert all(stored.get(rid) == 3 for rid in acked_kiosk)
    # 0 lies: a 503 says the answers are not sent, keeps them, and nothing is stored.
    for _kind, status, rid, headers, body in posts:
        if status == 503:
            assert headers.get("Retry-After") and 'id="errs"' in body
            assert rid in body and rid not in stored
    assert len(stored) == len(told_stored) + len(acked_kiosk)
    print(f"contention: {statuses}")
