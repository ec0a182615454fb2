"""/admin/coverage: the panels within the user's scope, and the CSV import with a preview
(per-line errors, audited changes)."""
from __future__ import annotations

import sqlalchemy as sa

from survey.models import AuditEvent, CoverageCount
from survey.services import audit
from survey.services.coverage import import_coverage_csv

from ..coverage.conftest import csv, line
from .conftest import sign_in_as
from .test_views_units import DATA, PRINT, hidden, post, upload

QUARTER = ("2026-07", "2026-08", "2026-09")


def fill(db):
    import_coverage_csv(db.session, csv(*(line(m, u) for m in QUARTER
                                          for u in ("NA-VINH", "NA-DEMO1", "NA-DEMO2"))),
                        audit.CLI)
    db.session.commit()


def page(client, query: str = "") -> tuple[int, str]:
    answer = client.get(f"/admin/coverage?lang=en&{query}")
    return answer.status_code, answer.get_data(as_text=True)


def test_admin_sees_the_province_with_a_panel_per_centre(admin_client, db):
    fill(db)
    status, html = page(admin_client, "period=2026-Q3")
    assert status == 200
    assert "Nghe An province (NA), 2026-Q3" in html
    assert "Counselled free of charge when they asked" in html
    assert "100.0 %" in html and "Data complete" in html
    assert 'id="p-NA-VINH"' in html  # the centre's panel
    assert "Month by month" in html and "2025-10" in html and "2026-09" in html
    assert "Import coverage counts" in html


def test_a_manager_sees_only_their_subtree(client, db, make_user):
    fill(db)
    sign_in_as(client, make_user("m@example.org", "manager", "NA-DEMO1"))
    status, html = page(client, "period=2026-Q3")
    assert status == 200
    assert "(NA-DEMO1), 2026-Q3" in html
    assert 'value="NA-VINH"' not in html and 'value="NA"' not in html
    assert "Import coverage counts" not in html  # importing is for administrators
    for other in ("NA", "NA-VINH", "NA-DEMO2", "NOPE", "NA-DEMO1-Q1"):
        assert page(client, f"unit={other}&period=2026-Q3")[0] == 404
    assert client.get("/admin/coverage/import").status_code == 403


def test_a_viewer_of_the_centre_gets_its_branches_panels(client, db, make_user):
    fill(db)
    sign_in_as(client, make_user("v@example.org", "viewer", "NA-VINH"))
    status, html = page(client, "period=2026-Q3")
    assert status == 200 and 'id="p-NA-DEMO1"' in html and 'id="p-NA-DEMO2"' in html
    assert 'value="NA"' not in html


def test_feedback_handlers_may_not_see_it(client, make_user):
    sign_in_as(client, make_user("h@example.org", "handler", "NA-VINH"))
    assert client.get("/admin/coverage").status_code == 403


def test_incomplete_data_says_so_without_a_verdict(admin_client, db):
    import_coverage_csv(db.session, csv(line("2026-09", "NA-VINH")), audit.CLI)
    db.session.commit()
    status, html = page(admin_client, "period=2026-09&unit=NA-VINH")
    assert status == 200
    assert "Data incomplete: no verdict." in html and "NA-DEMO1 2026-09" in html
    assert "data incomplete" in html and ">met<" not in html


def test_a_bad_period_is_a_clear_422(admin_client):
    status, html = page(admin_client, "period=2026-Q7")
    assert status == 422 and "2026-Q7" in html


def test_vietnamese_by_default(admin_client, db):
    fill(db)
    html = admin_client.get("/admin/coverage?period=2026-Q3").get_data(as_text=True)
    assert "Chỉ tiêu bao phủ của kế hoạch" in html and "Được tư vấn miễn phí khi có nhu cầu" in html


def test_import_preview_then_confirm(admin_client, db, count_rows):
    data = csv(line("2026-09", "NA-VINH"), line("2026-09", "NA-DEMO1"))
    answer = upload(admin_client, "/admin/coverage/import?lang=en", data, "counts.csv")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "New: 2. Changed: 0." in html
    assert count_rows(CoverageCount) == 0
    done = post(admin_client, "/admin/coverage/import/confirm?lang=en",
                payload=hidden(DATA, html), fingerprint=hidden(PRINT, html))
    assert done.status_code == 200 and "2 new, 0 changed" in done.get_data(as_text=True)
    assert count_rows(CoverageCount) == 2
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="coverage.changed"))
    assert event.actor_label == "admin@example.org"
    changed = upload(admin_client, "/admin/coverage/import?lang=en",
                     csv(line("2026-09", "NA-VINH", placed=25)), "counts.csv")
    assert "Changed: 1." in changed.get_data(as_text=True)
    assert "<del>20</del>" in changed.get_data(as_text=True)


def test_import_shows_each_bad_line_and_saves_nothing(admin_client, count_rows):
    data = csv(line("2026-09", "NA-VINH", counselled=95), line("2026-09", "NOPE"),
               line("2026-09", "NA-DEMO1", applicants=-1), line("2026-09", "na-vinh"))
    answer = upload(admin_client, "/admin/coverage/import?lang=en", data, "counts.csv")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Line 2" in html and "is more than" in html
    assert "Line 3" in html and "NOPE" in html
    assert "Line 4" in html and "-1" in html
    assert "Line 5" in html and "repeats line 2" in html  # though line 2 is itself bad
    assert count_rows(CoverageCount) == 0
