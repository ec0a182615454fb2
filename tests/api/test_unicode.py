"""Text that is not valid Unicode (lone surrogates, which JSON may escape) is refused
with 400 ``invalid_text`` by every API input, before any lookup: never a 500."""
from __future__ import annotations

import pytest

from survey.services.devices import kiosks, tokens

SURROGATE = "\\ud800"  # as JSON escapes it


@pytest.fixture
def api_auth(db, demo):
    _row, token = tokens.create_api_token(db.session, "unicode")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def kiosk_auth(db, demo):
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "K")
    _device, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def post(client, path, body: str, headers=None):
    return client.post(path, data=body.encode(), content_type="application/json",
                       headers=headers or {})


@pytest.mark.parametrize("body, field", [
    ('{"unit": "NA%s", "service": "ui_apply"}', "/unit"),
    ('{"unit": "NA-VINH-Q1", "service": "ui_apply", "note": ["x", "%s"]}', "/note/1"),
    ('{"unit": "NA-VINH-Q1", "service": "ui_apply", "%s": 1}', "/?"),
])
def test_receipts_refuse_lone_surrogates(client, api_auth, count_rows, body, field):
    from survey.models import ReceiptCode

    res = post(client, "/api/v1/receipts", body % SURROGATE, api_auth)
    assert res.status_code == 400, res.get_data(as_text=True)
    problem = res.get_json()
    assert problem["code"] == "invalid_text"
    assert problem["error_codes"] == {field: ["invalid_text"]}
    assert count_rows(ReceiptCode) == 0


def test_kiosk_batch_refuses_lone_surrogates(client, kiosk_auth):
    body = '{"responses": [{"id": "x", "answers": {"q%s": 5}}]}' % SURROGATE
    res = post(client, "/api/v1/responses", body, kiosk_auth)
    assert res.status_code == 400 and res.get_json()["code"] == "invalid_text"


def test_pairing_refuses_lone_surrogates(client, demo):
    res = post(client, "/api/v1/kiosk/pair", '{"code": "12%s"}' % SURROGATE)
    assert res.status_code == 400 and res.get_json()["code"] == "invalid_text"


def test_query_strings_with_broken_utf8_are_not_500(client, api_auth):
    res = client.get("/api/v1/index?period=2026&unit=%ED%A0%80", headers=api_auth)
    assert res.status_code in (400, 422)


def test_valid_vietnamese_text_passes(client, api_auth):
    res = post(client, "/api/v1/receipts",
               '{"unit": "NA-VINH-Q1", "service": "ui_apply", "ghi_chú": "Nghệ An"}', api_auth)
    assert res.status_code == 201
