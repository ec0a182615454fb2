"""The repeat-press filter: judged by device times, flagged but never dropped."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from survey.models import Response, ResponseStatus
from survey.services.devices import kiosks

from .conftest import VN, item

T0 = dt.datetime(2026, 5, 4, 9, 0, 0, tzinfo=VN)


def statuses(db) -> dict[str, tuple[str, str | None]]:
    rows = db.session.scalars(sa.select(Response).order_by(Response.submitted_at))
    return {str(r.id): (r.status.value, r.status_reason) for r in rows}


def at(seconds: float, **kw) -> dict:
    return item(T0 + dt.timedelta(seconds=seconds), **kw)


def post(client, auth, items):
    reply = client.post("/api/v1/responses", json={"responses": items}, headers=auth)
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


def test_fast_responses_in_one_batch_are_flagged(client, auth, db):
    batch = [at(0), at(3), at(4.5), at(20), at(25)]
    post(client, auth, list(reversed(batch)))  # arrival order does not matter
    got = statuses(db)
    assert [got[i["id"]] for i in batch] == [
        ("valid", None), ("flagged", "too_fast"), ("flagged", "too_fast"), ("valid", None),
        ("valid", None)]


def test_previous_response_from_an_earlier_batch_counts(client, auth, db):
    first, second = at(0), at(2)
    post(client, auth, [first])
    post(client, auth, [second])
    assert statuses(db)[second["id"]] == ("flagged", "too_fast")


def test_late_arrival_flags_the_response_just_after_it(client, auth, db):
    early, later = at(0), at(3)
    post(client, auth, [later])
    assert statuses(db)[later["id"]] == ("valid", None)
    post(client, auth, [early])
    got = statuses(db)
    assert got[early["id"]] == ("valid", None)
    assert got[later["id"]] == ("flagged", "too_fast")


def test_interval_is_configurable(app, client, auth, db):
    app.config["KIOSK_MIN_INTERVAL"] = 1
    batch = [at(0), at(3)]
    post(client, auth, batch)
    assert all(status == ("valid", None) for status in statuses(db).values())


def test_partial_responses_are_not_completed_ones(client, auth, db):
    batch = [at(0), at(2, partial=True, service=None, answers={"overall": 1}), at(10)]
    post(client, auth, batch)
    assert all(status == ("valid", None) for status in statuses(db).values())


def test_other_devices_do_not_count(client, auth, db, demo):
    other, code = kiosks.add_device(db.session, "NA-VINH-Q1", "Quầy 1")
    _, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    mine, theirs = at(0), at(1)
    post(client, auth, [mine])
    post(client, {"Authorization": f"Bearer {token}"}, [theirs])
    assert all(status == ("valid", None) for status in statuses(db).values())
    assert db.session.get(Response, uuid.UUID(theirs["id"])).status is ResponseStatus.valid
