"""/admin/inbox: the list (opened on view, filters in the URL, scope, deadlines
highlighted, kiosk reasons, paging), the case page and its actions, contact details
behind an audited button, the bulk actions, stored XSS rendered inert, the CLI sync."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Case, CaseEvent, CaseStatus
from survey.timeutil import local_tz
from tests.support.inbox import add_case, add_response

from .conftest import csrf_token, sign_in_as

LONG_AGO = dt.datetime(2026, 10, 1, 9, tzinfo=local_tz())


@pytest.fixture
def handler(make_user):
    return make_user("h@example.org", "handler", "NA-DEMO1")


@pytest.fixture
def handler_client(client, handler):
    sign_in_as(client, handler)
    return client


@pytest.fixture
def case_at(db, app, demo):
    def make(unit: str = "NA-DEMO1-Q1", **kwargs) -> Case:
        return add_case(db.session, app.config, unit=unit, **kwargs)
    return make


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


def page(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def refs(html: str) -> set[str]:
    return set(re.findall(r'href="/admin/inbox/(\d+)', html))


def test_viewing_the_list_opens_cases_for_new_responses(handler_client, db, questionnaire):
    response = add_response(db.session, questionnaire, comment="Không có chỗ ngồi")
    db.session.commit()
    html = page(handler_client, "/admin/inbox?lang=en")
    case = db.session.scalars(sa.select(Case).filter_by(response_id=response.id)).one()
    assert refs(html) == {str(case.id)} and "Không có chỗ ngồi" in html
    assert 'aria-current="page">Feedback inbox' in html


def test_a_handler_never_sees_another_offices_cases(handler_client, case_at, count_rows):
    mine, theirs = case_at(comment="Của tôi"), case_at("NA-DEMO2-Q1", comment="Của họ")
    html = page(handler_client, "/admin/inbox")
    assert refs(html) == {str(mine.id)} and "Của họ" not in html
    assert handler_client.get(f"/admin/inbox/{theirs.id}").status_code == 404
    events = count_rows(CaseEvent)
    for action, data in (("status", {"status": "in_progress", "current": "new"}),
                         ("note", {"note": "x"}), ("assign", {"assignee": ""}),
                         ("contact", {}), ("category", {"category": "other"})):
        assert post(handler_client, f"/admin/inbox/{theirs.id}/{action}", **data) \
            .status_code == 404
    assert count_rows(CaseEvent) == events and theirs.status is CaseStatus.new
    assert handler_client.get("/admin/inbox/999999").status_code == 404
    # Nor through the unit filter or a bulk action naming its id.
    answer = handler_client.get("/admin/inbox?unit=NA-DEMO2-Q1")
    assert answer.status_code == 400 and refs(answer.get_data(as_text=True)) == set()
    answer = post(handler_client, "/admin/inbox/bulk", ids=[str(theirs.id)],
                  action="no_action", reason="spam")
    assert answer.status_code == 422 and theirs.status is CaseStatus.new


def test_filters_live_in_the_url(handler_client, db, case_at, handler):
    late = case_at(comment="Chờ rất lâu", received=LONG_AGO)
    busy = case_at(comment="Nhân viên vui vẻ nhưng chậm")
    post(handler_client, f"/admin/inbox/{busy.id}/status", status="in_progress",
         current="new")
    post(handler_client, f"/admin/inbox/{busy.id}/assign", assignee=str(handler.id))
    assert refs(page(handler_client, "/admin/inbox?status=in_progress")) == {str(busy.id)}
    assert refs(page(handler_client, "/admin/inbox?overdue=y")) == {str(late.id)}
    assert refs(page(handler_client, "/admin/inbox?q=r%E1%BA%A5t+l%C3%A2u")) == {str(late.id)}
    assert refs(page(handler_client, "/admin/inbox?assignee=me")) == {str(busy.id)}
    assert refs(page(handler_client, "/admin/inbox?assignee=none")) == {str(late.id)}
    assert refs(page(handler_client, "/admin/inbox?since=2026-09-30&until=2026-10-01")) == \
        {str(late.id)}
    html = page(handler_client, "/admin/inbox?status=in_progress&lang=en")
    assert '<option selected value="in_progress">' in html  # the form shows the filter


@pytest.mark.parametrize("query", ["since=2026-13-01", "status=lost", "unit=NA-DEMO2",
                                   "assignee=12345", "q=" + "x" * 201])
def test_bad_filters_are_explained_not_failed(handler_client, case_at, query):
    case_at()
    answer = handler_client.get(f"/admin/inbox?{query}&lang=en")
    assert answer.status_code == 400
    assert "Please check the form" in answer.get_data(as_text=True)


def test_overdue_and_due_soon_are_highlighted(handler_client, db, case_at):
    late = case_at(received=LONG_AGO)
    soon = case_at()
    soon.due_on = dt.date.today() + dt.timedelta(days=1)
    db.session.commit()
    html = page(handler_client, "/admin/inbox?lang=en")
    rows = dict(re.findall(r'<tr class="(\w+)">\s*<td class="pick"><input type="checkbox" '
                           r'name="ids" value="(\d+)"', html))
    assert {v: k for k, v in rows.items()} == {str(late.id): "overdue", str(soon.id): "soon"}
    assert "Overdue:" in html and "Due soon" in html


def test_pages_of_cases(handler_client, case_at, monkeypatch):
    from survey.admin import inbox

    monkeypatch.setattr(inbox, "PER_PAGE", 2)
    made = {str(case_at(comment=f"Góp ý {n}").id) for n in range(3)}
    first = page(handler_client, "/admin/inbox?lang=en&status=new")
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = page(handler_client, "/admin/inbox?lang=en&status=new&page=2")
    assert refs(first) | refs(second) == made and len(refs(second)) == 1
    assert "status=new" in re.search(r'href="([^"]+)" rel="prev"', second).group(1)


def test_the_case_page_shows_the_response_and_the_deadlines(handler_client, case_at):
    case = case_at(low=1, comment="Thủ tục rườm rà")
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "Thủ tục rườm rà" in html and "<strong>1</strong>" in html
    assert case.accept_due.strftime("%d/%m/%Y") in html
    assert case.resolve_due.strftime("%d/%m/%Y") in html
    assert 'name="status"' in html and 'name="note"' in html


def test_status_changes_follow_the_rules_and_are_audited(handler_client, db, case_at):
    case = case_at()
    answer = post(handler_client, f"/admin/inbox/{case.id}/status?lang=en",
                  status="replied", current="new")
    assert answer.status_code == 422 and case.status is CaseStatus.new
    answer = post(handler_client, f"/admin/inbox/{case.id}/status?lang=en",
                  status="no_action", current="new", reason=" ")
    assert answer.status_code == 422 and "Say why" in answer.get_data(as_text=True)
    answer = post(handler_client, f"/admin/inbox/{case.id}/status?lang=en",
                  status="in_progress", current="new", note="Đã nhận")
    assert answer.status_code == 303 and "done=status" in answer.location
    db.session.refresh(case)
    assert case.status is CaseStatus.in_progress
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="case.status")).one()
    assert (event.actor_label, event.object_id) == ("h@example.org", str(case.id))
    # A second person still looking at "new" does not overwrite the change.
    answer = post(handler_client, f"/admin/inbox/{case.id}/status?lang=en",
                  status="no_action", current="new", reason="spam")
    assert answer.status_code == 422 and "meanwhile" in answer.get_data(as_text=True)
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "New → In progress" in html and "Đã nhận" in html


def test_assign_category_and_notes(handler_client, db, case_at, make_user, handler):
    case = case_at()
    outsider = make_user("o@example.org", "handler", "NA-DEMO2")
    assert post(handler_client, f"/admin/inbox/{case.id}/assign",
                assignee=str(outsider.id)).status_code == 422
    assert post(handler_client, f"/admin/inbox/{case.id}/assign",
                assignee=str(handler.id)).status_code == 303
    assert post(handler_client, f"/admin/inbox/{case.id}/category", category="attitude",
                complex="y").status_code == 303
    assert post(handler_client, f"/admin/inbox/{case.id}/note", note=" ").status_code == 422
    assert post(handler_client, f"/admin/inbox/{case.id}/note",
                note="Gọi lại thứ Hai").status_code == 303
    db.session.refresh(case)
    assert case.assignee_id == handler.id and case.category.value == "attitude"
    assert case.complex
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "Assigned to h@example.org" in html and "Staff attitude · complex" in html
    assert "Gọi lại thứ Hai" in html


def test_contact_details_only_on_request_and_every_view_audited(handler_client, db, case_at):
    case = case_at(contact=True)
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "0912345678" not in html and "Show the contact details" in html
    for _time in range(2):
        answer = post(handler_client, f"/admin/inbox/{case.id}/contact?lang=en")
        assert answer.status_code == 200 and "0912345678" in answer.get_data(as_text=True)
    views = db.session.scalars(sa.select(AuditEvent).filter_by(action="contact.viewed")).all()
    assert len(views) == 2 and all("0912345678" not in str(v.detail) for v in views)
    assert "0912345678" not in page(handler_client, f"/admin/inbox/{case.id}?lang=en")


def test_roles_that_do_not_handle_feedback_see_no_inbox(client, make_user, case_at):
    case = case_at()
    sign_in_as(client, make_user("v@example.org", "viewer", "NA"))
    assert client.get("/admin/inbox").status_code == 403
    assert client.get(f"/admin/inbox/{case.id}").status_code == 403
    assert "/admin/inbox" not in page(client, "/admin/")


def test_bulk_assign_and_bulk_no_action(handler_client, db, case_at, handler):
    first, second = case_at(comment="quảng cáo"), case_at(comment="quảng cáo nữa")
    ids = [str(first.id), str(second.id)]
    answer = post(handler_client, "/admin/inbox/bulk?status=new&lang=en", ids=ids,
                  action="assign", assignee=str(handler.id))
    assert answer.status_code == 303
    assert answer.location == "/admin/inbox?status=new&lang=en&done=2"
    answer = post(handler_client, "/admin/inbox/bulk", ids=ids, action="no_action", reason="")
    assert answer.status_code == 422
    answer = post(handler_client, "/admin/inbox/bulk", ids=ids, action="no_action",
                  reason="Quảng cáo")
    assert answer.status_code == 303
    db.session.refresh(first), db.session.refresh(second)
    assert {first.status, second.status} == {CaseStatus.no_action}
    assert {first.assignee_id, second.assignee_id} == {handler.id}
    assert post(handler_client, "/admin/inbox/bulk", action="assign").status_code == 422


NASTY = ('<script>alert("x")</script> "><img src=x onerror=alert(1)> '
         "\u202egnp.exe\u202c zero\u200bwidth \u2066isolate\u2069")


def test_stored_xss_and_invisible_characters_render_inert(handler_client, db, case_at):
    case = case_at(comment=NASTY)
    for html in (page(handler_client, "/admin/inbox?lang=en"),
                 page(handler_client, f"/admin/inbox/{case.id}?lang=en")):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        for char in "\u202e\u202c\u200b\u2066\u2069":
            assert char not in html
        assert "[U+202E]" in html and "[U+200B]" in html


def test_kiosk_reasons_are_counted_beside_the_list(handler_client, db, questionnaire):
    for unit, reasons in (("NA-DEMO1-Q1", ["long_wait"]), ("NA-DEMO1-Q1", ["long_wait"]),
                          ("NA-DEMO2-Q1", ["attitude"])):
        add_response(db.session, questionnaire, unit=unit, reasons=reasons)
    db.session.commit()
    html = page(handler_client, "/admin/inbox?lang=en")
    aside = html[html.index('id="reasons-h"'):]
    assert re.search(r"<td>NA-DEMO1-Q1</td><td>Long wait</td><td class=\"n\">2</td>", aside)
    assert "NA-DEMO2-Q1" not in aside and "Poor attitude" not in aside
    assert "<table class=\"stack\">" not in html  # reasons are not cases: no list of them


def test_the_command_line_sync_opens_cases(runner, db, demo, questionnaire):
    add_response(db.session, questionnaire, comment="Một")
    add_response(db.session, questionnaire, low=1)
    db.session.commit()
    result = runner.invoke(args=["survey", "inbox", "sync"])
    assert result.exit_code == 0 and re.search(r"\b2\.$", result.output.strip())
    again = runner.invoke(args=["survey", "inbox", "sync"])
    assert again.exit_code == 0 and re.search(r"\b0\.$", again.output.strip())
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 2
    assert runner.invoke(args=["survey", "inbox", "sync", "--full"]).exit_code == 0


def test_a_reply_goes_through_the_outbox_and_shows_its_state(handler_client, db, case_at, app):
    from pathlib import Path

    from survey.models import OutboxMessage, OutboxState

    bare = case_at()
    assert "Reply to the claimant" not in page(handler_client, f"/admin/inbox/{bare.id}?lang=en")
    assert post(handler_client, f"/admin/inbox/{bare.id}/reply", channel="email",
                text="Xin chào").status_code == 422
    case = case_at(contact=True)
    assert post(handler_client, f"/admin/inbox/{case.id}/reply", channel="email",
                text=" ").status_code == 422
    answer = post(handler_client, f"/admin/inbox/{case.id}/reply?lang=en", channel="email",
                  text="Cảm ơn chị, chúng tôi đã bố trí thêm ghế chờ.")
    assert answer.status_code == 303 and "done=reply" in answer.location
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    db.session.refresh(message), db.session.refresh(case)
    assert message.state is OutboxState.sent and case.status is CaseStatus.replied
    (written,) = (Path(app.instance_path) / "outbox").iterdir()
    assert "lan@example.org" in written.read_text(encoding="utf-8")
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "Sent" in html and "l***@example.org" in html and "lan@example.org" not in html


def test_a_handler_removes_personal_data_from_a_comment(handler_client, db, case_at):
    case = case_at(comment="Tôi là Nguyễn Văn A, số 0988777666")
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "Remove personal data from the comment" in html
    assert post(handler_client, f"/admin/inbox/{case.id}/redact", text=" ").status_code == 422
    answer = post(handler_client, f"/admin/inbox/{case.id}/redact", text="Tôi là [tên], số [...]")
    assert answer.status_code == 303
    html = page(handler_client, f"/admin/inbox/{case.id}?lang=en")
    assert "0988777666" not in html and "Tôi là [tên], số [...]" in html
    assert "Personal data removed from the comment" in html
