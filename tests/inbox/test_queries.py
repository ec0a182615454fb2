"""Reading the inbox: filters, scope, order and paging; kiosk reasons per unit; a case
by its reference code; who may be assigned."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.models import CaseCategory, CaseStatus, Role
from survey.services import catalogue
from survey.services.accounts.scope import Scope
from survey.services.audit import Actor
from survey.services.inbox.codes import display_code
from survey.services.inbox.handling import assign, change_status, set_category
from survey.services.inbox.queries import (NOBODY, CaseFilter, assignable_users,
                                           case_by_reference, case_detail, cases_in_scope,
                                           get_case, list_cases, reason_counts)
from survey.timeutil import local_midnight_utc

from .conftest import local

EVERYTHING = Scope(everything=True)
TODAY = dt.date(2026, 12, 3)
CLI = Actor(None, "cli")
HANDLERS = [Role.admin, Role.manager, Role.handler]


def unit_id(db, code: str) -> int:
    return catalogue.unit_by_code(db.session, code).id


def listed(db, wanted=CaseFilter(), scope=EVERYTHING, **kwargs) -> list:
    return [case for case, _body in list_cases(db.session, scope, wanted, TODAY,
                                               **kwargs).rows]


@pytest.fixture
def three(db, open_case, settings, make_staff):
    """Cases at NA-DEMO1-Q1 (new, overdue), NA-DEMO1-Q2 (in progress, assigned) and
    NA-DEMO2-Q1 (new, received today)."""
    late = open_case(unit="NA-DEMO1-Q1", comment="Phải chờ 3 tiếng",
                     received=local(2026, 11, 2))
    busy = open_case(unit="NA-DEMO1-Q2", comment="Thái độ chưa tốt", low=1)
    other = open_case(unit="NA-DEMO2-Q1", comment="Phòng chờ nóng")
    change_status(db.session, busy, CaseStatus.in_progress, CLI)
    assign(db.session, busy, make_staff("h@example.org"), CLI, HANDLERS)
    set_category(db.session, other, CaseCategory.facilities, False, CLI, settings)
    db.session.flush()
    return late, busy, other


def test_filters_narrow_the_list(db, three):
    late, busy, other = three
    assert set(listed(db)) == {late, busy, other}
    assert listed(db, CaseFilter(status=CaseStatus.in_progress)) == [busy]
    assert set(listed(db, CaseFilter(unit_id=unit_id(db, "NA-DEMO1")))) == {late, busy}
    assert listed(db, CaseFilter(category=CaseCategory.facilities)) == [other]
    assert listed(db, CaseFilter(assignee=busy.assignee_id)) == [busy]
    assert set(listed(db, CaseFilter(assignee=NOBODY))) == {late, other}
    assert listed(db, CaseFilter(overdue=True)) == [late]
    assert listed(db, CaseFilter(text="chờ 3")) == [late]
    assert listed(db, CaseFilter(text="100%")) == []  # LIKE wildcards are literal
    assert listed(db, CaseFilter(text=display_code(other.reference).lower())) == [other]
    since = local_midnight_utc(dt.date(2026, 11, 1))
    until = local_midnight_utc(dt.date(2026, 11, 3))
    assert listed(db, CaseFilter(since=since, until=until)) == [late]


def test_scope_hides_other_offices_cases(db, three):
    late, busy, other = three
    demo1 = Scope(unit_ids=frozenset({unit_id(db, "NA-DEMO1-Q1"), unit_id(db, "NA-DEMO1-Q2")}))
    assert set(listed(db, scope=demo1)) == {late, busy}
    assert get_case(db.session, other.id, demo1) is None
    assert get_case(db.session, late.id, demo1) is late
    assert cases_in_scope(db.session, [late.id, other.id, 999999], demo1) == [late]
    # A unit filter outside the scope finds nothing rather than widening it.
    assert listed(db, CaseFilter(unit_id=unit_id(db, "NA-DEMO2")), scope=demo1) == []


def test_the_most_urgent_come_first_and_pages_add_up(db, three, open_case):
    late, busy, other = three
    change_status(db.session, other, CaseStatus.no_action, CLI, reason="spam")
    order = listed(db)
    assert order[0] is late and order[-1] is other
    page = list_cases(db.session, EVERYTHING, CaseFilter(), TODAY, page=2, per_page=2)
    assert (page.total, page.pages, [c for c, _ in page.rows]) == (3, 2, [other])


def test_the_list_carries_the_comment(db, three):
    late, _busy, _other = three
    rows = dict(list_cases(db.session, EVERYTHING, CaseFilter(), TODAY).rows)
    assert rows[late] == "Phải chờ 3 tiếng"


def test_case_detail_shows_answers_in_order_and_only_whether_contact_exists(db, open_case):
    case = open_case(low=1, contact=True)
    detail = case_detail(db.session, case)
    assert detail.answers[0] == ("overall", 1) and detail.comment == "Phải chờ quá lâu"
    assert detail.has_contact is True


def test_a_case_is_found_by_its_code_as_people_type_it(db, open_case):
    case = open_case()
    typed = " " + display_code(case.reference).lower() + " "
    assert case_by_reference(db.session, typed) is case
    assert case_by_reference(db.session, "AAAAA-AAAAA") is None
    assert case_by_reference(db.session, "<script>") is None


def test_kiosk_reasons_are_counted_per_unit(db, respond):
    for reasons in (["long_wait", "attitude"], ["long_wait"]):
        respond(unit="NA-DEMO1-Q1", reasons=reasons)
    respond(unit="NA-DEMO2-Q1", reasons=["long_wait"])
    now = dt.datetime.now(dt.timezone.utc)
    rows = reason_counts(db.session, EVERYTHING, now - dt.timedelta(days=1),
                         now + dt.timedelta(days=1))
    assert [(u.code, code, n) for u, code, n in rows] == [
        ("NA-DEMO1-Q1", "long_wait", 2), ("NA-DEMO1-Q1", "attitude", 1),
        ("NA-DEMO2-Q1", "long_wait", 1)]
    mine = Scope(unit_ids=frozenset({unit_id(db, "NA-DEMO2-Q1")}))
    assert [n for _u, _c, n in reason_counts(db.session, mine, now - dt.timedelta(days=1),
                                             now + dt.timedelta(days=1))] == [1]
    assert reason_counts(db.session, EVERYTHING, now + dt.timedelta(days=1),
                         now + dt.timedelta(days=2)) == []


def test_assignable_people_cover_every_unit_chosen(db, make_staff):
    make_staff("a@example.org", role="admin", unit="NA")
    make_staff("c@example.org", role="manager", unit="NA-VINH")
    make_staff("h1@example.org", unit="NA-DEMO1")
    make_staff("v@example.org", role="viewer", unit="NA")
    q1, q2 = unit_id(db, "NA-DEMO1-Q1"), unit_id(db, "NA-DEMO2-Q1")
    emails = [u.email for u in assignable_users(db.session, [q1], HANDLERS)]
    assert emails == ["a@example.org", "c@example.org", "h1@example.org"]
    emails = [u.email for u in assignable_users(db.session, [q1, q2], HANDLERS)]
    assert emails == ["a@example.org", "c@example.org"]


@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 7])
def test_pages_cross_from_running_to_finished_cases_without_gaps(db, open_case, per_page):
    """The list's two parts (running deadlines, then finished cases) page as one list."""
    cases = [open_case(received=local(2026, 11, day)) for day in range(2, 9)]
    for case in cases[:3]:
        change_status(db.session, case, CaseStatus.no_action, CLI, reason="spam")
    whole = listed(db)
    assert whole[:4] == cases[3:]  # running: earliest deadline first
    assert whole[4:] == list(reversed(cases[:3]))  # finished: newest first
    paged, page = [], 1
    while True:
        rows = listed(db, page=page, per_page=per_page)
        if not rows:
            break
        paged, page = paged + rows, page + 1
    assert paged == whole
