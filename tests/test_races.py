"""Races on every single-use path, against the app served by gunicorn with several worker
processes on one SQLite file, as in production: the same phone submission posted 30 times
at once, one receipt code answered by 20 clients at once, kiosk batches that overlap.
Whatever the interleaving: nothing acknowledged is lost, nothing is stored twice, no
response is stored without its answers, and no request gets a 500."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import threading
import urllib.parse
import uuid
from collections import Counter
from contextlib import ExitStack

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Answer, ReceiptCode, Response
from survey.services import catalogue
from survey.services.devices import kiosks
from survey.services.intake import receipts
from tests.conftest import hidden_fields
from tests.support.databases import own_postgresql_database
from tests.support.gunicorn import GunicornServer

VN = dt.timezone(dt.timedelta(hours=7))


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SURVEY_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    with ExitStack() as stack:
        # Receipt lookups are not rate-limited here: every client is 127.0.0.1.
        live = GunicornServer(tmp_path_factory.mktemp("races"), workers=3,
                              env={"SURVEY_RECEIPT_RATE_LIMIT": "0"})
        if request.param == "postgresql":
            live.database_url = stack.enter_context(own_postgresql_database("races"))
        stack.enter_context(live)
        live.check_app = live.app()
        yield live
        with live.check_app.app_context():
            db.engine.dispose()


def request(server, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request, redirects not followed (a 303 is the answer being checked)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        res = connection.getresponse()
        return res.status, dict(res.getheaders()), res.read()
    finally:
        connection.close()


def form_of(server, path: str) -> tuple[dict, str]:
    """The hidden fields of the form at ``path`` and the cookie set with it, if any (the
    claimant's form signs its submission id and needs none)."""
    status, headers, body = request(server, "GET", path)
    assert status == 200, body[:500]
    cookie = re.match(r"[^;]*", headers.get("Set-Cookie", "")).group(0)
    return hidden_fields(body.decode()), cookie


def post_form(server, path: str, fields: dict, cookie: str) -> int:
    status, _headers, _body = request(
        server, "POST", path, urllib.parse.urlencode(fields).encode(),
        {"Content-Type": "application/x-www-form-urlencoded",
         **({"Cookie": cookie} if cookie else {})})
    return status


def at_once(count: int, action) -> list:
    """Run ``action(i)`` in ``count`` threads released together; their results."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(slot: int) -> None:
        barrier.wait()
        try:
            results[slot] = action(slot)
        except Exception as exc:  # reported by the assertions on results
            results[slot] = exc
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def stored(server, where) -> list[tuple[uuid.UUID, int]]:
    """(response id, number of answers) of the responses matching ``where``."""
    with server.check_app.app_context():
        rows = db.session.execute(
            sa.select(Response.id, sa.func.count(Answer.response_id))
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(where).group_by(Response.id)).all()
        db.session.remove()
    return [(row[0], row[1]) for row in rows]


def item_codes(server) -> list[str]:
    with server.check_app.app_context():
        codes = catalogue.current_questionnaire(db.session).item_codes()
        db.session.remove()
    return codes


def test_same_submission_posted_30_times_is_stored_once(server):
    fields, cookie = form_of(server, "/s/NA-VINH/Q2")
    codes = item_codes(server)
    fields.update({"service": "ui_report", **{f"q_{code}": "5" for code in codes}})
    statuses = at_once(30, lambda _slot: post_form(server, "/s/NA-VINH/Q2", fields, cookie))
    assert all(isinstance(status, int) and status < 500 for status in statuses), statuses
    assert set(statuses) == {303}, Counter(statuses)  # each is told it was stored...
    rows = stored(server, Response.id == uuid.UUID(fields["submission_id"]))
    assert rows == [(uuid.UUID(fields["submission_id"]), len(codes))]  # ... and it is, once


def test_one_receipt_code_answered_by_20_clients_is_used_once(server):
    with server.check_app.app_context():
        unit = catalogue.unit_by_code(db.session, "NA-VINH-Q1")
        service = catalogue.service_by_code(db.session, "ui_apply")
        code = receipts.issue_receipt_codes(db.session, unit, service, 1)[0].code
        db.session.commit()
        db.session.remove()
    codes = item_codes(server)
    forms = [form_of(server, f"/r/{code}") for _ in range(20)]  # 20 phones open it

    def answer(slot: int) -> int:
        fields, cookie = forms[slot]
        return post_form(server, f"/r/{code}",
                         {**fields, **{f"q_{c}": "4" for c in codes}}, cookie)
    statuses = at_once(20, answer)
    assert all(isinstance(status, int) and status < 500 for status in statuses), statuses
    assert statuses.count(303) == 1, Counter(statuses)  # one wins
    assert set(statuses) <= {303, 410}  # the others are told the code is used
    with server.check_app.app_context():
        receipt_id = db.session.scalar(sa.select(ReceiptCode.id).filter_by(code=code))
        db.session.remove()
    rows = stored(server, Response.receipt_code_id == receipt_id)
    assert len(rows) == 1 and rows[0][1] == len(codes)


def test_overlapping_kiosk_batches_store_each_response_once(server):
    with server.check_app.app_context():
        _device, pairing = kiosks.add_device(db.session, "NA-VINH-Q3", "Race")
        device, token = kiosks.pair_device(db.session, pairing)
        db.session.commit()
        device_id = device.id
        db.session.remove()
    start = dt.datetime.now(VN) - dt.timedelta(hours=3)
    items = [{"id": str(uuid.uuid4()), "questionnaire_version": 1, "service": "ui_apply",
              "submitted_at": (start + dt.timedelta(seconds=30 * n)).isoformat(),
              "locale": "vi", "answers": {"overall": 4, "staff_1": 5, "access_3": None},
              "reasons": []} for n in range(80)]
    # Three overlapping windows of the queue, each sent twice (a retry racing the
    # original): every item is in two to four of the six requests.
    batches = [items[0:40], items[20:60], items[40:80]] * 2
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def upload(slot: int):
        status, _headers, body = request(server, "POST", "/api/v1/responses",
                                         json.dumps({"responses": batches[slot]}).encode(),
                                         auth)
        return status, json.loads(body)
    replies = at_once(len(batches), upload)
    assert all(not isinstance(r, Exception) and r[0] == 200 for r in replies), replies
    accepted: list[str] = []
    for (_status, body), batch in zip(replies, batches):
        assert body["rejected"] == []
        assert set(body["accepted"]) | set(body["duplicates"]) == {i["id"] for i in batch}
        accepted += body["accepted"]
    assert sorted(accepted) == sorted(i["id"] for i in items)  # each acknowledged once
    rows = stored(server, Response.device_id == device_id)
    assert sorted(str(row[0]) for row in rows) == sorted(i["id"] for i in items)
    assert {answers for _id, answers in rows} == {3}
