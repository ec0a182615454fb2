"""Contact details are deleted N days after their case is closed, leaving a history line
and an audit entry that hold no personal data."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, CaseEventKind, CaseStatus, Contact
from survey.services.audit import CLI, Actor
from survey.services.inbox.handling import change_status
from survey.services.inbox.retention import purge_closed_contacts

ME = Actor(None, "h@example.org")
DAY = dt.timedelta(days=1)


def closed(db, open_case, status: CaseStatus, at: dt.datetime):
    case = open_case(contact=True)
    if status is CaseStatus.no_action:
        change_status(db.session, case, status, ME, reason="spam", now=at)
    else:
        change_status(db.session, case, CaseStatus.in_progress, ME, now=at)
        change_status(db.session, case, status, ME, now=at)
    return case


def test_contacts_go_thirty_days_after_closing(db, open_case, count_rows):
    now = dt.datetime(2027, 3, 1, 2, 30, tzinfo=dt.timezone.utc)
    old = closed(db, open_case, CaseStatus.closed, now - 30 * DAY)
    spam = closed(db, open_case, CaseStatus.no_action, now - 40 * DAY)
    recent = closed(db, open_case, CaseStatus.closed, now - 29 * DAY)
    replied = closed(db, open_case, CaseStatus.replied, now - 90 * DAY)  # not closed yet
    open_case(contact=True)
    assert purge_closed_contacts(db.session, CLI, 30, now) == 2
    left = set(db.session.scalars(sa.select(Contact.response_id)))
    assert {recent.response_id, replied.response_id} <= left
    assert not {old.response_id, spam.response_id} & left and count_rows(Contact) == 3
    assert [e.kind for e in old.events][-1] is CaseEventKind.contact_deleted
    (entry,) = db.session.scalars(sa.select(AuditEvent).filter_by(action="contacts.purged"))
    assert entry.detail == {"deleted": 2, "retention_days": 30}
    assert "0912345678" not in str(entry.detail)
    assert purge_closed_contacts(db.session, CLI, 30, now) == 0  # nothing twice


def test_retention_can_be_shortened_not_negative(db, open_case):
    now = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    closed(db, open_case, CaseStatus.closed, now)
    assert purge_closed_contacts(db.session, CLI, 0, now) == 1
    with pytest.raises(ValueError):
        purge_closed_contacts(db.session, CLI, -1, now)


def test_the_daily_command_runs_both_rules(runner, db, open_case, app):
    case = closed(db, open_case, CaseStatus.closed,
                  dt.datetime.now(dt.timezone.utc) - 31 * DAY)
    db.session.commit()
    result = runner.invoke(args=["survey", "purge-contacts"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 2
    assert db.session.scalar(sa.select(sa.func.count(Contact.id)).where(
        Contact.response_id == case.response_id)) == 0
