"""The fast lane (survey/public/fastlane.py) answers the claimant's form page and its post
exactly as Flask does: the same requests, sent with the lane and without it, give the
same status, headers and body, and store the same rows. What it does not take, it hands
to Flask, which answers it as before."""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import re
import uuid

import pytest
import sqlalchemy as sa

from survey.errors import DATABASE_UNAVAILABLE
from survey.forms.survey_form import item_field_name, submission_token as REAL_TOKEN
from survey.models import Answer, Comment, Contact, Response, ResponseReason
from survey.public import routes
from survey.public.fastlane import FastLane
from survey.services.catalogue import snapshot
from survey.services.intake.sampling import asked_items, for_service
from tests.conftest import hidden_fields

URL = "/s/NA-VINH/Q1?svc=ui_apply"


def lane_of(app) -> FastLane:
    lane = app.extensions["survey.fast_lane"]
    assert app.wsgi_app is lane  # nothing in front of it but ProxyFix, when configured
    return lane


@contextlib.contextmanager
def without_lane(app):
    lane = lane_of(app)
    app.wsgi_app = lane.wsgi_app
    try:
        yield
    finally:
        app.wsgi_app = lane


class FixedIds:
    """``uuid`` for routes: the next submission id is the one the test chose."""

    UUID = uuid.UUID

    def __init__(self) -> None:
        self.next = uuid.UUID(int=1)

    def uuid4(self) -> uuid.UUID:
        return self.next


def steady_token(sid: str) -> str:
    """A token that does not depend on the second it is made in (pages only: posts are
    checked against real tokens)."""
    return hashlib.sha256(sid.encode()).hexdigest()


@pytest.fixture
def steady(monkeypatch):
    """Pages rendered with :func:`steady_token`, by the kept page and the bound form."""
    from survey.forms import survey_form

    monkeypatch.setattr(routes, "submission_token", steady_token)
    monkeypatch.setattr(survey_form, "submission_token", steady_token)


@pytest.fixture
def fixed(monkeypatch, steady):
    ids = FixedIds()
    monkeypatch.setattr(routes, "uuid", ids)
    return ids


def answer(response) -> tuple:
    """What a client gets: status, headers (the request id's value aside), body."""
    headers = sorted((k, "…" if k == "X-Request-ID" else v) for k, v in response.headers)
    return response.status, headers, response.get_data()


def both(app, client, send) -> tuple[tuple, tuple, int, int]:
    """``send(client)`` through the lane, then through Flask alone: the two answers, and
    how many requests the lane served and handed over the first time."""
    lane = lane_of(app)
    served, handed = lane.served, lane.handed
    with_lane = answer(send(client))
    counts = lane.served - served, lane.handed - handed
    with without_lane(app):
        alone = answer(send(client))
    assert lane.served - served == counts[0] and lane.handed - handed == counts[1]
    return with_lane, alone, *counts


@pytest.mark.parametrize("url, headers", [
    (URL, {"Accept-Encoding": "gzip", "Accept-Language": "vi"}),
    (URL, {"Accept-Language": "en"}),
    ("/s/NA-VINH?lang=en", {"Accept-Language": "fr", "Accept-Encoding": "br;q=1, gzip;q=0.5"}),
    ("/s/na-vinh/q1", {"Accept-Language": "en-US,en;q=0.9", "Accept-Encoding": "gzip, br"}),
    ("/s/NA-VINH/Q1?svc=unknown&lang=xx", {"Accept-Encoding": "identity, gzip"}),
    ("/s/NA-VINH/Q1?svc=ui_apply", {"X-Request-ID": "abcdef0123456789"}),
    (URL, {"Accept-Encoding": "*", "X-Request-ID": "bad id"}),
    (URL, {"Accept-Encoding": "gzip;q=0, identity"}),
    (URL, {"Accept-Encoding": "gzip;q=0"}),  # refused: sent as it is (tests/test_compress.py)
])
def test_the_form_page_is_what_flask_sends(app, client, questionnaire_v2, fixed, url, headers):
    for n in range(1, 4):  # several submission ids: other items drawn
        fixed.next = uuid.UUID(int=n * 7919)
        client.get(url, headers=headers)  # Flask renders the page and keeps it
        with_lane, alone, served, handed = both(app, client,
                                                lambda c: c.get(url, headers=headers))
        assert (served, handed) == (1, 0)
        assert with_lane == alone
        assert with_lane[0] == "200 OK"
        body = with_lane[2]
        if dict(with_lane[1]).get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert hidden_fields(body.decode())["submission_id"] == str(fixed.next)
    if "X-Request-ID" in headers:  # a well-formed one is kept, another is replaced
        sent = client.get(url, headers=headers).headers["X-Request-ID"]
        assert (sent == headers["X-Request-ID"]) == (headers["X-Request-ID"] != "bad id")


