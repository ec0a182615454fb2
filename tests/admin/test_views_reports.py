"""/admin/reports: tracker, generate, download, submit, approve or return, narrative,
microdata; each step for the roles and units the permission table allows."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import sqlalchemy as sa

from survey.models import AuditEvent, ReportStatus, ReportVersion
from tests.index.conftest import seeded, tree  # noqa: F401  (fixtures)

from .conftest import csrf_token, sign_in_as


def post(client, path, **data):
    data.setdefault("csrf_token", csrf_token(client, "/admin/reports/NA-VINH?period=2026-Q3"))
    return client.post(path, data=data)


def test_a_manager_generates_downloads_and_submits_but_cannot_approve(
        client, db, make_user, seeded):  # noqa: F811
    manager = make_user("m@example.org", "manager", "NA-VINH")
    sign_in_as(client, manager)
    tracker = client.get("/admin/reports?period=2026-Q3").get_data(as_text=True)
    assert "NA-VINH" in tracker and "chưa báo cáo" in tracker and "NA-DC" not in tracker
    assert "15/12/" in tracker
    assert client.get("/admin/reports/NA-DC?period=2026-Q3").status_code == 404
    answer = post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    assert answer.status_code == 303
    page = client.get(answer.location).get_data(as_text=True)
    assert "Đã tạo một phiên bản mới" in page and "v1" in page
    download = client.get("/admin/reports/NA-VINH?period=2026-Q3&version=1&format=xlsx")
    assert download.status_code == 200
    assert 'filename="BHTN_HaiLong_NA-VINH_2026-Q3_v1.xlsx"' in download.headers[
        "Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    assert book["TongHop"]["A3"].value == "NA-VINH"
    assert post(client, "/admin/reports/NA-VINH/submit", period="2026-Q3",
                version="1").status_code == 303
    assert post(client, "/admin/reports/NA-VINH/approve", period="2026-Q3",
                version="1").status_code == 403
    assert client.get("/admin/reports/NA-VINH/microdata?period=2026-Q3").status_code == 403
    version = db.session.scalars(sa.select(ReportVersion)).one()
    assert version.status is ReportStatus.submitted and version.submitted_by == "m@example.org"
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"report.generated", "report.exported", "report.submitted"} <= actions


def test_the_province_approves_or_returns(client, db, make_user, admin, seeded):  # noqa: F811
    manager = make_user("m@example.org", "manager", "NA-VINH")
    sign_in_as(client, manager)
    post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    post(client, "/admin/reports/NA-VINH/submit", period="2026-Q3", version="1")
    sign_in_as(client, admin)
    empty = post(client, "/admin/reports/NA-VINH/return", period="2026-Q3", version="1",
                 reason="")
    assert empty.status_code == 422 and "Hãy nêu nội dung cần sửa" in empty.get_data(True)
    assert post(client, "/admin/reports/NA-VINH/return", period="2026-Q3", version="1",
                reason="Bổ sung số lượt phục vụ").status_code == 303
    sign_in_as(client, manager)
    assert post(client, "/admin/reports/NA-VINH/submit", period="2026-Q3",
                version="1").status_code == 303
    sign_in_as(client, admin)
    assert post(client, "/admin/reports/NA-VINH/approve", period="2026-Q3",
                version="1").status_code == 303
    version = db.session.scalars(sa.select(ReportVersion)).one()
    assert version.status is ReportStatus.approved and len(version.files) == 3
    page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "tệp đã khóa" in page and "đã duyệt" in page
    again = post(client, "/admin/reports/NA-VINH/approve", period="2026-Q3", version="1")
    assert again.status_code == 409  # already approved: refused, nothing changed


def test_bad_input_is_refused_with_a_message(client, db, make_user, seeded):  # noqa: F811
    sign_in_as(client, make_user("m@example.org", "manager", "NA-VINH"))
    bad = post(client, "/admin/reports/NA-VINH/generate", period="2026-13")
    assert bad.status_code == 422 and "Hãy nhập một quý" in bad.get_data(as_text=True)
    year = post(client, "/admin/reports/NA-VINH/generate", period="2026")
    assert year.status_code == 303
    assert client.get("/admin/reports?period=abc").status_code == 422
    for path in ("/admin/reports/NA-VINH?period=2026-Q9", "/admin/reports/NA/microdata?period=x"):
        page = client.get(path)
        assert page.status_code in (403, 422)
        if page.status_code == 422:
            assert "Hãy nhập một quý" in page.get_data(as_text=True)
    wrong = client.get("/admin/reports/NA-VINH?period=2026-Q3&version=1&format=doc")
    assert wrong.status_code == 400
    assert client.get("/admin/reports/NA-VINH?period=2026-Q3&version=9&format=xlsx"
                      ).status_code == 404
    assert post(client, "/admin/reports/NA-VINH/submit", period="2026-Q3",
                version="x").status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 1


def test_viewers_download_microdata_without_contacts(client, db, make_user, seeded):  # noqa: F811
    viewer = make_user("v@example.org", "viewer", "NA")
    sign_in_as(client, viewer)
    assert post(client, "/admin/reports/NA/generate", period="2026-Q3").status_code == 403
    answer = client.get("/admin/reports/NA/microdata?period=2026-Q3")
    assert answer.status_code == 200
    early = client.get("/admin/reports/NA/microdata?period=1999")
    assert early.status_code == 422 and early.mimetype == "text/html"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert archive.namelist() == ["responses.csv", "served.csv", "units.csv",
                                  "codebook.csv", "codebook.json"]
    header = archive.read("responses.csv").decode("utf-8-sig").splitlines()[0]
    assert header.startswith("row,unit,day,service,channel,questionnaire,")
    assert not {"comment", "phone", "email", "contact", "id"} & set(header.split(","))
    assert db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "microdata.exported")).one().actor_label == "v@example.org"


def test_generating_shows_the_job_and_a_second_click_finds_it(
        client, db, make_user, seeded):  # noqa: F811
    from survey.models import JobKind, JobStatus, ReportJob, utcnow
    from survey.services import catalogue
    from survey.services.audit import Actor
    from survey.services.reports import jobs

    manager = make_user("m@example.org", "manager", "NA-VINH")
    sign_in_as(client, manager)
    answer = post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    assert answer.status_code == 303 and "/admin/reports/NA-VINH/jobs/" in answer.location
    page = client.get(answer.location).get_data(as_text=True)
    assert 'value="100"' in page and "Đã xong." in page and "format=xlsx" in page
    assert 'http-equiv="refresh"' not in page
    # A job still running (filed by a colleague): the page shows it, a click joins it.
    vinh = catalogue.unit_by_code(db.session, "NA-VINH")
    running, _new = jobs.enqueue(db.session, vinh, "2026-Q3", JobKind.generate,
                                 Actor.of(manager))
    db.session.execute(sa.update(ReportJob).where(ReportJob.id == running.id).values(
        status=JobStatus.running, runner="elsewhere", progress=40, step="unit",
        step_detail="NA-VINH-Q2 (3/5)", heartbeat_at=utcnow()))
    db.session.commit()
    unit_page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "Báo cáo đang được lập." in unit_page and "40 %" in unit_page
    assert "form[action" not in unit_page and "/generate" not in unit_page
    again = post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    assert again.status_code == 303 and f"/jobs/{running.id}" in again.location
    status = client.get(again.location).get_data(as_text=True)
    assert "đang có một công việc" in status and 'value="40"' in status
    assert "Đang tính số liệu của đơn vị NA-VINH-Q2 (3/5)" in status
    assert 'role="status"' in status and 'http-equiv="refresh"' not in status
    auto = client.get(again.location + "&auto=1").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in auto
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportJob)) == 2
    assert client.get(f"/admin/reports/NA-DC/jobs/{running.id}").status_code == 404
    other = make_user("dc@example.org", "manager", "NA-DC")
    sign_in_as(client, other)
    assert client.get(f"/admin/reports/NA-VINH/jobs/{running.id}").status_code == 404


def test_a_failed_job_says_why_on_its_page_and_the_units(client, db, make_user, seeded,
                                                           monkeypatch):  # noqa: F811
    from survey.services.reports import build

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(build._Builder, "report", broken)
    sign_in_as(client, make_user("m@example.org", "manager", "NA-VINH"))
    answer = post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    page = client.get(answer.location).get_data(as_text=True)
    assert "Công việc đã dừng" in page and "Một lỗi ngoài dự kiến" in page
    assert "boom" not in page
    unit_page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "Công việc gần nhất đã dừng" in unit_page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 0


def test_four_eyes_the_preparer_is_not_offered_the_approval(
        client, db, make_user, admin, seeded):  # noqa: F811
    sign_in_as(client, admin)
    post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    post(client, "/admin/reports/NA-VINH/submit", period="2026-Q3", version="1")
    page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "/approve" not in page and "nguyên tắc bốn mắt" in page
    assert "/return" in page  # returning stays open to the preparer
    refused = post(client, "/admin/reports/NA-VINH/approve", period="2026-Q3", version="1")
    assert refused.status_code == 403 and "nguyên tắc bốn mắt" in refused.get_data(True)
    version = db.session.scalars(sa.select(ReportVersion)).one()
    assert version.status is ReportStatus.submitted and not version.files
    second = make_user("province2@example.org", "admin", "NA")
    sign_in_as(client, second)
    page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "/approve" in page and "nguyên tắc bốn mắt" not in page
    answer = post(client, "/admin/reports/NA-VINH/approve", period="2026-Q3", version="1")
    assert answer.status_code == 303 and "/jobs/" in answer.location
    db.session.expire_all()
    version = db.session.scalars(sa.select(ReportVersion)).one()
    assert version.status is ReportStatus.approved and version.approved_by_id == second.id
    assert not version.self_approved


def test_without_four_eyes_a_self_approval_is_marked(app, client, db, make_user, admin,
                                                     seeded):  # noqa: F811
    app.config["REPORT_FOUR_EYES"] = False
    sign_in_as(client, admin)
    post(client, "/admin/reports/NA-VINH/generate", period="2026-Q3")
    post(client, "/admin/reports/NA-VINH/submit", period="2026-Q3", version="1")
    page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "/approve" in page and "sẽ được ghi là tự duyệt" in page
    assert post(client, "/admin/reports/NA-VINH/approve", period="2026-Q3",
                version="1").status_code == 303
    page = client.get("/admin/reports/NA-VINH?period=2026-Q3").get_data(as_text=True)
    assert "tự duyệt" in page and "tệp đã khóa" in page
    tracker = client.get("/admin/reports?period=2026-Q3").get_data(as_text=True)
    assert "đã duyệt (tự duyệt)" in tracker
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "report.approved")).one()
    assert event.detail["self_approved"] is True
