"""``POST /api/v1/responses``: idempotent batches, per-item rejection, auth, versions."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from survey.models import (Channel, Questionnaire, QuestionnaireStatus, Response,
                           ResponseReason, ResponseStatus)
from survey.services import catalogue
from survey.services.devices import kiosks

from .conftest import VN, item, spaced

URL = "/api/v1/responses"


def post(client, auth, items):
    return client.post(URL, json={"responses": items}, headers=auth)


def test_batch_is_stored_with_device_times(client, auth, paired, count_rows, db):
    at = dt.datetime(2026, 5, 4, 9, 15, 2, tzinfo=VN)
    first = item(at, reasons=["long_wait", "attitude"], answers={"overall": 2, "staff_1": None})
    second = item(at + dt.timedelta(minutes=3), locale="en")
    reply = post(client, auth, [first, second])
    assert reply.status_code == 200
    assert reply.get_json() == {"accepted": [first["id"], second["id"]], "duplicates": [],
                                "rejected": []}
    stored = db.session.get(Response, uuid.UUID(first["id"]))
    assert stored.channel is Channel.kiosk and stored.device_id == paired[0].id
    assert stored.unit.code == "NA-VINH-Q3" and stored.service.code == "ui_apply"
    assert stored.submitted_at == at.astimezone(dt.timezone.utc)
    assert stored.received_at > stored.submitted_at
    assert {a.item_code: a.value for a in stored.answers} == {"overall": 2, "staff_1": None}
    assert sorted(r.reason_code for r in stored.reasons) == ["attitude", "long_wait"]
    assert stored.status is ResponseStatus.valid and not stored.partial
    assert count_rows(Response) == 2
    assert paired[0].last_seen_at is not None


def test_repeated_batch_is_acknowledged_as_duplicates(client, auth, count_rows):
    batch = spaced(3)
    assert post(client, auth, batch).status_code == 200
    again = post(client, auth, batch + batch[:1]).get_json()
    ids = [i["id"] for i in batch]
    assert again["accepted"] == [] and again["rejected"] == []
    assert sorted(again["duplicates"]) == sorted(ids + ids[:1])
    assert count_rows(Response) == 3


def test_id_is_echoed_as_sent(client, auth, count_rows):
    upper = item(id=str(uuid.uuid4()).upper())
    assert post(client, auth, [upper]).get_json()["accepted"] == [upper["id"]]


BAD_ITEMS = [
    ({"answers": {"overall": 4, "nope": 3}}, "answers.nope", "unknown_item"),
    ({"answers": {"overall": 6}}, "answers.overall", "out_of_range"),
    ({"answers": {"overall": True}}, "answers.overall", "out_of_range"),
    ({"answers": {"staff_1": 4}}, "answers.overall", "required"),
    ({"answers": {}}, "answers", "required"),
    ({"questionnaire_version": 99}, "questionnaire_version", "unknown_version"),
    ({"questionnaire_version": "1"}, "questionnaire_version", "required"),
    ({"submitted_at": "2026-05-04T09:15:02"}, "submitted_at", "offset_required"),
    ({"submitted_at": "yesterday"}, "submitted_at", "not_iso8601"),
    ({"service": "nope"}, "service", "unknown_service"),
    ({"service": None}, "service", "required"),
    ({"locale": "fr"}, "locale", "unknown_locale"),
    ({"reasons": ["long_wait", "bribe"]}, "reasons", "unknown_reason:bribe"),
    ({"reasons": "long_wait"}, "reasons", "invalid"),
    ({"id": "not-a-uuid"}, "id", "not_a_uuid"),
    ({"partial": "yes"}, "partial", "invalid"),
    ({"extra": 1}, "extra", "unknown_field"),
]


@pytest.mark.parametrize("overrides, field, error", BAD_ITEMS)
def test_bad_item_is_rejected_and_the_rest_stored(client, auth, count_rows, overrides, field,
                                                  error):
    good = spaced(2)
    bad = item(**overrides)
    reply = post(client, auth, [good[0], bad, good[1]])
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["accepted"] == [good[0]["id"], good[1]["id"]]
    assert len(body["rejected"]) == 1 and body["rejected"][0]["id"] == bad["id"]
    assert error in body["rejected"][0]["errors"][field]
    assert count_rows(Response) == 2


def test_future_device_time_is_rejected_per_item(client, auth, count_rows):
    soon = item(dt.datetime.now(VN) + dt.timedelta(minutes=2))
    late = item(dt.datetime.now(VN) + dt.timedelta(hours=1))
    body = post(client, auth, [soon, late]).get_json()
    assert body["accepted"] == [soon["id"]]
    assert body["rejected"][0]["errors"]["submitted_at"] == ["in_the_future"]


def test_all_rejected_is_422_and_stores_nothing(client, auth, count_rows):
    reply = post(client, auth, [item(answers={"overall": 0}), "junk", None])
    assert reply.status_code == 422
    body = reply.get_json()
    assert body["accepted"] == [] and len(body["rejected"]) == 3
    assert body["rejected"][1] == {"id": None, "errors": {"": ["not_an_object"]}}
    assert count_rows(Response) == 0 and count_rows(ResponseReason) == 0


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic abc"}])
def test_unknown_token_is_401(client, paired, count_rows, headers):
    reply = client.post(URL, json={"responses": [item()]}, headers=headers)
    assert reply.status_code == 401
    assert reply.get_json()["code"] == "unauthorized"
    assert count_rows(Response) == 0


def test_revoked_token_is_401(client, auth, paired, db, count_rows):
    kiosks.revoke_device(db.session, paired[0].id)
    db.session.commit()
    assert post(client, auth, [item()]).status_code == 401
    assert count_rows(Response) == 0


@pytest.mark.parametrize("body, status, error", [
    ("{not json", 400, "malformed_json"),
    ("[1, 2]", 400, "not_an_object"),
    ('{"responses": {"id": 1}}', 422, "validation_failed"),
    ('{"items": []}', 422, "validation_failed"),
])
def test_malformed_requests_are_4xx(client, auth, count_rows, body, status, error):
    reply = client.post(URL, data=body, content_type="application/json", headers=auth)
    assert reply.status_code == status
    assert reply.get_json()["code"] == error and reply.get_json()["message"]
    if status == 422:
        assert reply.get_json()["error_codes"]["/responses"]
    assert count_rows(Response) == 0


def test_wrong_content_type_is_415(client, auth):
    reply = client.post(URL, data="responses=1", headers=auth)
    assert reply.status_code == 415


def test_batch_over_the_limit_stores_nothing(app, client, auth, count_rows):
    app.config["KIOSK_MAX_BATCH"] = 3
    reply = post(client, auth, spaced(4))
    assert reply.status_code == 413
    assert reply.get_json()["max_batch"] == 3
    assert count_rows(Response) == 0
    assert post(client, auth, spaced(3)).status_code == 200


def test_questionnaire_versions(client, auth, db, count_rows):
    definition = dict(catalogue.read_data("questionnaire_v1.json"), version=2)
    catalogue.load_questionnaire(db.session, definition)
    draft = dict(definition, version=3)
    catalogue.load_questionnaire(db.session, draft, publish=False)
    db.session.commit()
    current = client.get("/api/v1/questionnaire")
    assert current.get_json()["version"] == 2
    v1, v2, v3 = (item(at, questionnaire_version=v) for v, at in zip(
        (1, 2, 3), (dt.datetime.now(VN) - dt.timedelta(minutes=m) for m in (30, 20, 10))))
    body = post(client, auth, [v1, v2, v3]).get_json()
    assert body["accepted"] == [v1["id"], v2["id"]]
    assert body["rejected"][0]["errors"]["questionnaire_version"] == ["unknown_version"]
    versions = db.session.execute(sa.select(Questionnaire.version).join(
        Response, Response.questionnaire_id == Questionnaire.id)).scalars()
    assert sorted(versions) == [1, 2]
    # A retired version's responses still arrive from kiosks that were offline.
    db.session.scalar(sa.select(Questionnaire).filter_by(version=1)).status = (
        QuestionnaireStatus.retired)
    db.session.commit()
    assert post(client, auth, [item(questionnaire_version=1)]).status_code == 200


def test_questionnaire_gives_what_a_kiosk_needs_and_is_cacheable(client, demo):
    reply = client.get("/api/v1/questionnaire")
    body = reply.get_json()
    assert body["version"] == 1
    assert [i["code"] for i in body["items"]][:2] == ["overall", "access_1"]
    assert body["items"][0]["dimension"] is None and body["items"][0]["required"] is True
    assert {s["code"] for s in body["services"]} >= {"ui_apply", "job_referral"}
    assert {r["code"] for r in body["reasons"]} >= {"long_wait", "attitude"}
    assert [d["code"] for d in body["dimensions"]][0] == "access"
    etag = reply.headers["ETag"]
    assert client.get("/api/v1/questionnaire", headers={"If-None-Match": etag}
                      ).status_code == 304


def test_new_id_twice_in_one_batch_is_stored_once(client, auth, count_rows):
    first, *rest = spaced(3)
    body = post(client, auth, [first, *rest, first]).get_json()
    assert sorted(body["accepted"]) == sorted(i["id"] for i in [first, *rest])
    assert body["duplicates"] == [first["id"]] and body["rejected"] == []
    assert count_rows(Response) == 3


def test_questionnaire_missing_is_404(client, db):
    reply = client.get("/api/v1/questionnaire")
    assert reply.status_code == 404 and reply.get_json()["code"] == "no_questionnaire"


def test_id_of_another_device_is_not_taken_over(client, auth, db, demo, count_rows):
    other, code = kiosks.add_device(db.session, "NA-VINH-Q1", "Quầy 1")
    _, other_token = kiosks.pair_device(db.session, code)
    db.session.commit()
    shared = item()
    assert post(client, auth, [shared]).get_json()["accepted"] == [shared["id"]]
    body = post(client, {"Authorization": f"Bearer {other_token}"}, [shared]).get_json()
    assert body["rejected"] == [{"id": shared["id"], "errors": {"id": ["id_taken"]}}]
    assert count_rows(Response) == 1


def test_partial_response(client, auth, db):
    partial = item(service=None, partial=True, answers={"overall": 2})
    no_overall = item(service=None, partial=True, answers={"access_1": 2})
    body = post(client, auth, [partial, no_overall]).get_json()
    assert body["accepted"] == [partial["id"]]
    assert "required" in body["rejected"][0]["errors"]["answers.overall"]
    stored = db.session.get(Response, uuid.UUID(partial["id"]))
    assert stored.partial and stored.service is None


def v2_item(at: dt.datetime | None = None, **answers) -> dict:
    """A batch item for questionnaire v2: the overall question, one rated item per
    dimension, the facts, and ``answers`` on top."""
    asked = {"overall": 2, "access_3": 4, "procedure_1": None, "staff_2": 5, "result_1": 3,
             "feedback_2": 4, "fact_documents": 2, "fact_money": None, "fact_trips": 3}
    return item(at, questionnaire_version=2, answers={**asked, **answers},
                reasons=["long_wait"])


def test_v2_batch_refuses_a_second_item_of_a_dimension(client, auth, db, questionnaire_v2,
                                                       count_rows):
    """Matrix sampling: one rated item per dimension. A kiosk that sent two items of one
    dimension is refused for that response, saying which item was not asked, and nothing
    of it is stored; the rest of the batch is."""
    good, twice, bad_trips, bad_yes = (v2_item(at) for at in (
        dt.datetime.now(VN) - dt.timedelta(minutes=m) for m in (40, 30, 20, 10)))
    twice["answers"]["access_1"] = 5  # access_3 was drawn already
    bad_trips["answers"]["fact_trips"] = 5
    bad_yes["answers"]["fact_money"] = 3
    reply = post(client, auth, [good, twice, bad_trips, bad_yes])
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["accepted"] == [good["id"]]
    assert body["rejected"] == [
        {"id": twice["id"], "errors": {"answers.access_3": ["not_asked"]}},
        {"id": bad_trips["id"], "errors": {"answers.fact_trips": ["out_of_range"]}},
        {"id": bad_yes["id"], "errors": {"answers.fact_money": ["out_of_range"]}}]
    assert count_rows(Response) == 1
    for refused in (twice, bad_trips, bad_yes):
        assert db.session.get(Response, uuid.UUID(refused["id"])) is None
    stored = db.session.get(Response, uuid.UUID(good["id"]))
    assert {a.item_code: a.value for a in stored.answers} == good["answers"]
    assert [r.reason_code for r in stored.reasons] == ["long_wait"]


def test_v2_questionnaire_tells_the_kiosk_how_to_ask(client, questionnaire_v2):
    body = client.get("/api/v1/questionnaire").get_json()
    assert body["version"] == 2 and body["matrix_sampling"] is True
    assert body["stem"]["vi"] == "Ông/Bà hài lòng thế nào về:"
    kinds = {i["code"]: i["kind"] for i in body["items"]}
    assert kinds["overall"] == kinds["access_3"] == "rating"
    assert kinds["fact_documents"] == kinds["fact_money"] == "yes_no"
    assert kinds["fact_trips"] == "trips"


def test_v1_questionnaire_asks_everything(client, demo):
    body = client.get("/api/v1/questionnaire").get_json()
    assert body["matrix_sampling"] is False and body["stem"] is None
    assert {i["kind"] for i in body["items"]} == {"rating"}