@pytest.mark.parametrize("url, headers, status", [
    ("/s/NOWHERE", {}, 404),
    ("/s/NA-VINH/NOWHERE", {}, 404),
    ("/s/NA-VINH/Q1?svc=%00", {}, 400),
    ("/s/NA-VINH/Q1/", {}, 404),
    ("/s/NA-VINH/thanks", {}, 200),
    (URL, {"cookie": "abc"}, 200),
])
def test_what_the_lane_does_not_take_flask_answers(app, client, questionnaire_v2, fixed, url,
                                                   headers, status):
    client.get(URL)
    headers = dict(headers)
    if "cookie" in headers:  # a manager trying the form, say
        client.set_cookie("session", headers.pop("cookie"))
    with_lane, alone, served, handed = both(app, client, lambda c: c.get(url, headers=headers))
    assert served == 0 and with_lane[0].startswith(str(status))
    assert with_lane == alone


def test_a_page_not_kept_yet_is_rendered_by_flask(app, client, questionnaire_v2):
    lane = lane_of(app)
    first = client.get(URL)
    assert (lane.served, lane.handed) == (0, 1) and first.status_code == 200
    client.get(URL)
    assert (lane.served, lane.handed) == (1, 1)


def _post_body(app, questionnaire, sid: str = "", lang: str = "vi", service: str = "ui_apply",
               **extra) -> dict:
    """A post as the form shows it, answered (the highest value everywhere), with a real
    token; a new submission id unless ``sid``."""
    sid = sid or str(uuid.uuid4())
    items = for_service(asked_items(questionnaire, sid), service)
    with app.test_request_context():
        token = REAL_TOKEN(sid)
    body = {"submission_id": sid, "csrf_token": token, "version": str(questionnaire.version),
            "lang": lang, "service": service, "comment": "",
            **{item_field_name(item.code): str(max(item.values)) for item in items}}
    body.update(extra)
    return body


TABLES = ((Response, Response.id), (Answer, Answer.response_id),
          (ResponseReason, ResponseReason.response_id), (Comment, Comment.response_id),
          (Contact, Contact.response_id))
# The times of storing, and serial ids (a sequence does not go back after a delete).
DIFFER = {"id", "received_at", "consented_at", "delete_after", "submitted_at"}


def stored(db, rid: uuid.UUID) -> list:
    rows = []
    for model, key in TABLES:
        found = db.session.execute(sa.select(model.__table__).where(key == rid))
        rows.append(sorted(({k: v for k, v in row._mapping.items() if k not in DIFFER}
                            for row in found), key=repr))
    return rows


def forget(db, rid: uuid.UUID) -> None:
    for model, key in reversed(TABLES):
        db.session.execute(sa.delete(model.__table__).where(key == rid))
    db.session.commit()


def post_both(app, client, db, body: dict, url: str = URL, **kw):
    """The post through the lane, its rows; forgotten; the same through Flask alone."""
    rid = uuid.UUID(body["submission_id"])
    lane = lane_of(app)
    served, handed = lane.served, lane.handed
    with_lane = answer(client.post(url, data=body, **kw))
    counts = lane.served - served, lane.handed - handed
    rows = stored(db, rid)
    forget(db, rid)
    with without_lane(app):
        alone = answer(client.post(url, data=body, **kw))
    assert with_lane == alone
    assert rows == stored(db, rid)
    return with_lane, rows, counts


