"""Handling cases: every transition allowed or refused by the rules, with its case
event and audit entry; assignment within scope; categories and deadlines; notes; views
of contact details; the bulk actions."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from survey.models import (AuditEvent, CaseCategory, CaseEvent, CaseEventKind,
                           CaseHistoryError, CaseStatus, Role)
from survey.services.audit import Actor
from survey.services.errors import ServiceError
from survey.services.inbox import Deadlines, InboxSettings
from survey.services.inbox.handling import (TRANSITIONS, add_note, allowed_statuses, assign,
                                            bulk_assign, bulk_no_action, change_status,
                                            record_contact_view, set_category)

from .conftest import local

S = CaseStatus
ME = Actor(None, "handler@example.org")
HANDLERS = [Role.admin, Role.manager, Role.handler]


def put_in(db, case, status: CaseStatus) -> None:
    """Walk ``case`` to ``status`` the allowed way."""
    path = {S.new: [], S.in_progress: [S.in_progress], S.replied: [S.in_progress, S.replied],
            S.closed: [S.in_progress, S.closed], S.no_action: [S.no_action]}[status]
    for step in path:
        change_status(db.session, case, step, Actor(None, "cli"), reason="test")


def audit_rows(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).filter_by(action=action)))


@pytest.mark.parametrize("start,to", list(itertools.product(S, S)),
                         ids=lambda s: s.value)
def test_each_transition_is_allowed_or_refused_by_the_table(db, open_case, start, to):
    case = open_case()
    put_in(db, case, start)
    events = len(case.events)
    if to in TRANSITIONS[start]:
        event = change_status(db.session, case, to, ME, reason="spam", note="gọi lại")
        assert case.status is to and event.kind is CaseEventKind.status
        assert (event.from_value, event.to_value, event.actor_label) == (
            start.value, to.value, ME.label)
        assert audit_rows(db, "case.status")[-1].detail == {"from": start.value, "to": to.value}
    else:
        with pytest.raises(ServiceError):
            change_status(db.session, case, to, ME, reason="spam")
        assert case.status is start and len(case.events) == events


def test_the_lifecycle_stamps_times_and_moves_the_running_deadline(db, open_case):
    case = open_case(received=local(2027, 2, 3))
    assert case.due_on == case.accept_due and allowed_statuses(case) == [S.in_progress,
                                                                       S.no_action]
    at = dt.datetime(2027, 2, 12, 3, tzinfo=dt.timezone.utc)
    change_status(db.session, case, S.in_progress, ME, now=at)
    assert case.accepted_at == at and case.due_on == case.resolve_due
    change_status(db.session, case, S.replied, ME, note="Đã gọi điện", now=at)
    assert case.replied_at == at and case.due_on is None
    change_status(db.session, case, S.closed, ME, now=at)
    assert case.closed_at == at
    change_status(db.session, case, S.in_progress, ME)  # reopened
    assert case.closed_at is None and case.due_on == case.resolve_due


def test_no_action_needs_a_reason_and_can_be_undone(db, open_case):
    case = open_case()
    with pytest.raises(ServiceError) as refused:
        change_status(db.session, case, S.no_action, ME, reason="   ")
    assert "reason" in refused.value.errors and case.status is S.new
    change_status(db.session, case, S.no_action, ME, reason="Quảng cáo")
    db.session.flush()
    assert (case.status_reason, case.due_on) == ("Quảng cáo", None)
    change_status(db.session, case, S.new, ME)
    assert case.status_reason is None and case.closed_at is None
    assert case.due_on == case.accept_due


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(db, open_case):
    case = open_case()
    change_status(db.session, case, S.in_progress, Actor(None, "cli"))
    with pytest.raises(ServiceError):
        change_status(db.session, case, S.no_action, ME, reason="spam", expected=S.new)
    assert case.status is S.in_progress


def test_assignment_stays_within_the_units_of_the_assignee(db, open_case, make_staff):
    case = open_case(unit="NA-DEMO1-Q1")
    mine, other = make_staff("h1@example.org", unit="NA-DEMO1"), \
        make_staff("h2@example.org", unit="NA-DEMO2")
    viewer = make_staff("v@example.org", role="viewer", unit="NA")
    event = assign(db.session, case, mine, ME, HANDLERS)
    assert case.assignee_id == mine.id and event.to_value == str(mine.id)
    assert assign(db.session, case, mine, ME, HANDLERS) is None  # nothing changed
    for wrong in (other, viewer):
        with pytest.raises(ServiceError):
            assign(db.session, case, wrong, ME, HANDLERS)
    mine.active = False
    with pytest.raises(ServiceError):
        assign(db.session, case, mine, ME, HANDLERS)
    event = assign(db.session, case, None, ME, HANDLERS)
    assert case.assignee_id is None and event.from_value == str(mine.id)


def test_category_counts_the_deadlines_again_by_its_rules(db, open_case):
    settings = InboxSettings(deadlines={"attitude": Deadlines(2, 5, 10)})
    case = open_case(received=local(2027, 2, 3))
    change_status(db.session, case, S.in_progress, ME)
    event = set_category(db.session, case, CaseCategory.attitude, False, ME, settings)
    assert (case.accept_due, case.resolve_due) == (dt.date(2027, 2, 12), dt.date(2027, 2, 17))
    assert case.due_on == case.resolve_due and event.to_value == "attitude"
    event = set_category(db.session, case, CaseCategory.attitude, True, ME, settings)
    assert case.resolve_due == dt.date(2027, 2, 24) and event.from_value == "attitude"
    assert event.to_value == "attitude/complex"
    assert set_category(db.session, case, CaseCategory.attitude, True, ME, settings) is None
    set_category(db.session, case, CaseCategory.benefit, False, ME, settings)
    assert case.resolve_due == dt.date(2027, 3, 24)  # the law's 30 days


def test_notes_are_kept_and_history_never_changes(db, open_case):
    case = open_case()
    for bad in ("", "   ", "x" * 2001):
        with pytest.raises(ServiceError):
            add_note(db.session, case, bad, ME)
    event = add_note(db.session, case, "  Đã gọi, hẹn thứ Hai  ", ME)
    db.session.flush()
    assert event.note == "Đã gọi, hẹn thứ Hai" and event.kind is CaseEventKind.note
    event.note = "sửa lại"
    with pytest.raises(CaseHistoryError):
        db.session.flush()
    db.session.rollback()


def test_a_view_of_contact_details_is_recorded_without_them(db, open_case):
    case = open_case(contact=True)
    record_contact_view(db.session, case, ME)
    (entry,) = audit_rows(db, "contact.viewed")
    assert (entry.object_id, entry.unit_id, entry.actor_label) == (str(case.id), case.unit_id,
                                                                   ME.label)
    assert "0912345678" not in str(entry.detail)
    kinds = db.session.scalars(sa.select(CaseEvent.kind).filter_by(case_id=case.id)).all()
    assert kinds == [CaseEventKind.contact_viewed]


def test_bulk_no_action_skips_what_cannot_move_and_needs_a_reason(db, open_case):
    fresh, busy, done = open_case(), open_case(), open_case()
    change_status(db.session, busy, S.in_progress, ME)
    put_in(db, done, S.closed)
    with pytest.raises(ServiceError):
        bulk_no_action(db.session, [fresh, busy], " ", ME)
    assert bulk_no_action(db.session, [fresh, busy, done], "Quảng cáo", ME) == 2
    assert (fresh.status, busy.status, done.status) == (S.no_action, S.no_action, S.closed)


def test_bulk_assign_is_all_or_nothing(db, open_case, make_staff):
    here, there = open_case(unit="NA-DEMO1-Q1"), open_case(unit="NA-DEMO2-Q1")
    local_handler = make_staff("h1@example.org", unit="NA-DEMO1")
    with pytest.raises(ServiceError):
        bulk_assign(db.session, [here, there], local_handler, ME, HANDLERS)
    assert here.assignee_id is None and there.assignee_id is None
    centre = make_staff("m@example.org", role="manager", unit="NA-VINH")
    assert bulk_assign(db.session, [here, there], centre, ME, HANDLERS) == 2
    assert bulk_assign(db.session, [here, there], centre, ME, HANDLERS) == 0


def test_redaction_replaces_the_comment_and_keeps_no_original(db, open_case):
    from survey.services.inbox.handling import redact_comment

    case = open_case(comment="Tôi là Nguyễn Văn A, CCCD 012345678901, chờ 3 tiếng")
    for bad in ("", "   ", case.response.comment.body, "x" * 2001):
        with pytest.raises(ServiceError):
            redact_comment(db.session, case, bad, ME)
    event = redact_comment(db.session, case, "Tôi là [tên], CCCD [số], chờ 3 tiếng", ME)
    db.session.flush()
    assert case.response.comment.body == "Tôi là [tên], CCCD [số], chờ 3 tiếng"
    assert event.kind is CaseEventKind.redacted and event.note is None
    (entry,) = audit_rows(db, "comment.redacted")
    assert "012345678901" not in str(entry.detail) and entry.detail["chars_before"] > 0
    with pytest.raises(ServiceError):
        redact_comment(db.session, open_case(comment="", low=1), "x", ME)
