"""``POST /api/v1/receipts``: issuing codes for case-handling software."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from survey.models import ReceiptCode
from survey.services.devices import tokens


@pytest.fixture
def auth(db, demo):
    _row, token = tokens.create_api_token(db.session, "case software")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_issue_codes_with_url_expiry_and_qr(client, auth, db):
    res = client.post("/api/v1/receipts", headers=auth,
                      json={"unit": "na-vinh-q1", "service": "ui_apply", "count": 3})
    assert res.status_code == 201
    body = res.get_json()
    assert body["unit"] == "NA-VINH-Q1" and body["service"] == "ui_apply"
    assert len(body["codes"]) == 3
    for item in body["codes"]:
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", item["code"])
        assert item["url"] == f"http://survey.test/r/{item['code']}"
        expires = dt.datetime.fromisoformat(item["expires_at"])
        assert dt.timedelta(days=13, hours=23) < expires - dt.datetime.now(dt.timezone.utc) \
            <= dt.timedelta(days=14)
        assert item["qr_svg"].startswith("<svg") and "<script" not in item["qr_svg"]
    stored = {r.code for r in db.session.scalars(db.select(ReceiptCode))}
    assert stored == {item["code"] for item in body["codes"]}


def test_expiry_is_configurable(app, client, auth):
    app.config["RECEIPT_DAYS"] = 3
    body = client.post("/api/v1/receipts", headers=auth,
                       json={"unit": "NA-VINH", "service": "ui_apply"}).get_json()
    expires = dt.datetime.fromisoformat(body["codes"][0]["expires_at"])
    assert expires - dt.datetime.now(dt.timezone.utc) < dt.timedelta(days=3, minutes=1)


@pytest.mark.parametrize("payload, field, code", [
    ({"unit": "NOPE", "service": "ui_apply", "count": 1}, "/unit", "unknown_unit"),
    ({"unit": "NA-VINH", "service": "nope", "count": 1}, "/service", "unknown_service"),
    ({"unit": "NA-VINH", "service": "ui_apply", "count": 0}, "/count", "out_of_range"),
    ({"unit": "NA-VINH", "service": "ui_apply", "count": 1001}, "/count", "out_of_range"),
    ({"unit": "NA-VINH", "service": "ui_apply", "count": "5"}, "/count", "wrong_type"),
    ({"unit": "NA-VINH", "service": "ui_apply", "count": True}, "/count", "wrong_type"),
    ({"unit": 5, "service": "ui_apply"}, "/unit", "wrong_type"),
    ({"service": "ui_apply"}, "/unit", "required"),
])
def test_bad_input_issues_nothing(client, auth, count_rows, payload, field, code):
    res = client.post("/api/v1/receipts", headers=auth, json=payload)
    assert res.status_code == 422 and res.mimetype == "application/problem+json"
    body = res.get_json()
    assert body["code"] == "validation_failed" and body["error_codes"] == {field: [code]}
    assert body["errors"][field] and "Chưa cấp mã nào" in body["detail"]
    assert count_rows(ReceiptCode) == 0


@pytest.mark.parametrize("data, code", [("{not json", "malformed_json"),
                                        ("[1, 2]", "not_an_object"), ("", "malformed_json")])
def test_malformed_json(client, auth, count_rows, data, code):
    res = client.post("/api/v1/receipts", headers=auth, data=data,
                      content_type="application/json")
    assert res.status_code == 400 and res.get_json()["code"] == code
    assert count_rows(ReceiptCode) == 0


def test_form_body_is_refused(client, auth, count_rows):
    res = client.post("/api/v1/receipts", headers=auth, data={"unit": "NA-VINH"})
    assert res.status_code == 415 and res.get_json()["code"] == "unsupported_media_type"
    assert count_rows(ReceiptCode) == 0


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
def test_token_required(client, demo, count_rows, header):
    headers = {"Authorization": header} if header else {}
    res = client.post("/api/v1/receipts", headers=headers,
                      json={"unit": "NA-VINH", "service": "ui_apply", "count": 1})
    assert res.status_code == 401 and res.headers["WWW-Authenticate"].startswith("Bearer")
    assert count_rows(ReceiptCode) == 0


def test_revoked_token_is_refused(client, db, demo, count_rows):
    row, token = tokens.create_api_token(db.session, "old")
    tokens.revoke_api_token(db.session, row.id)
    db.session.commit()
    res = client.post("/api/v1/receipts", headers={"Authorization": f"Bearer {token}"},
                      json={"unit": "NA-VINH", "service": "ui_apply", "count": 1})
    assert res.status_code == 401 and count_rows(ReceiptCode) == 0


def test_issued_url_opens_the_bound_survey(client, auth):
    body = client.post("/api/v1/receipts", headers=auth,
                       json={"unit": "NA-DEMO2-Q1", "service": "training"}).get_json()
    page = client.get(body["codes"][0]["url"].replace("http://survey.test", ""))
    assert page.status_code == 200
    assert "Hỗ trợ học nghề" in page.get_data(as_text=True)
