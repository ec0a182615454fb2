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


def _one_at_a_time(batches: list[list[float]], interval: float) -> dict[float, bool]:
    """The rule applied response by response (the way it was first written): each batch
    oldest first; a new response is flagged when the latest one at or before its time is
    closer than ``interval``; then the next one after it, if still valid and that close,
    is flagged too. Returns time → flagged."""
    flagged: dict[float, bool] = {}
    for batch in batches:
        for moment in sorted(batch):
            before = [t for t in flagged if t <= moment]
            flagged[moment] = bool(before) and moment - max(before) < interval
            after = [t for t in flagged if t > moment]
            if after and not flagged[min(after)] and min(after) - moment < interval:
                flagged[min(after)] = True
    return flagged


def test_bulk_flags_match_the_one_at_a_time_rule(client, auth, db):
    """Random arrival patterns, late and overlapping batches: the bulk check gives what
    the response-by-response rule gives."""
    import random

    rng = random.Random(20261203)
    times = sorted({round(rng.uniform(0, 600), 1) for _ in range(150)})
    rng.shuffle(times)
    batches, start = [], 0
    while start < len(times):
        size = rng.randint(1, 25)
        batches.append(times[start:start + size])
        start += size
    sent = {}
    for batch in batches:
        items = [at(moment) for moment in batch]
        sent.update({moment: i["id"] for moment, i in zip(batch, items)})
        post(client, auth, items)
    got = statuses(db)
    expected = _one_at_a_time(batches, interval=5)
    assert sum(expected.values()) > 10  # the pattern does exercise the rule
    assert {m: got[sent[m]][0] == "flagged" for m in sent} == expected
