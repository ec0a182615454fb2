"""Fixtures for the kiosk API: a paired device and a helper that builds batch items."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from survey.services.devices import kiosks

VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def paired(db, demo):
    """A kiosk at NA-VINH-Q3, paired: returns ``(device, token)``."""
    device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "Quầy 3")
    device, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    return device, token


@pytest.fixture
def auth(paired):
    return {"Authorization": f"Bearer {paired[1]}"}


def item(at: dt.datetime | None = None, **overrides) -> dict:
    """One valid batch item; ``at`` is the device's completion time."""
    at = at or dt.datetime.now(VN) - dt.timedelta(minutes=5)
    body = {"id": str(uuid.uuid4()), "questionnaire_version": 1, "service": "ui_apply",
            "submitted_at": at.isoformat(), "locale": "vi",
            "answers": {"overall": 4, "staff_1": 5, "access_3": None}, "reasons": []}
    body.update(overrides)
    return body


def spaced(n: int, seconds: float = 30, start: dt.datetime | None = None) -> list[dict]:
    """``n`` valid items, ``seconds`` apart by device time."""
    start = start or dt.datetime.now(VN) - dt.timedelta(hours=2)
    return [item(start + dt.timedelta(seconds=seconds * i)) for i in range(n)]
