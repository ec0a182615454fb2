"""Pairing a kiosk: one-time codes, hashed device tokens, revocation."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey.models import KioskDevice
from survey.services.devices import kiosks
from survey.services.devices.tokens import hash_token


def test_code_pairs_once_and_token_is_stored_hashed(client, db, demo):
    device, code = kiosks.add_device(db.session, "na-vinh-q3", "Quầy 3")
    db.session.commit()
    reply = client.post("/api/v1/kiosk/pair", json={"code": kiosks.format_code(code)})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["unit"] == "NA-VINH-Q3" and body["device"] == "Quầy 3"
    assert body["unit_name"]["vi"] == "Quầy 3 (thử nghiệm)"
    db.session.expire_all()
    stored = db.session.get(KioskDevice, device.id)
    assert stored.token_hash == hash_token(body["token"])
    assert body["token"] not in repr(stored.__dict__)
    assert stored.pairing_code_hash is None and stored.paired_at is not None
    again = client.post("/api/v1/kiosk/pair", json={"code": code})
    assert again.status_code == 404
    assert again.get_json()["code"] == "invalid_code"


def test_expired_code_is_refused(client, db, demo):
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=25)
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "Quầy 3", now=long_ago)
    db.session.commit()
    reply = client.post("/api/v1/kiosk/pair?lang=vi", json={"code": code})
    assert reply.status_code == 404
    assert "mã ghép nối" in reply.get_json()["message"].lower()


def test_code_of_revoked_kiosk_is_refused(client, db, demo):
    device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "Quầy 3")
    kiosks.revoke_device(db.session, device.id)
    db.session.commit()
    assert client.post("/api/v1/kiosk/pair", json={"code": code}).status_code == 404


def test_bad_pairing_requests_are_4xx(client, demo):
    assert client.post("/api/v1/kiosk/pair", data="{", content_type="application/json"
                       ).status_code == 400
    assert client.post("/api/v1/kiosk/pair", json=["123"]).status_code == 400
    assert client.post("/api/v1/kiosk/pair", json={"code": 12}).status_code == 422
    assert client.post("/api/v1/kiosk/pair", json={"code": " "}).status_code == 422
    assert client.post("/api/v1/kiosk/pair", json={"code": "12"}).status_code == 404
    assert client.post("/api/v1/kiosk/pair", data="code=1").status_code == 415


def test_unknown_unit_cannot_get_a_kiosk(db, demo):
    import pytest
    from survey.services.errors import NotFound

    with pytest.raises(NotFound):
        kiosks.add_device(db.session, "NOPE", "Quầy 9")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KioskDevice)) == 0
