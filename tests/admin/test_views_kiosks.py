"""/admin/kiosks: list in scope, add (pairing code shown once), revoke; audited."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, KioskDevice, utcnow
from survey.services.devices import kiosks

from .conftest import csrf_token, sign_in_as

CODE = re.compile(r'id="pairing-code">(\d{5} \d{5})<')


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


@pytest.fixture
def manager_client(client, make_user):
    sign_in_as(client, make_user("m@example.org", "manager", "NA-DEMO1"))
    return client


def device(db, unit: str, name: str) -> KioskDevice:
    row, _code = kiosks.add_device(db.session, unit, name)
    db.session.commit()
    return row


def test_add_shows_the_pairing_code_once_and_it_pairs(manager_client, db):
    answer = post(manager_client, "/admin/kiosks?lang=en", unit="NA-DEMO1-Q1", name=" Quầy 1 ")
    assert answer.status_code == 201
    html = answer.get_data(as_text=True)
    (code,) = CODE.findall(html)
    assert "Valid until" in html and answer.headers["Cache-Control"] == "no-store"
    row = db.session.scalar(sa.select(KioskDevice).filter_by(name="Quầy 1"))
    assert row.unit.code == "NA-DEMO1-Q1"
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="kiosk.added"))
    assert (event.actor_label, event.object_id, event.unit_id) == (
        "m@example.org", str(row.id), row.unit_id)
    later = manager_client.get("/admin/kiosks?lang=en").get_data(as_text=True)
    assert code not in later and "pairing-code" not in later and "Quầy 1" in later
    paired, _token = kiosks.pair_device(db.session, code)
    assert paired.id == row.id


def test_list_shows_only_the_kiosks_in_scope_and_who_is_out_of_contact(
        manager_client, db, app):
    mine, other = device(db, "NA-DEMO1-Q1", "Quầy Một"), device(db, "NA-DEMO2-Q1", "Quầy khác")
    mine.token_hash, mine.last_seen_at = "x" * 64, utcnow() - dt.timedelta(hours=5)
    db.session.commit()
    html = manager_client.get("/admin/kiosks").get_data(as_text=True)
    assert "Quầy Một" in html and "Quầy khác" not in html
    assert 'class="alarm"' in html and "MẤT LIÊN LẠC 5 giờ" in html
    mine.last_seen_at = utcnow()
    db.session.commit()
    assert "MẤT LIÊN LẠC" not in manager_client.get("/admin/kiosks").get_data(as_text=True)
    assert other.revoked_at is None


@pytest.mark.parametrize("form,field", [
    ({"unit": "", "name": "Quầy 1"}, "unit"),
    ({"unit": "NA-DEMO1-Q1", "name": "   "}, "name"),
    ({"unit": "NA-DEMO1-Q1", "name": "x" * 121}, "name"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
        manager_client, count_rows, form, field):
    before = count_rows(KioskDevice), count_rows(AuditEvent)
    answer = post(manager_client, "/admin/kiosks", **form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in html and "Vui lòng kiểm tra" in html
    assert (count_rows(KioskDevice), count_rows(AuditEvent)) == before


def test_a_unit_outside_the_scope_is_not_found(manager_client, count_rows):
    events = count_rows(AuditEvent)
    for unit in ("NA-DEMO2-Q1", "XX-NOWHERE"):
        assert post(manager_client, "/admin/kiosks", unit=unit, name="Quầy").status_code == 404
    assert count_rows(KioskDevice) == 0 and count_rows(AuditEvent) == events


def test_revoke_in_scope_is_audited_and_outside_is_not_found(manager_client, db, count_rows):
    events = count_rows(AuditEvent)
    mine, other = device(db, "NA-DEMO1-Q1", "Quầy Một"), device(db, "NA-DEMO2-Q1", "Quầy khác")
    assert post(manager_client, "/admin/kiosks/revoke", id=str(other.id)).status_code == 404
    assert post(manager_client, "/admin/kiosks/revoke", id="999999").status_code == 404
    assert post(manager_client, "/admin/kiosks/revoke", id="abc").status_code == 422
    assert count_rows(AuditEvent) == events
    answer = post(manager_client, "/admin/kiosks/revoke?lang=en", id=str(mine.id))
    assert answer.status_code == 303
    assert answer.location == f"/admin/kiosks?lang=en&revoked={mine.id}"
    db.session.refresh(mine), db.session.refresh(other)
    assert mine.revoked_at is not None and other.revoked_at is None
    assert db.session.scalar(sa.select(AuditEvent.object_id).filter_by(
        action="kiosk.revoked")) == str(mine.id)
    html = manager_client.get(answer.location).get_data(as_text=True)
    assert "Quầy Một" in html and "is revoked" in html


def test_forms_without_csrf_are_refused(manager_client, db, count_rows):
    mine = device(db, "NA-DEMO1-Q1", "Quầy Một")
    assert manager_client.post("/admin/kiosks", data={"unit": "NA-DEMO1-Q1", "name": "Q"}) \
        .status_code == 400
    assert manager_client.post("/admin/kiosks/revoke", data={"id": mine.id}).status_code == 400
    assert count_rows(KioskDevice) == 1 and mine.revoked_at is None


def test_the_unit_choices_are_the_scope(manager_client):
    html = manager_client.get("/admin/kiosks").get_data(as_text=True)
    assert 'value="NA-DEMO1-Q1"' in html and 'value="NA-DEMO2"' not in html
