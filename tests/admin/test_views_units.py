"""/admin/units: the scoped tree, add/rename/(de)activate, the CSV import with preview."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Unit, UnitKind

from .conftest import csrf_token, sign_in_as

GOOD_CSV = ("code,parent_code,kind,name_vi,name_en,active\n"
            "NA-VINH-Q4,NA-VINH,counter,Quầy 4,Counter 4,1\n"
            "NA-VINH-Q1,NA-VINH,counter,Quầy số 1,Counter 1,1\n"
            "NA-VINH-Q2,NA-VINH,counter,Quầy 2 (thử nghiệm),Counter 2 (trial),1\n")
DATA = re.compile(r'name="payload"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="payload"')
PRINT = re.compile(r'name="fingerprint"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="fingerprint"')


def post(client, path: str, data=None, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **fields,
                                   **(data or {})}, content_type="multipart/form-data")


def upload(client, path: str, content: bytes, name: str = "units.csv"):
    import io
    return post(client, path, data={"file": (io.BytesIO(content), name)})


def unit(db, code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).filter_by(code=code))


def hidden(pattern, html: str) -> str:
    found = pattern.search(html)
    assert found
    return found.group(1) or found.group(2)


def test_tree_shows_only_the_scope(client, make_user):
    sign_in_as(client, make_user("v@example.org", "viewer", "NA-DEMO1"))
    html = client.get("/admin/units?lang=en").get_data(as_text=True)
    assert "NA-DEMO1-Q1" in html and "NA-DEMO1-Q2" in html
    assert "NA-DEMO2" not in html and "NA-VINH-Q1" not in html
    assert "Import units" not in html
    page = client.get("/admin/units/NA-DEMO1").get_data(as_text=True)
    assert 'href="/admin/units/NA-DEMO1-Q1"' in page and 'href="/admin/units/NA-VINH"' not in page
    assert "Rename" not in page and "deactivate" not in page
    assert client.get("/admin/units/NA-DEMO1-Q1").status_code == 200
    assert client.get("/admin/units/NA-DEMO2-Q1").status_code == 404
    assert client.get("/admin/units/NOWHERE").status_code == 404
    assert post(client, "/admin/units/NA-DEMO1-Q1/deactivate").status_code == 403


def test_admin_sees_the_whole_tree_in_vietnamese(admin_client):
    html = admin_client.get("/admin/units").get_data(as_text=True)
    assert "NA-DEMO2-Q1" in html and "Quầy" in html and 'lang="vi"' in html


def test_add_rename_deactivate_activate_are_audited(admin_client, db):
    answer = post(admin_client, "/admin/units/NA-VINH/children", **{
        "new-code": "na-vinh-q9", "new-kind": "counter", "new-name_vi": "Quầy 9",
        "new-name_en": "Counter 9"})
    assert answer.status_code == 303 and answer.location.endswith("/admin/units/NA-VINH-Q9")
    added = unit(db, "NA-VINH-Q9")
    assert (added.kind, added.parent.code, added.active) == (UnitKind.counter, "NA-VINH", True)
    assert post(admin_client, "/admin/units/NA-VINH-Q9/rename", **{
        "rename-name_vi": "Quầy chín", "rename-name_en": ""}).status_code == 303
    assert post(admin_client, "/admin/units/NA-VINH-Q9/deactivate").status_code == 303
    db.session.refresh(added)
    assert (added.name_vi, added.active) == ("Quầy chín", False)
    assert post(admin_client, "/admin/units/NA-VINH-Q9/activate").status_code == 303
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.unit_id == added.id).order_by(AuditEvent.id)))
    assert actions == ["unit.created", "unit.renamed", "unit.deactivated", "unit.activated"]


@pytest.mark.parametrize("fields,errors", [
    ({"new-code": "", "new-kind": "", "new-name_vi": ""}, {"new-code", "new-kind", "new-name_vi"}),
    ({"new-code": "NA-VINH-Q1", "new-kind": "counter", "new-name_vi": "x"}, {"new-code"}),
    ({"new-code": "BAD CODE", "new-kind": "counter", "new-name_vi": "x"}, {"new-code"}),
    ({"new-code": "NA-X", "new-kind": "province", "new-name_vi": "x"}, {"new-kind"}),
    ({"new-code": "NA-X", "new-kind": "counter", "new-name_vi": "x" * 201}, {"new-name_vi"}),
])
def test_bad_new_units_are_refused_next_to_the_field(admin_client, count_rows, fields, errors):
    before = count_rows(Unit), count_rows(AuditEvent)
    answer = post(admin_client, "/admin/units/NA-VINH/children", **fields)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert {f for f in ("new-code", "new-kind", "new-name_vi") if f'id="{f}-error"' in html} \
        == errors
    assert 'href="#' + sorted(errors)[0] in html  # the summary links to the field
    assert (count_rows(Unit), count_rows(AuditEvent)) == before


def test_bad_rename_and_missing_csrf_write_nothing(admin_client, db, count_rows):
    events = count_rows(AuditEvent)
    answer = post(admin_client, "/admin/units/NA-VINH-Q1/rename", **{"rename-name_vi": " "})
    assert answer.status_code == 422 and 'id="rename-name_vi-error"' in answer.get_data(
        as_text=True)
    assert admin_client.post("/admin/units/NA-VINH-Q1/deactivate").status_code == 400
    assert admin_client.post("/admin/units/NA-VINH-Q1/rename",
                             data={"rename-name_vi": "X"}).status_code == 400
    assert unit(db, "NA-VINH-Q1").active and unit(db, "NA-VINH-Q1").name_vi != "X"
    assert count_rows(AuditEvent) == events


def test_a_unit_under_an_inactive_one_cannot_be_activated(admin_client, db):
    assert post(admin_client, "/admin/units/NA-DEMO1/deactivate").status_code == 303
    assert post(admin_client, "/admin/units/NA-DEMO1-Q1/deactivate").status_code == 303
    assert post(admin_client, "/admin/units/NA-DEMO1-Q1/activate").status_code == 409
    assert not unit(db, "NA-DEMO1-Q1").active


def test_import_preview_writes_nothing_then_confirm_writes_what_was_previewed(
        admin_client, db, count_rows):
    before = count_rows(Unit), count_rows(AuditEvent)
    answer = upload(admin_client, "/admin/units/import?lang=en", GOOD_CSV.encode())
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "New: 1. Changed: 1. Unchanged: 1." in html
    assert "<del>Quầy 1 (thử nghiệm)</del> → <ins>Quầy số 1</ins>" in html
    assert (count_rows(Unit), count_rows(AuditEvent)) == before
    assert unit(db, "NA-VINH-Q1").name_vi == "Quầy 1 (thử nghiệm)"
    confirmed = post(admin_client, "/admin/units/import/confirm?lang=en",
                     payload=hidden(DATA, html), fingerprint=hidden(PRINT, html))
    assert confirmed.status_code == 200
    assert "1 new, 1 changed, 1 unchanged" in confirmed.get_data(as_text=True)
    assert count_rows(Unit) == before[0] + 1
    assert unit(db, "NA-VINH-Q1").name_vi == "Quầy số 1"
    assert unit(db, "NA-VINH-Q4").parent.code == "NA-VINH"
    assert db.session.scalar(sa.select(AuditEvent.detail).filter_by(
        action="units.imported")) == {"created": 1, "updated": 1, "unchanged": 1}


def test_confirm_refuses_when_the_data_changed_since_the_preview(admin_client, db, count_rows):
    html = upload(admin_client, "/admin/units/import", GOOD_CSV.encode()).get_data(as_text=True)
    unit(db, "NA-VINH-Q1").name_vi = "Đổi trong lúc chờ"
    db.session.commit()
    units = count_rows(Unit)
    answer = post(admin_client, "/admin/units/import/confirm", payload=hidden(DATA, html),
                  fingerprint=hidden(PRINT, html))
    assert answer.status_code == 409 and count_rows(Unit) == units
    assert post(admin_client, "/admin/units/import/confirm", payload="not base64!",
                fingerprint="x").status_code == 422
    assert count_rows(Unit) == units


@pytest.mark.parametrize("content,message", [
    ("code,parent_code,kind,name_vi\nNA-X,NOWHERE,counter,Quầy\n".encode(),
     "unknown parent NOWHERE"),
    ("code,kind\nNA-X,counter\n".encode(), "required column missing"),
    ("code,parent_code,kind,name_vi\nNA-X,NA,centre,Quầy\n".encode("utf-16"), "UTF-8"),
    ("code,parent_code,kind,name_vi\nNA-X,NA,centre,Trung tâm Hà\n".encode("cp1258"), "UTF-8"),
    (b"", "empty"),
])
def test_bad_files_show_per_line_errors_and_write_nothing(admin_client, count_rows, content,
                                                          message):
    before = count_rows(Unit), count_rows(AuditEvent)
    answer = upload(admin_client, "/admin/units/import?lang=en", content)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert 'name="fingerprint"' not in answer.get_data(as_text=True)
    assert (count_rows(Unit), count_rows(AuditEvent)) == before


def test_per_line_errors_name_both_lines(admin_client):
    content = "code,parent_code,kind,name_vi\nNA-X,NA-VINH,shop,Quầy\nna x,NA,centre,\n"
    html = upload(admin_client, "/admin/units/import?lang=en", content.encode()) \
        .get_data(as_text=True)
    assert 'href="#line-2"' in html and 'href="#line-3"' in html
    assert 'id="line-2" class="bad"' in html and "invalid kind" in html


def test_too_large_and_missing_files_are_refused(admin_client, monkeypatch):
    monkeypatch.setattr("survey.admin.data_forms.MAX_UPLOAD", 2048)
    answer = upload(admin_client, "/admin/units/import?lang=en",
                    b"code,kind,name_vi\n" + b"x" * 2048)
    assert answer.status_code == 422 and "too large (2 KB at most)" in answer.get_data(
        as_text=True)
    answer = post(admin_client, "/admin/units/import")
    assert answer.status_code == 422 and 'id="file-error"' in answer.get_data(as_text=True)


def test_the_cli_import_is_audited_too(runner, db, tmp_path, demo):
    path = tmp_path / "units.csv"
    path.write_text(GOOD_CSV, "utf-8")
    result = runner.invoke(args=["survey", "units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(AuditEvent.actor_label).filter_by(
        action="units.imported")) == "cli"
