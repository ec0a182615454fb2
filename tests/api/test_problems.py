"""Every error under /api/ is RFC 9457 problem details; other paths keep their HTML pages."""
from __future__ import annotations

import pytest

from survey.services.devices import kiosks, tokens

PROBLEM = "application/problem+json"


@pytest.fixture
def api_auth(db, demo):
    _row, token = tokens.create_api_token(db.session, "problems")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def kiosk_auth(db, demo):
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "K")
    _device, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def assert_problem(res, status: int, code: str) -> dict:
    assert res.status_code == status, res.get_data(as_text=True)
    assert res.mimetype == PROBLEM
    body = res.get_json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"/api/v1/docs#problem-{code}"
    assert body["title"] and body["detail"] and body["message"] == body["detail"]
    return body


def test_unknown_api_path_is_a_problem(client):
    body = assert_problem(client.get("/api/v1/nope?lang=en"), 404, "not_found")
    assert "/api/v1/docs" in body["detail"]
    assert_problem(client.get("/api/nope"), 404, "not_found")


def test_wrong_method_is_a_problem_with_allow(client):
    res = client.delete("/api/v1/receipts")
    assert_problem(res, 405, "method_not_allowed")
    assert "POST" in res.headers["Allow"]


def test_too_large_body_is_a_problem(app, client, api_auth):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    res = client.post("/api/v1/receipts", headers=api_auth, content_type="application/json",
                      data='{"unit": "' + "x" * 2000 + '"}')
    assert_problem(res, 413, "payload_too_large")


def test_errors_of_an_oversized_request_do_not_read_its_body(app, client, api_auth):
    """Answering in the right language looks for a form field: never in a body over the
    limit (that raised a second 413 inside the error handler, hence a 500)."""
    app.config["MAX_CONTENT_LENGTH"] = 1000
    res = client.post("/api/v1/receipts", headers=api_auth, data="x" * 2000,
                      content_type="application/x-www-form-urlencoded")
    assert res.status_code in (413, 415) and res.mimetype == PROBLEM
    res = client.post("/api/v1/kiosk/pair", data="x" * 2000,
                      content_type="application/x-www-form-urlencoded")
    assert res.status_code in (413, 415) and res.mimetype == PROBLEM
    res = client.post("/", data="x" * 2000, content_type="application/x-www-form-urlencoded")
    assert res.status_code == 405 and res.mimetype == "text/html"


def test_non_json_body_is_415(client, api_auth):
    res = client.post("/api/v1/receipts", headers=api_auth, data={"unit": "NA-VINH"})
    assert_problem(res, 415, "unsupported_media_type")


@pytest.mark.parametrize("data, code", [("{not json", "malformed_json"), ("", "malformed_json"),
                                        ("[1]", "not_an_object")])
def test_malformed_json_is_400(client, api_auth, data, code):
    res = client.post("/api/v1/receipts", headers=api_auth, data=data,
                      content_type="application/json")
    assert "errors" not in assert_problem(res, 400, code)


@pytest.mark.parametrize("path", ["/api/v1/index?period=2026-Q3&unit=NA", "/api/v1/receipts"])
def test_missing_token_is_401_with_a_challenge(client, demo, path):
    res = client.open(path, method="GET" if "index" in path else "POST", json={})
    assert_problem(res, 401, "unauthorized")
    assert res.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_field_is_422_with_pointers_messages_and_codes(client, api_auth):
    res = client.post("/api/v1/receipts?lang=en", headers=api_auth,
                      json={"unit": "NA-VINH", "service": "ui_apply", "count": 0,
                            "extra": "ignored"})
    body = assert_problem(res, 422, "validation_failed")
    assert body["errors"] == {"/count": ["The number of codes must be 1–1000."]}
    assert body["error_codes"] == {"/count": ["out_of_range"]}


def test_bad_query_parameter_is_422_named_by_parameter(client, api_auth):
    body = assert_problem(client.get("/api/v1/index?period=2026-Q3&unit=NA&by=nope",
                                     headers=api_auth), 422, "validation_failed")
    assert body["error_codes"] == {"by": ["not_allowed"]}


def test_messages_are_vietnamese_first_and_english_on_request(client, demo):
    from flask_babel import refresh

    vi = client.post("/api/v1/kiosk/pair", json={"code": "12"}).get_json()
    refresh()  # the test app context outlives requests; the locale is cached in it
    en = client.post("/api/v1/kiosk/pair", json={"code": "12"},
                     headers={"Accept-Language": "en"}).get_json()
    assert vi["code"] == en["code"] == "invalid_code"
    assert "mã ghép nối" in vi["detail"].lower() and "pairing code" in en["detail"]
    assert vi["title"] != en["title"]


def test_unknown_unit_is_422_in_a_body_or_a_query(client, api_auth):
    body = assert_problem(client.post("/api/v1/receipts", headers=api_auth, json={
        "unit": "NOPE", "service": "ui_apply"}), 422, "validation_failed")
    assert body["error_codes"] == {"/unit": ["unknown_unit"]}
    body = assert_problem(client.get("/api/v1/index?period=2026-Q3&unit=NOPE",
                                     headers=api_auth), 422, "validation_failed")
    assert body["error_codes"] == {"unit": ["unknown_unit"]}


def test_unexpected_exception_is_a_500_problem(app, client, kiosk_auth, monkeypatch):
    from survey.services.devices import kiosks as service

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "ingest_batch", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: no traceback
    res = client.post("/api/v1/responses", headers=kiosk_auth, json={"responses": []})
    body = assert_problem(res, 500, "internal_error")
    assert "boom" not in res.get_data(as_text=True) and "errors" not in body


def test_kiosk_batch_answers_keep_their_shape(client, kiosk_auth):
    """The kiosk reads accepted/duplicates/rejected from 200 and 422, and max_batch from 413."""
    ok = client.post("/api/v1/responses", headers=kiosk_auth, json={"responses": []})
    assert ok.mimetype == "application/json"
    assert ok.get_json() == {"accepted": [], "duplicates": [], "rejected": []}
    res = client.post("/api/v1/responses", headers=kiosk_auth, json={"responses": ["junk"]})
    body = assert_problem(res, 422, "all_rejected")
    assert body["accepted"] == [] and body["duplicates"] == []
    assert body["rejected"] == [{"id": None, "errors": {"": ["not_an_object"]}}]


def test_non_api_pages_keep_html_errors(client):
    res = client.get("/no-such-page")
    assert res.status_code == 404 and res.mimetype == "text/html"
    assert "<html" in res.get_data(as_text=True)
    res = client.post("/")  # a page that takes no POST
    assert res.status_code == 405 and res.mimetype == "text/html"
