"""/admin/questionnaires: versions, one version's items, publishing from a JSON file."""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Questionnaire
from survey.services import catalogue

from .conftest import sign_in_as
from .test_views_units import post


def publish(client, content: bytes, name: str = "q.json"):
    return post(client, "/admin/questionnaires?lang=en",
                data={"file": (io.BytesIO(content), name)})


def v3() -> dict:
    definition = catalogue.read_data("questionnaire_v2.json")
    definition["version"] = 3
    return definition


def test_list_and_detail(admin_client, client, make_user, questionnaire_v2):
    html = admin_client.get("/admin/questionnaires?lang=en").get_data(as_text=True)
    assert "Version 2" in html and "Version 1" in html and "current" in html
    assert ">on<" in html and ">off<" in html
    detail = admin_client.get("/admin/questionnaires/2").get_data(as_text=True)
    assert "overall" in detail
    assert admin_client.get("/admin/questionnaires/99").status_code == 404
    sign_in_as(client, make_user("m@example.org", "manager", "NA-VINH"))
    page = client.get("/admin/questionnaires")
    assert page.status_code == 200 and 'type="file"' not in page.get_data(as_text=True)
    assert publish(client, json.dumps(v3()).encode()).status_code == 403


def test_publish_is_audited(admin_client, db, questionnaire_v2):
    answer = publish(admin_client, json.dumps(v3()).encode())
    assert answer.status_code == 303 and "/admin/questionnaires/3" in answer.location
    assert catalogue.current_questionnaire(db.session).version == 3
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="questionnaire.published"))
    assert event.actor_label == "admin@example.org" and event.detail["version"] == 3


@pytest.mark.parametrize("content,message", [
    (b"{not json", "not valid JSON"),
    (b"[]", "one JSON object"),
    (json.dumps({"version": "3", "items": []}).encode(), "whole number"),
    (json.dumps({"version": 3, "items": [{"code": "a"}]}).encode(), "vi, en"),
    (json.dumps({"version": 1, "items": [{"code": "a", "vi": "x", "en": "y"}]}).encode(),
     "already exists"),
    (json.dumps({"version": 3, "items": [{"code": "a", "vi": "x", "en": "y"}] * 2}).encode(),
     "duplicate item codes"),
    (json.dumps({"version": 3, "items": [{"code": "a", "vi": "x", "en": "y",
                                          "dimension": "nope"}]}).encode(), "unknown dimensions"),
    ("{\"version\": 3, \"items\": [{\"code\": \"a\", \"vi\": \"Hà\"}]}".encode("cp1258"),
     "not UTF-8"),
    (b"", "empty"),
])
def test_bad_files_are_refused_next_to_the_field(admin_client, count_rows, demo, content,
                                                 message):
    before = count_rows(Questionnaire), count_rows(AuditEvent)
    answer = publish(admin_client, content)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="file-error"' in html and message in html
    assert 'href="#file"' in html
    assert (count_rows(Questionnaire), count_rows(AuditEvent)) == before


def test_publish_without_csrf_is_refused(admin_client, count_rows, demo):
    answer = admin_client.post("/admin/questionnaires", data={
        "file": (io.BytesIO(json.dumps(v3()).encode()), "q.json")})
    assert answer.status_code == 400 and count_rows(Questionnaire) == 1
