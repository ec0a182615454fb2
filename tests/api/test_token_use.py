"""API tokens record when they were last used, on every operation (reads included)."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.models import ApiToken
from survey.services.devices import tokens


@pytest.fixture
def token(db, demo):
    row, token = tokens.create_api_token(db.session, "use")
    db.session.commit()
    return row, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/v1/index?period=2026&unit=NA", None),
    ("GET", "/api/v1/trend?unit=NA&to=2026-Q3", None),
    ("POST", "/api/v1/receipts", {"unit": "NA-VINH-Q1", "service": "ui_apply"}),
    ("POST", "/api/v1/receipts", {"unit": "NOPE", "service": "ui_apply"}),  # refused: a use
])
def test_every_operation_records_the_use(client, db, token, method, path, body):
    row, auth = token
    assert row.last_used_at is None
    res = client.open(path, method=method, json=body, headers=auth)
    assert res.status_code < 500
    db.session.expire_all()
    used = db.session.get(ApiToken, row.id).last_used_at
    assert used is not None
    assert dt.datetime.now(dt.timezone.utc) - used < dt.timedelta(minutes=5)


def test_use_is_written_at_most_once_a_minute(client, db, token):
    row, auth = token
    earlier = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=20)
    row.last_used_at = earlier
    db.session.commit()
    client.get("/api/v1/index?period=2026&unit=NA", headers=auth)
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at == earlier  # not moved on
