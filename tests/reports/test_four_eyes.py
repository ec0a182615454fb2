"""Four eyes on the sign-off: whoever generated, edited or submitted a version may not
approve it; with the rule off (a one-person centre) their approval is marked
self-approved in the version, its files and the audit log."""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, ReportStatus
from survey.services import accounts
from survey.services.accounts.scope import Scope
from survey.services.audit import CLI, Action, Actor
from survey.services.errors import ServiceError
from survey.services.reporting.index import configured
from survey.services.reports import signoff


def make(app, db, actor, period="2026-Q3"):
    return signoff.generate(db.session, "NA", period, actor, configured(app.config))


def info(version, fmt="xlsx") -> dict[str, str]:
    content = next(f.content for f in version.files if f.format == fmt)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["ThongTin"]
    return {row[0]: row[2] for row in sheet.iter_rows(min_row=3, values_only=True)}


def test_the_preparer_and_the_submitter_may_not_approve(app, db, people):
    manager, approver = people["manager"], people["approver"]
    version = make(app, db, approver).version  # the province prepares it ...
    signoff.submit(db.session, version, manager)  # ... the centre submits it
    for who in (manager, approver):
        with pytest.raises(signoff.FourEyesError):
            signoff.approve(db.session, version, who)
    assert version.status is ReportStatus.submitted and version.files == []
    assert (version.prepared_by_id, version.submitted_by_id) == (approver.user_id,
                                                                 manager.user_id)
    third, _token = accounts.create_user(db.session, "third@example.org", "admin", "NA", CLI)
    signoff.approve(db.session, version, Actor.of(third))
    assert version.status is ReportStatus.approved and version.approved_by_id == third.id
    assert not version.self_approved and info(version)["approved_by"] == "third@example.org"


def test_editing_the_narrative_makes_a_preparer_an_unchanged_run_does_not(app, db, people):
    manager, approver = people["manager"], people["approver"]
    version = make(app, db, CLI, "2026").version
    assert make(app, db, approver, "2026").outcome == "unchanged"
    assert signoff.preparers(db.session, version) == set()
    signoff.edit_narrative(db.session, version, "Đoạn một.", manager)
    signoff.submit(db.session, version, CLI)
    assert signoff.preparers(db.session, version) == {manager.user_id}
    with pytest.raises(signoff.FourEyesError):
        signoff.approve(db.session, version, manager)
    signoff.approve(db.session, version, approver)
    assert version.status is ReportStatus.approved


def test_the_command_line_cannot_approve_with_four_eyes(app, db, people):
    version = make(app, db, people["manager"]).version
    signoff.submit(db.session, version, people["manager"])
    with pytest.raises(signoff.FourEyesError) as refused:
        signoff.approve(db.session, version, CLI)
    assert isinstance(refused.value, ServiceError) and version.approved_at is None


def test_returning_is_open_to_the_preparer(app, db, people):
    manager = people["manager"]
    version = make(app, db, manager).version
    signoff.submit(db.session, version, manager)
    signoff.return_for_correction(db.session, version, manager, "Tôi cần sửa lại")
    assert version.status is ReportStatus.returned


def test_without_four_eyes_a_self_approval_is_marked_everywhere(app, db, people):
    manager = people["manager"]
    version = make(app, db, manager).version
    signoff.submit(db.session, version, manager)
    signoff.approve(db.session, version, manager, four_eyes=False)
    assert version.status is ReportStatus.approved and version.self_approved
    assert info(version)["approved_by"] != manager.label  # the label says self-approved
    assert info(version)["approved_by"].startswith(manager.label)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.REPORT_APPROVED)).one()
    assert event.detail["self_approved"] is True and event.actor_user_id == manager.user_id
    # The frozen file and a file made again from the version say the same.
    header = signoff.header_of(version)
    assert header.approved_by == info(version)["approved_by"]
    rows = {r.unit.code: r for r in signoff.tracker(db.session, "2026-Q3",
                                                     Scope(everything=True))}
    assert rows["NA"].label == signoff.SELF_APPROVED_NAME
