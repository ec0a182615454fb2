"""/admin/print: QR posters and receipt slips, the CLI's bytes, audited as exports."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, ReceiptCode
from survey.services import catalogue

from .conftest import csrf_token, sign_in_as


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


@pytest.fixture
def manager_client(client, make_user):
    sign_in_as(client, make_user("m@example.org", "manager", "NA-DEMO1"))
    return client


@pytest.fixture
def service(db, demo) -> str:
    return catalogue.active_services(db.session)[0].code


def test_the_page_offers_the_units_in_scope_sizes_and_services(manager_client, service):
    html = manager_client.get("/admin/print?lang=en").get_data(as_text=True)
    assert 'value="NA-DEMO1-Q1"' in html and 'value="NA-DEMO2"' not in html
    assert 'value="a5"' in html and f'value="{service}"' in html


def test_posters_are_the_bytes_the_cli_writes(manager_client, app, db, service, tmp_path):
    answer = post(manager_client, "/admin/print/posters", **{
        "poster-unit": "NA-DEMO1", "poster-service": service, "poster-size": "a5",
        "poster-lang": "en"})
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    assert answer.headers["Content-Disposition"] == \
        f'attachment; filename="posters-NA-DEMO1-{service}-a5.html"'
    out = tmp_path / "p.html"
    result = app.test_cli_runner().invoke(args=[
        "survey", "posters", "--unit", "NA-DEMO1", "--service", service, "--size", "a5",
        "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert answer.data == out.read_bytes() and len(answer.data) > 1000
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="export.downloaded"))
    assert event.actor_label == "m@example.org" and event.detail["kind"] == "posters"


def test_receipt_slips_issue_the_codes_they_print(manager_client, db, service, count_rows):
    answer = post(manager_client, "/admin/print/receipts", **{
        "receipt-unit": "NA-DEMO1-Q1", "receipt-service": service, "receipt-count": "12",
        "receipt-lang": "vi"})
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "receipt-slips-NA-DEMO1-Q1-" in answer.headers["Content-Disposition"]
    codes = db.session.scalars(sa.select(ReceiptCode.code)).all()
    assert len(codes) == 12
    html = answer.get_data(as_text=True)
    assert all(f"{code[:4]} {code[4:]}" in html for code in codes)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="export.downloaded"))
    assert event.detail == {"kind": "receipt_slips", "service": service, "count": 12,
                            "lang": "vi"}


@pytest.mark.parametrize("path,form,field", [
    ("posters", {"poster-unit": ""}, "poster-unit"),
    ("posters", {"poster-unit": "NA-DEMO1", "poster-size": "a3"}, "poster-size"),
    ("posters", {"poster-unit": "NA-DEMO1", "poster-size": "a4", "poster-service": "NOPE"},
     "poster-service"),
    ("receipts", {"receipt-unit": "NA-DEMO1", "receipt-service": "", "receipt-count": "5"},
     "receipt-service"),
    ("receipts", {"receipt-unit": "NA-DEMO1", "receipt-count": "0"}, "receipt-count"),
    ("receipts", {"receipt-unit": "NA-DEMO1", "receipt-count": "1001"}, "receipt-count"),
    ("receipts", {"receipt-unit": "NA-DEMO1", "receipt-count": "mười"}, "receipt-count"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
        manager_client, count_rows, service, path, form, field):
    events = count_rows(AuditEvent)
    form = {"receipt-service": service, "receipt-lang": "vi", "poster-lang": "vi", **form}
    answer = post(manager_client, f"/admin/print/{path}", **form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in html and "Vui lòng kiểm tra" in html
    assert count_rows(ReceiptCode) == 0 and count_rows(AuditEvent) == events


def test_units_outside_the_scope_are_not_found(manager_client, count_rows, service):
    events = count_rows(AuditEvent)
    assert post(manager_client, "/admin/print/posters", **{
        "poster-unit": "NA-DEMO2", "poster-size": "a4", "poster-lang": "vi"}).status_code == 404
    assert post(manager_client, "/admin/print/receipts", **{
        "receipt-unit": "NA-DEMO2-Q1", "receipt-service": service, "receipt-count": "5",
        "receipt-lang": "vi"}).status_code == 404
    assert count_rows(ReceiptCode) == 0 and count_rows(AuditEvent) == events


def test_csrf_is_needed(manager_client, count_rows, service):
    answer = manager_client.post("/admin/print/receipts", data={
        "receipt-unit": "NA-DEMO1", "receipt-service": service, "receipt-count": "5",
        "receipt-lang": "vi"})
    assert answer.status_code == 400 and count_rows(ReceiptCode) == 0
