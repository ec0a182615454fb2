"""Opening cases after the fact: which responses get one, idempotence, clashes with a
concurrent run, deadlines from the day of receipt."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from survey.models import Answer, Case, CaseStatus, Channel, Response, ResponseStatus
from survey.services.inbox import open_cases, reference_code
from survey.services.inbox.opening import _insert, non_rating_codes

from .conftest import local


def cases(db) -> list[Case]:
    return list(db.session.scalars(sa.select(Case).order_by(Case.id)))


def test_comment_low_rating_and_contact_each_open_a_case(db, respond, settings):
    by_comment = respond(comment="Nhân viên hướng dẫn chưa rõ")
    by_rating = respond(low=2)
    by_contact = respond(contact=True)
    respond(low=3)  # above the threshold
    respond()        # content everywhere
    assert open_cases(db.session, settings) == 3
    found = {case.response_id: case for case in cases(db)}
    assert set(found) == {by_comment.id, by_rating.id, by_contact.id}
    assert (found[by_comment.id].has_comment, found[by_comment.id].low_rating) == (True, False)
    assert (found[by_rating.id].low_rating, found[by_rating.id].lowest_rating) == (True, 2)
    assert found[by_contact.id].wants_contact and not found[by_contact.id].has_comment
    case = found[by_comment.id]
    assert case.status is CaseStatus.new and case.unit.code == "NA-DEMO1-Q1"
    assert case.reference == reference_code(by_comment.id, settings.secret)


def test_opening_twice_opens_each_case_once(db, respond, settings):
    respond(comment="Một"), respond(low=1)
    assert open_cases(db.session, settings) == 2
    assert open_cases(db.session, settings) == 0
    respond(comment="Hai")
    assert open_cases(db.session, settings) == 1
    assert len(cases(db)) == 3


def test_the_threshold_is_configurable_and_zero_turns_ratings_off(db, respond, settings):
    respond(low=3)
    assert open_cases(db.session, dataclasses.replace(settings, low_rating=0)) == 0
    assert open_cases(db.session, settings) == 0
    assert open_cases(db.session, dataclasses.replace(settings, low_rating=3)) == 1


def test_excluded_responses_get_no_case(db, respond, settings):
    respond(comment="spam", status=ResponseStatus.excluded, status_reason="test")
    assert open_cases(db.session, settings) == 0


def test_a_no_to_a_fact_question_is_not_a_low_rating(db, demo, questionnaire_v2, settings):
    assert {"fact_documents", "fact_money", "fact_trips"} <= set(non_rating_codes(db.session))
    now = dt.datetime.now(dt.timezone.utc)
    response = Response(id=uuid.uuid4(), unit=demo.unit_by_code(db.session, "NA-DEMO1-Q1"),
                        channel=Channel.qr, questionnaire=questionnaire_v2, locale="vi",
                        submitted_at=now, received_at=now)
    response.answers = [Answer(item_code="overall", value=5),
                        Answer(item_code="fact_documents", value=2),
                        Answer(item_code="fact_trips", value=1)]
    db.session.add(response)
    db.session.flush()
    assert open_cases(db.session, settings) == 0
    response.answers[0].value = 2  # a real low rating still counts
    db.session.flush()
    assert open_cases(db.session, settings) == 1


def test_rounds_of_a_few_open_every_case(db, respond, settings):
    for n in range(5):
        respond(comment=f"Góp ý {n}")
    assert open_cases(db.session, settings, batch=2) == 5
    assert len(cases(db)) == 5


def test_a_case_opened_meanwhile_by_another_run_is_skipped(db, respond, settings):
    first, second = respond(comment="Một"), respond(comment="Hai")
    now = dt.datetime.now(dt.timezone.utc)
    row = {"reference": "X", "unit_id": first.unit_id, "service_id": None,
           "has_comment": True, "low_rating": False, "wants_contact": False,
           "lowest_rating": None, "status": CaseStatus.new, "complex": False,
           "received_at": now, "opened_at": now, "updated_at": now,
           "accept_due": now.date(), "resolve_due": now.date(), "due_on": now.date()}
    assert _insert(db.session, [{**row, "response_id": first.id}]) == 1
    # The other run inserts both: the first clashes, the second still goes in.
    assert _insert(db.session, [{**row, "response_id": first.id},
                                {**row, "response_id": second.id}]) == 1
    assert sorted(c.response_id for c in cases(db)) == sorted([first.id, second.id])


@pytest.mark.parametrize("received,accept,resolve", [
    (local(2027, 2, 3, 16), dt.date(2027, 2, 24), dt.date(2027, 3, 24)),   # before Tết
    # 06:00 on Friday in Vietnam is still Thursday in UTC: Friday counts.
    (local(2026, 12, 4, 6), dt.date(2026, 12, 18), dt.date(2027, 1, 18)),
])
def test_deadlines_count_working_days_from_the_local_day_of_receipt(
        db, respond, settings, received, accept, resolve):
    respond(comment="Chậm", received=received)
    open_cases(db.session, settings)
    (case,) = cases(db)
    assert (case.accept_due, case.resolve_due, case.due_on) == (accept, resolve, accept)


def test_later_runs_look_only_since_the_mark_less_a_margin(db, respond, settings):
    from survey.models import InboxSync
    from survey.services.inbox.opening import MARGIN

    t0 = dt.datetime(2026, 12, 3, 8, tzinfo=dt.timezone.utc)
    assert open_cases(db.session, settings, now=t0) == 0
    assert db.session.get(InboxSync, 1).scanned_until == t0
    respond(comment="late commit", received=t0 - MARGIN + dt.timedelta(seconds=1))
    respond(comment="long ago", received=t0 - MARGIN - dt.timedelta(seconds=1))
    assert open_cases(db.session, settings, now=t0 + dt.timedelta(minutes=1)) == 1
    assert db.session.get(InboxSync, 1).scanned_until == t0 + dt.timedelta(minutes=1)
    assert open_cases(db.session, settings, full=True) == 1  # after a change of threshold


def test_an_idle_look_seldom_moves_the_mark(db, settings):
    from survey.models import InboxSync
    from survey.services.inbox.opening import MARK_STEP

    t0 = dt.datetime(2026, 12, 3, 8, tzinfo=dt.timezone.utc)
    open_cases(db.session, settings, now=t0)
    open_cases(db.session, settings, now=t0 + MARK_STEP - dt.timedelta(seconds=1))
    assert db.session.get(InboxSync, 1).scanned_until == t0
    open_cases(db.session, settings, now=t0 + MARK_STEP)
    assert db.session.get(InboxSync, 1).scanned_until == t0 + MARK_STEP


def test_a_capped_run_leaves_the_rest_and_the_mark_for_the_next(db, respond, settings):
    from survey.models import InboxSync

    for n in range(5):
        respond(comment=f"Góp ý {n}")
    assert open_cases(db.session, settings, batch=2, rounds=1) == 2
    assert db.session.get(InboxSync, 1) is None  # not finished: no mark yet
    assert open_cases(db.session, settings, batch=2) == 3
    assert db.session.get(InboxSync, 1) is not None
