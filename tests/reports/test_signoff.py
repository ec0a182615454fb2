"""Versions and sign-off: draft → submitted → approved (frozen) or returned; new figures
after approval make v2 with a change log; every export in the audit log."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, ReportStatus, ReportVersion
from survey.services.audit import CLI, Action, Actor
from survey.services.errors import ServiceError
from survey.services.reporting.index import configured
from survey.services.reports import signoff
from survey.services.reports.model import Report
from tests.index.conftest import IN_Q3



def make(app, db, period="2026-Q3"):
    return signoff.generate(db.session, "NA", period, CLI, configured(app.config))


def test_first_generation_is_v1_draft_and_again_unchanged(app, db, seeded):
    first = make(app, db)
    assert first.outcome == "created" and first.version.number == 1
    assert first.version.status is ReportStatus.draft and first.version.change_log == []
    assert first.version.figures_sha256 == Report.from_json(first.version.figures).figures_sha256()
    again = make(app, db)
    assert again.outcome == "unchanged" and again.version.id == first.version.id


def test_approval_freezes_files_and_late_data_make_v2(app, db, seeded, make_response, tree,
                                                      people):
    version = make(app, db).version
    signoff.submit(db.session, version, CLI)
    with pytest.raises(ServiceError):  # submitted: no regeneration behind the approver
        make(app, db)
    signoff.approve(db.session, version, people["approver"])
    assert version.status is ReportStatus.approved
    assert version.approved_by == people["approver"].label and not version.self_approved
    stored = {f.format: f for f in version.files}
    assert set(stored) == {"xlsx", "csv", "pdf"}
    for f in stored.values():
        assert hashlib.sha256(f.content).hexdigest() == f.sha256
        assert f.name.startswith("BHTN_HaiLong_NA_2026-Q3_v1.")
    frozen = stored["xlsx"].content
    # A kiosk's late upload for the quarter arrives after approval.
    make_response(tree["NA-VINH-Q1"], submitted_at=IN_Q3 + dt.timedelta(days=3),
                  answers={"overall": 1})
    db.session.flush()
    second = make(app, db)
    assert second.outcome == "created" and second.version.number == 2
    assert second.version.status is ReportStatus.draft
    cells = {(c["sheet"], c["row"], c["column"]) for c in second.version.change_log}
    assert ("TongHop", "NA", "responses") in cells
    assert version.status is ReportStatus.approved  # v1 untouched, its file the same
    name, content = signoff.export(db.session, version, "xlsx", CLI)
    assert content == frozen and name.endswith("_v1.xlsx")


def test_returned_then_corrected_then_submitted(app, db, seeded, people):
    version = make(app, db).version
    with pytest.raises(ServiceError):
        signoff.approve(db.session, version, people["approver"])  # not submitted yet
    signoff.submit(db.session, version, CLI)
    with pytest.raises(ServiceError):
        signoff.return_for_correction(db.session, version, people["approver"], "  ")
    signoff.return_for_correction(db.session, version, people["approver"],
                                  "Thiếu chi nhánh Vinh")
    assert version.status is ReportStatus.returned and version.return_reason
    again = make(app, db)
    assert again.version.id == version.id and again.outcome == "unchanged"
    signoff.submit(db.session, version, CLI)
    assert version.status is ReportStatus.submitted


def test_every_export_is_logged_with_its_digest(app, db, seeded):
    version = make(app, db).version
    name, content = signoff.export(db.session, version, "csv", Actor(None, "analyst"))
    assert name == "BHTN_HaiLong_NA_2026-Q3_v1.zip"
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.REPORT_EXPORTED)).one()
    assert event.actor_label == "analyst" and event.detail["format"] == "csv"
    assert event.detail["sha256"] == hashlib.sha256(content).hexdigest()
    assert event.detail["period"] == "2026-Q3" and event.detail["version"] == 1
    with pytest.raises(ServiceError):
        signoff.export(db.session, version, "docx", CLI)


def test_the_annual_narrative_is_editable_before_submission(app, db, seeded):
    version = make(app, db, "2026").version
    sha = version.figures_sha256
    signoff.edit_narrative(db.session, version, "Đoạn một.\n\nĐoạn hai.", CLI)
    report = Report.from_json(version.figures)
    assert report.narrative == ["Đoạn một.", "Đoạn hai."] and report.narrative_edited
    assert version.figures_sha256 == sha == report.figures_sha256()
    assert make(app, db, "2026").outcome == "unchanged"  # the edit survives regeneration
    assert Report.from_json(version.figures).narrative == ["Đoạn một.", "Đoạn hai."]
    with pytest.raises(ServiceError):
        signoff.edit_narrative(db.session, version, "", CLI)
    signoff.submit(db.session, version, CLI)
    with pytest.raises(ServiceError):
        signoff.edit_narrative(db.session, version, "Muộn.", CLI)
    quarterly = make(app, db).version
    with pytest.raises(ServiceError):
        signoff.edit_narrative(db.session, quarterly, "Không có.", CLI)


def test_the_tracker_and_the_deadline(app, db, seeded):
    from survey.services.accounts.scope import Scope

    make(app, db)
    rows = signoff.tracker(db.session, "2026-Q3", Scope(everything=True))
    states = {row.unit.code: row.state for row in rows}
    assert states["NA"] == "draft" and states["NA-DC"] == "not_reported"
    assert "NA-VINH-Q1" not in states  # counters do not report
    days, due = signoff.days_to_deadline(dt.datetime(2026, 12, 3, 5, tzinfo=dt.timezone.utc))
    assert (days, due) == (12, dt.date(2026, 12, 15))
    days, due = signoff.days_to_deadline(dt.datetime(2026, 12, 20, 5, tzinfo=dt.timezone.utc))
    assert due == dt.date(2027, 12, 15)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 1
