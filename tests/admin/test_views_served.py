"""/admin/served: upload, preview with per-line errors, confirm (audited as the CLI does)."""
from __future__ import annotations

import sqlalchemy as sa

from survey.models import AuditEvent, ServedCount

from .conftest import sign_in_as
from .test_views_units import DATA, PRINT, hidden, post, upload

CSV = "period,unit,service,count\n2026-11,NA-VINH,,1250\n2026-11,NA-DEMO1,ui_apply,80\n"


def test_page_and_permissions(admin_client, client, make_user):
    assert admin_client.get("/admin/served").status_code == 200
    sign_in_as(client, make_user("m@example.org", "manager", "NA-VINH"))
    assert client.get("/admin/served").status_code == 403


def test_preview_then_confirm_writes_exactly_the_preview(admin_client, db, count_rows):
    events = count_rows(AuditEvent)
    answer = upload(admin_client, "/admin/served?lang=en", CSV.encode())
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "New: 2. Changed: 0." in html
    assert count_rows(ServedCount) == 0 and count_rows(AuditEvent) == events
    done = post(admin_client, "/admin/served/confirm?lang=en", payload=hidden(DATA, html),
                fingerprint=hidden(PRINT, html))
    assert done.status_code == 200 and "2 new, 0 changed" in done.get_data(as_text=True)
    assert sorted((r.period, r.count) for r in db.session.scalars(sa.select(ServedCount))) \
        == [("2026-11", 80), ("2026-11", 1250)]
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="served.imported"))
    assert event.actor_label == "admin@example.org"
    assert event.detail == {"inserted": 2, "updated": 0, "unchanged": 0}
    again = upload(admin_client, "/admin/served?lang=en",
                   CSV.replace("1250", "1300").encode()).get_data(as_text=True)
    assert "Changed: 1. Unchanged: 1." in again and "<del>1250</del>" in again


def test_bad_lines_are_shown_each_and_nothing_is_written(admin_client, count_rows):
    events = count_rows(AuditEvent)
    content = ("period,unit,service,count\n2026-13,NA-VINH,,5\n2026-11,NOWHERE,,5\n"
               "2026-11,NA-VINH,,-1\n2026-11,NA-VINH,,7\n").encode()
    answer = upload(admin_client, "/admin/served?lang=en", content)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert all(f'href="#line-{n}"' in html for n in (2, 3, 4))
    assert 'href="#line-5"' not in html and "unknown unit code" in html
    assert 'name="fingerprint"' not in html
    assert count_rows(ServedCount) == 0 and count_rows(AuditEvent) == events


def test_non_utf8_missing_csrf_and_tampering_write_nothing(admin_client, count_rows):
    events = count_rows(AuditEvent)
    answer = upload(admin_client, "/admin/served?lang=en", CSV.replace(
        "period", "kỳ,period").encode("utf-16"))
    assert answer.status_code == 422 and "UTF-8" in answer.get_data(as_text=True)
    import base64
    assert admin_client.post("/admin/served/confirm", data={
        "payload": base64.b64encode(CSV.encode()).decode()}).status_code == 400
    assert post(admin_client, "/admin/served/confirm",
                payload=base64.b64encode(CSV.encode()).decode(),
                fingerprint="0" * 64).status_code == 409
    assert count_rows(ServedCount) == 0 and count_rows(AuditEvent) == events