@pytest.mark.parametrize("url, extra, lang", [
    (URL, {}, "vi"),
    ("/s/NA-VINH?lang=en", {"comment": "Chờ lâu quá, nhân viên vẫn nhiệt tình 👍",
                            "reasons": ["wait_long"]}, "vi"),
    ("/s/na-vinh/q1", {"comment": "  "}, "en"),
])
def test_a_post_is_stored_and_answered_as_flask_does(app, client, db, questionnaire_v2, url,
                                                     extra, lang, steady):
    reasons = [r["code"] for r in questionnaire_v2.definition.get("reasons", [])]
    if "reasons" in extra:
        extra = {**extra, "reasons": reasons[:2]}
    body = _post_body(app, questionnaire_v2, lang=lang, **extra)
    (status, headers, _page), rows, counts = post_both(app, client, db, body, url)
    assert counts == (1, 0) and status == "303 SEE OTHER"
    location = dict(headers)["Location"]
    assert location.startswith(("/s/NA-VINH/thanks?lang=", "/s/NA-VINH-Q1/thanks?lang="))
    assert ("&ref=" in location) == bool(extra.get("comment", "").strip())
    response_rows, answer_rows = rows[0], rows[1]
    assert len(response_rows) == 1 and response_rows[0]["channel"].value == "qr"
    assert len(answer_rows) == sum(k.startswith("q_") for k in body)


def test_posts_the_quick_check_leaves_to_the_form_are_answered_by_flask(
        app, client, db, questionnaire_v2, steady):
    cases = [
        # contact details: the form's consent and e-mail rules
        (_post_body(app, questionnaire_v2, contact_consent="y", contact_name="Lan",
                    contact_phone="0912345678"), "303"),
        # a required answer missing: 422 with the answers kept
        ({k: v for k, v in _post_body(app, questionnaire_v2).items()
          if not k.startswith("q_")}, "422"),
        # a stale or forged token: 400, a new token
        (_post_body(app, questionnaire_v2, csrf_token="x.y.z"), "400"),
        # tampering: a field no form has
        (_post_body(app, questionnaire_v2, admin="1"), "400"),
        # not a choice that was shown
        (_post_body(app, questionnaire_v2, service="nope"), "400"),
    ]
    for body, status in cases:
        with_lane, _rows, counts = post_both(app, client, db, body)
        assert counts == (0, 1) and with_lane[0].startswith(status), with_lane[0]


def test_other_bodies_are_left_to_flask(app, client, db, questionnaire_v2):
    body = _post_body(app, questionnaire_v2)
    lane = lane_of(app)
    # multipart, and a body that is not UTF-8: Flask answers (303 and 400), as before
    response = client.post(URL, data=body, content_type="multipart/form-data")
    assert response.status_code == 303 and lane.served == 0
    bad = client.post(URL, data=b"comment=%C3%28&x=\xff",
                      content_type="application/x-www-form-urlencoded")
    assert bad.status_code == 400 and lane.served == 0 and lane.handed == 2


class CountingLimiter:
    def __init__(self, flag=None) -> None:
        self.calls = 0
        self.flag = flag

    def check(self, client: str, unit_id: int):
        self.calls += 1
        return self.flag


def test_an_over_limit_post_is_stored_flagged_and_counted_once(app, client, db,
                                                               questionnaire_v2, monkeypatch):
    limiter = CountingLimiter("rate_client")
    monkeypatch.setattr(routes, "submission_limiter", lambda: limiter)
    body = _post_body(app, questionnaire_v2)
    _answer, rows, counts = post_both(app, client, db, body)
    assert counts == (1, 0) and limiter.calls == 2  # once through the lane, once alone
    assert rows[0][0]["status"].value == "flagged"
    assert rows[0][0]["status_reason"] == "rate_client"


