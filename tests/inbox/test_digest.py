"""The daily digest: one message per person with their unfinished cases, queued once a
day, sent through the outbox like any reply."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey.models import CaseStatus, OutboxMessage, Role
from survey.services.audit import Actor
from survey.services.inbox.handling import assign, change_status
from survey.services.inbox.outbox import DIGEST, queue_digest
from survey.services.inbox.queries import open_cases_by_assignee

ME = Actor(None, "cli")
HANDLERS = [Role.admin, Role.manager, Role.handler]


def test_open_cases_are_grouped_by_person(db, open_case, make_staff):
    one, two = make_staff("a@example.org"), make_staff("b@example.org")
    first, second, done = open_case(), open_case(), open_case()
    for case, person in ((first, one), (second, one), (done, two)):
        assign(db.session, case, person, ME, HANDLERS)
    change_status(db.session, done, CaseStatus.no_action, ME, reason="spam")
    grouped = open_cases_by_assignee(db.session)
    assert {user.email: [c.id for c in cases] for user, cases in grouped.items()} == {
        "a@example.org": sorted([first.id, second.id])}


def test_one_digest_per_person_and_day(db):
    # Every call says when it happens: the test must not depend on today's date.
    day = dt.datetime(2026, 12, 3, 0, tzinfo=dt.timezone.utc)
    at = day + dt.timedelta(hours=8)
    first = queue_digest(db.session, "a@example.org", "Hộp thư", "2 phản ánh", day, now=at)
    assert first is not None and first.created_by == DIGEST and first.case_id is None
    assert queue_digest(db.session, "a@example.org", "Hộp thư", "2 phản ánh", day, now=at) is None
    first.recipient = "a***@example.org"  # sent: masked, still recognised
    assert queue_digest(db.session, "a@example.org", "Hộp thư", "2 phản ánh", day, now=at) is None
    assert queue_digest(db.session, "a@example.org", "Hộp thư", "...", day +
                        dt.timedelta(days=1), now=day + dt.timedelta(days=1, hours=1))
    assert queue_digest(db.session, "b@example.org", "Hộp thư", "1 phản ánh", day, now=at)


def test_the_digest_command_queues_one_message_each(runner, db, open_case, make_staff):
    person = make_staff("a@example.org")
    for _n in range(3):
        assign(db.session, open_case(), person, ME, HANDLERS)
    db.session.commit()
    assert runner.invoke(args=["survey", "inbox", "digest"]).exit_code == 0
    assert runner.invoke(args=["survey", "inbox", "digest"]).exit_code == 0
    (message,) = db.session.scalars(sa.select(OutboxMessage))
    assert message.recipient == "a@example.org" and message.body.count("\n") >= 4
    assert "/admin/inbox?assignee=me" in message.body
