"""Request ids on every response and in every log line; JSON logs without personal data."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest

from survey.extensions import db
from survey.observability import JsonFormatter
from tests.conftest import make_test_app


def test_a_well_formed_incoming_request_id_is_kept(client):
    res = client.get("/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert res.headers["X-Request-ID"] == "nginx-0123456789abcdef"


@pytest.mark.parametrize("asked", ["", "short", "x" * 65, "bad id with spaces",
                                   "<script>alert(1)</script>", "évènement-12345"])
def test_a_missing_or_odd_request_id_is_replaced(client, asked):
    res = client.get("/healthz", headers={"X-Request-ID": asked} if asked else {})
    given = res.headers["X-Request-ID"]
    assert given != asked and re.fullmatch(r"[0-9a-f]{32}", given)


def test_each_request_gets_its_own_id(client):
    assert client.get("/healthz").headers["X-Request-ID"] != \
        client.get("/healthz").headers["X-Request-ID"]


def test_refused_requests_carry_an_id_too(client):
    res = client.get("/s/NA%00")  # refused by a guard before any view
    assert res.status_code == 400 and "X-Request-ID" in res.headers


@pytest.fixture
def json_log(database_url, tmp_path):
    """An app logging JSON into a buffer; the handler is taken off afterwards."""
    app = make_test_app(database_url, tmp_path, LOG_FORMAT="json")
    logger = logging.getLogger("survey")
    handler = next(h for h in logger.handlers if isinstance(h.formatter, JsonFormatter))
    buffer = io.StringIO()
    stream = handler.setStream(buffer)
    yield app, buffer
    with app.app_context():
        db.engine.dispose()  # its own pool: nothing left open for the garbage collector
    handler.setStream(stream)
    logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def lines(buffer) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_access_lines_hold_no_personal_data(json_log):
    app, buffer = json_log
    client = app.test_client()
    client.post("/r/SECRET77?lang=vi", data={"name": "Nguyễn Văn A", "phone": "0912345678"},
                headers={"X-Request-ID": "req-12345678"},
                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    logged = lines(buffer)
    access = [entry for entry in logged if entry["logger"] == "survey.access"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == "req-12345678" and entry["method"] == "POST"
    assert entry["rule"] == "/r/<code>" and entry["status"] >= 400
    assert isinstance(entry["duration_ms"], float)
    text = buffer.getvalue()
    for personal in ("203.0.113.9", "SECRET77", "Nguyễn", "0912345678", "lang=vi"):
        assert personal not in text


def test_app_log_lines_carry_the_request_id(json_log):
    app, buffer = json_log

    @app.get("/boom-for-test")
    def boom():
        app.logger.warning("something odd")
        return "ok"

    app.test_client().get("/boom-for-test", headers={"X-Request-ID": "req-abcdefgh"})
    odd = [entry for entry in lines(buffer) if entry["message"] == "something odd"]
    assert odd and odd[0]["request_id"] == "req-abcdefgh" and odd[0]["level"] == "warning"


def test_health_polls_stay_out_of_the_access_log(json_log):
    app, buffer = json_log
    app.test_client().get("/healthz")
    assert [e for e in lines(buffer) if e["logger"] == "survey.access"] == []