def test_a_database_failure_is_handed_to_flask_and_nothing_is_stored(
        app, client, db, questionnaire_v2, monkeypatch):
    """The lane rolls back and hands the post over, body and count included; Flask then
    answers the honest 503 with the answers kept. When the database is back, the same
    post is stored once."""
    limiter = CountingLimiter()
    monkeypatch.setattr(routes, "submission_limiter", lambda: limiter)
    real = routes.store_response

    def down(session, new, checked=False):
        real(session, new, checked)  # the insert is made, then the commit cannot be
        raise DATABASE_UNAVAILABLE[0]("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(routes, "store_response", down)
    body = _post_body(app, questionnaire_v2)
    lane = lane_of(app)
    response = client.post(URL, data=body)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert (lane.served, lane.handed) == (0, 1)
    assert limiter.calls == 1  # the lane's count was handed over, not made again
    page = response.get_data(as_text=True)
    assert hidden_fields(page)["submission_id"] == body["submission_id"]
    assert stored(db, uuid.UUID(body["submission_id"]))[0] == []
    monkeypatch.setattr(routes, "store_response", real)
    again = client.post(URL, data=body)
    assert again.status_code == 303 and lane.served == 1
    assert len(stored(db, uuid.UUID(body["submission_id"]))[0]) == 1
    assert client.post(URL, data=body).status_code == 303  # a retry: still one
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_the_lane_can_be_switched_off(database_url, tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, tmp_path, FAST_LANE=False)
    assert "survey.fast_lane" not in app.extensions
    assert not isinstance(app.wsgi_app, FastLane)


def test_a_catalogue_change_reaches_the_lane(app, client, db, questionnaire_v2, fixed):
    """The lane reads the same catalogue copy as Flask: a unit switched off is a 404 at
    once (CATALOGUE_CHECK_SECONDS is 0 in the tests)."""
    from survey.models import Unit

    client.get(URL)
    assert client.get(URL).status_code == 200 and lane_of(app).served == 1
    unit = db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q1"))
    unit.active = False
    db.session.commit()
    assert client.get(URL).status_code == 404
    assert lane_of(app).served == 1
    assert snapshot.current(db.session).stamp is not None


def test_the_lane_counts_and_logs_its_requests_like_flask(app, client, db, questionnaire_v2,
                                                          caplog):
    """The request metric, the stored counter, and (with JSON logs) the access line with
    the fields the app's own hook writes, and nothing personal."""
    from survey import metrics

    lane = lane_of(app)
    lane.json_logs = True
    client.get(URL)
    requests = metrics.REQUESTS.labels("public.survey", "POST", "303")
    stored_qr = metrics.STORED.labels("qr")
    before = requests._value.get(), stored_qr._value.get()
    body = _post_body(app, questionnaire_v2, comment="Số điện thoại tôi 0912345678")
    with caplog.at_level("INFO", logger="survey.access"):
        page = client.get(URL, headers={"X-Request-ID": "req-12345678"})
        posted = client.post(URL, data=body, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert page.status_code == 200 and posted.status_code == 303 and lane.served == 2
    assert requests._value.get() - before[0] == 1 and stored_qr._value.get() - before[1] == 1
    lines = [r.fields for r in caplog.records if r.name == "survey.access"]
    assert [(f["method"], f["endpoint"], f["rule"], f["status"]) for f in lines] == [
        ("GET", "public.survey", "/s/<unit_code>/<counter_code>", 200),
        ("POST", "public.survey", "/s/<unit_code>/<counter_code>", 303)]
    assert lines[0]["request_id"] == "req-12345678"
    assert all(isinstance(f["duration_ms"], float) for f in lines)
    text = repr(lines)
    for personal in ("203.0.113.9", "0912345678", "svc=", "NA-VINH"):
        assert personal not in text


def test_a_stored_post_whose_address_the_lane_cannot_build_is_answered_by_flask(
        app, client, db, questionnaire_v2, monkeypatch):
    """Never with today's codes, but safe: the lane stores, Flask finds the response
    stored and answers the same 303; stored once, counted once."""
    from survey.public import fastlane

    limiter = CountingLimiter()
    monkeypatch.setattr(routes, "submission_limiter", lambda: limiter)
    body = _post_body(app, questionnaire_v2)
    expected = client.post(URL, data=body)  # the lane's own answer
    forget(db, uuid.UUID(body["submission_id"]))
    monkeypatch.setattr(fastlane, "CODE", re.compile("(?!)"))
    answered = client.post(URL, data=body)
    assert (answered.status, answered.headers["Location"]) == (
        expected.status, expected.headers["Location"])
    assert lane_of(app).handed == 1 and limiter.calls == 2  # one per post, not two
    assert len(stored(db, uuid.UUID(body["submission_id"]))[0]) == 1


class Vanishing(io.BytesIO):
    def read(self, *args):
        raise OSError("client went away")


def test_a_client_gone_mid_body_is_answered_by_flask_and_nothing_is_stored(
        app, db, questionnaire_v2):
    from werkzeug.test import EnvironBuilder

    body = _post_body(app, questionnaire_v2)
    environ = EnvironBuilder(path=URL.split("?")[0], method="POST", data=body).get_environ()
    environ["wsgi.input"] = Vanishing(b"")
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    b"".join(app(environ, start_response))
    assert seen["status"].startswith("400") and lane_of(app).handed == 1
    assert stored(db, uuid.UUID(body["submission_id"]))[0] == []
