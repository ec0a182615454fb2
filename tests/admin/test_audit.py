"""The audit log: append-only, no secrets in its details, filtered and paginated."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import AppendOnlyError, AuditEvent, Outcome
from survey.services import audit
from survey.services.audit import Action, AuditFilter, list_events


def test_events_cannot_be_changed_or_deleted(db, demo):
    event = audit.record(db.session, Action.SIGN_IN, audit.ANONYMOUS, outcome=Outcome.failure)
    db.session.commit()
    event.outcome = Outcome.success
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()


@pytest.mark.parametrize("key", ["password", "new_password", "token", "pairing_code", "phone",
                                 "email", "contact", "secret", "password_hash", "otp"])
def test_details_that_could_hold_a_secret_or_a_contact_are_refused(db, key):
    with pytest.raises(ValueError):
        audit.record(db.session, Action.USER_CREATED, audit.CLI, detail={key: "x"})


def test_details_stay_small(db):
    with pytest.raises(ValueError):
        audit.record(db.session, Action.SERVED_IMPORTED, audit.CLI, detail={"note": "x" * 2000})
    assert audit.record(db.session, Action.SERVED_IMPORTED, audit.CLI,
                        detail={"inserted": 3}).detail == {"inserted": 3}


def test_list_filters_newest_first_and_pages(db):
    start = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    for n in range(7):
        audit.record(db.session, Action.SIGN_IN if n % 2 else Action.SIGN_OUT,
                     audit.Actor(None, f"u{n % 3}@example.org"), at=start + dt.timedelta(hours=n))
    page = list_events(db.session, AuditFilter(), page=1, per_page=3)
    assert page.total == 7 and page.pages == 3
    assert [e.at.hour for e in page.events] == [6, 5, 4]
    assert [e.at.hour for e in list_events(db.session, page=3, per_page=3).events] == [0]
    signed_in = list_events(db.session, AuditFilter(action=Action.SIGN_IN))
    assert {e.action for e in signed_in.events} == {Action.SIGN_IN} and signed_in.total == 3
    by = list_events(db.session, AuditFilter(actor=" U1@example.org"))
    assert [e.at.hour for e in by.events] == [4, 1]
    window = AuditFilter(since=start + dt.timedelta(hours=2), until=start + dt.timedelta(hours=4))
    assert [e.at.hour for e in list_events(db.session, window).events] == [3, 2]


def test_action_names_are_listed_once(db):
    assert len(Action.all()) == len(set(Action.all())) >= 15
    assert all("." in action and len(action) <= 60 for action in Action.all())
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0
