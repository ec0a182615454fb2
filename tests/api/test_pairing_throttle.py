"""Wrong kiosk pairing codes are limited per client and in total: 429 with Retry-After,
each failure logged without the address or the code."""
from __future__ import annotations

import logging

import pytest

from survey.services.devices import kiosks


@pytest.fixture
def limits(app):
    app.config.update(KIOSK_PAIR_CLIENT_FAILURES=3, KIOSK_PAIR_TOTAL_FAILURES=5,
                      KIOSK_PAIR_WINDOW_MINUTES=10)


def pair(client, code: str, address: str = "10.0.0.1"):
    return client.post("/api/v1/kiosk/pair", json={"code": code},
                       environ_base={"REMOTE_ADDR": address})


def test_a_client_guessing_codes_must_wait(client, demo, limits, caplog):
    caplog.set_level(logging.WARNING)
    for _attempt in range(3):
        assert pair(client, "00000 00000").status_code == 404
    res = pair(client, "00000 00000")
    assert res.status_code == 429
    assert res.get_json()["code"] == "too_many_requests"
    assert 1 <= int(res.headers["Retry-After"]) <= 600
    wrong = [r.getMessage() for r in caplog.records if "wrong code (" in r.getMessage()]
    assert len(wrong) == 3 and "(3 from this client" in wrong[-1]
    assert all("10.0.0.1" not in r.getMessage() and "00000" not in r.getMessage()
               for r in caplog.records)


def test_a_right_code_from_a_blocked_client_still_waits(client, db, demo, limits):
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "K")
    db.session.commit()
    for _attempt in range(3):
        pair(client, "00000 00000")
    assert pair(client, code).status_code == 429
    # Another client is not blocked by the first one's guesses.
    assert pair(client, code, "10.0.0.2").status_code == 200


def test_guessing_from_many_addresses_hits_the_total_limit(client, demo, limits):
    for n in range(5):
        assert pair(client, "00000 00000", f"10.0.1.{n}").status_code == 404
    assert pair(client, "00000 00000", "10.0.2.1").status_code == 429


def test_pairing_documents_its_429(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    responses = spec["paths"]["/kiosk/pair"]["post"]["responses"]
    assert "429" in responses and "Retry-After" in responses["429"]["headers"]
