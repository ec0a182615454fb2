"""The coverage items of questionnaire v3 (kind ``need``: yes / no / "I did not need it")
on the claimant's phone form and from the kiosk: shown to the matching services'
claimants only, optional, refused when tampered with, stored once, never in the
satisfaction index."""
from __future__ import annotations

import datetime as dt
import math
import re
import uuid

import pytest
import sqlalchemy as sa

from survey.models import Answer, Response
from survey.services import catalogue
from survey.services.errors import ServiceError
from tests.conftest import hidden_fields

COUNSELLING, REFERRAL = "q_cov_counselling", "q_cov_referral"


def fieldsets(html: str) -> set[str]:
    return set(re.findall(r'<fieldset class="q" id="(q_cov_\w+)"', html))


def post(client, url: str, data: dict):
    page = client.get(url)
    body = {**hidden_fields(page.get_data(as_text=True)), "q_overall": "4", **data}
    return client.post(url, data=body), body


def stored(db) -> dict[str, object]:
    response = db.session.scalars(sa.select(Response)).one()
    return {a.item_code: a.value for a in response.answers}


def test_the_form_shows_each_item_to_the_matching_services_claimants(client, questionnaire_v3):
    # Service chosen on the form: both shown, each saying whom it is for (and a script
    # hides it when another service is chosen).
    html = client.get("/s/NA-VINH/Q1").get_data(as_text=True)
    assert fieldsets(html) == {COUNSELLING, REFERRAL}
    assert 'data-services="ui_apply ui_decision ui_report job_referral"' in html
    assert "Ông/Bà có được tư vấn miễn phí khi có nhu cầu không?" in html
    # A counter's QR code naming the service: only that service's items.
    assert fieldsets(client.get("/s/NA-VINH/Q1?svc=job_referral").get_data(as_text=True)) \
        == {COUNSELLING, REFERRAL}
    assert fieldsets(client.get("/s/NA-VINH/Q1?svc=ui_apply").get_data(as_text=True)) \
        == {COUNSELLING}
    assert fieldsets(client.get("/s/NA-VINH/Q1?svc=training").get_data(as_text=True)) == set()
    # The cached page serves each variant again the same way.
    assert fieldsets(client.get("/s/NA-VINH/Q1?svc=training").get_data(as_text=True)) == set()
    assert fieldsets(client.get("/s/NA-VINH/Q1?svc=ui_apply").get_data(as_text=True)) \
        == {COUNSELLING}


def test_the_form_is_a_radio_group_with_a_legend_and_no_need_answer(client, questionnaire_v3):
    html = client.get("/s/NA-VINH/Q1?lang=en&svc=job_referral").get_data(as_text=True)
    block = html[html.index(f'id="{REFERRAL}"'):]
    block = block[:block.index("</fieldset>")]
    assert "<legend>Were you referred to a job free of charge when you needed it?</legend>" \
        in block
    assert re.findall(r'name="q_cov_referral" type="radio" value="(\w+)"', block) \
        == ["1", "2", "na"]
    assert re.findall(r"<label for=[^>]+>([^<]+)</label>", block) \
        == ["Yes", "No", "I did not need it"]
    assert " required" not in block
    assert "Only if you came for: Monthly job-search report; Job counselling and referral." \
        in block


@pytest.mark.parametrize("values, expected", [
    ({COUNSELLING: "1", REFERRAL: "2"}, {"cov_counselling": 1, "cov_referral": 2}),
    ({COUNSELLING: "na"}, {"cov_counselling": None}),   # "I did not need it"
    ({}, {}),                                            # skipped: nothing stored
])
def test_answers_are_stored_once(client, questionnaire_v3, db, count_rows, values, expected):
    res, body = post(client, "/s/NA-VINH/Q1", {"service": "job_referral", **values})
    assert res.status_code == 303
    again = client.post("/s/NA-VINH/Q1", data=body)
    assert again.status_code == 303 and count_rows(Response) == 1
    answers = stored(db)
    assert {k: v for k, v in answers.items() if k.startswith("cov_")} == expected
    assert answers["overall"] == 4


@pytest.mark.parametrize("value", ["3", "0", "yes", "1;2", ""])
def test_bad_values_are_refused_and_nothing_is_stored(client, questionnaire_v3, count_rows,
                                                      value):
    res, _body = post(client, "/s/NA-VINH/Q1", {"service": "job_referral",
                                                 COUNSELLING: value or "\x00"})
    assert res.status_code == 400
    assert "không" in res.get_data(as_text=True).lower()  # the message, Vietnamese first
    assert count_rows(Response) == 0 and count_rows(Answer) == 0


def test_an_answer_for_another_service_is_not_kept(client, questionnaire_v3, db):
    """The claimant answered, then chose a service the item is not for: the page hid it,
    the browser still sent it; the response is stored without it."""
    res, _ = post(client, "/s/NA-VINH/Q1", {"service": "training", COUNSELLING: "2",
                                            REFERRAL: "1"})
    assert res.status_code == 303
    assert set(stored(db)) == {"overall"}
    db.session.execute(sa.delete(Response))
    db.session.commit()
    res, _ = post(client, "/s/NA-VINH/Q1", {"service": "ui_apply", COUNSELLING: "2",
                                            REFERRAL: "1"})
    assert res.status_code == 303 and stored(db) == {"overall": 4, "cov_counselling": 2}


def test_the_service_layer_refuses_an_item_not_asked_of_the_service(db, questionnaire_v3,
                                                                     count_rows):
    from survey.services.intake.responses import NewResponse, submit_response
    from survey.models import Channel

    unit = catalogue.unit_by_code(db.session, "NA-VINH-Q1")
    for service in ("training", None):
        new = NewResponse(id=uuid.uuid4(), unit=unit, questionnaire=questionnaire_v3,
                          channel=Channel.kiosk, locale="vi",
                          answers={"overall": 4, "cov_referral": 1},
                          service=catalogue.service_by_code(db.session, service)
                          if service else None)
        with pytest.raises(ServiceError) as caught:
            submit_response(db.session, new)
        assert caught.value.errors == {"cov_referral": ["not_asked"]}
    assert count_rows(Response) == 0


def test_the_kiosk_gets_the_coverage_items_only_when_it_asks_for_them(client,
                                                                       questionnaire_v3):
    """A kiosk copy that knows the kind asks ?kinds=need; an older copy is not given
    items it could not show."""
    old = client.get("/api/v1/questionnaire").get_json()
    assert old["version"] == 3
    assert {i["kind"] for i in old["items"]} == {"rating", "yes_no", "trips"}
    new = client.get("/api/v1/questionnaire?kinds=need").get_json()
    need = {i["code"]: i for i in new["items"] if i["kind"] == "need"}
    assert need["cov_referral"]["services"] == ["ui_report", "job_referral"]
    assert set(need) == {"cov_counselling", "cov_referral"}
    assert "services" not in next(i for i in new["items"] if i["code"] == "overall")
    bad = client.get("/api/v1/questionnaire?kinds=everything")
    assert bad.status_code == 422 and bad.get_json()["error_codes"] == {
        "kinds": ["not_allowed"]}


def test_a_kiosk_batch_keeps_the_coverage_answers_of_the_matching_service(
        client, db, questionnaire_v3, count_rows):
    import datetime as dt

    from survey.services.devices import kiosks

    device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "Quầy 3")
    device, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)

    def one(minutes: int, service: str, answers: dict) -> dict:
        return {"id": str(uuid.uuid4()), "questionnaire_version": 3, "service": service,
                "submitted_at": (at + dt.timedelta(minutes=minutes)).isoformat(),
                "locale": "vi", "answers": {"overall": 4, **answers}, "reasons": []}

    good = one(0, "job_referral", {"cov_counselling": None, "cov_referral": 1})
    other = one(5, "training", {"cov_referral": 2})
    reply = client.post("/api/v1/responses", json={"responses": [good, other]},
                        headers={"Authorization": f"Bearer {token}"})
    body = reply.get_json()
    assert reply.status_code == 200 and body["accepted"] == [good["id"]]
    assert body["rejected"] == [{"id": other["id"],
                                 "errors": {"answers.cov_referral": ["not_asked"]}}]
    response = db.session.get(Response, uuid.UUID(good["id"]))
    assert {a.item_code: a.value for a in response.answers} == good["answers"]
    assert count_rows(Response) == 1


@pytest.mark.parametrize("change, ok", [
    ({"services": "job_referral"}, False), ({"services": [1]}, False),
    ({"services": ["job_referral"], "required": True}, False),
    ({"services": ["job_referral"]}, True)])
def test_the_catalogue_checks_an_items_services(db, demo, change, ok):
    definition = catalogue.read_data("questionnaire_v3.json")
    definition["version"] = 9
    item = next(i for i in definition["items"] if i["code"] == "cov_referral")
    item.pop("services")
    item.update(change)
    if ok:
        assert catalogue.load_questionnaire(db.session, definition).version == 9
    else:
        with pytest.raises(ServiceError):
            catalogue.load_questionnaire(db.session, definition)


def test_the_coverage_items_never_enter_the_satisfaction_index(db, questionnaire_v3):
    """The same responses with and without their coverage answers give the same index,
    dimension by dimension and item by item."""
    from survey.models import Channel
    from survey.services.intake.responses import NewResponse, submit_response
    from survey.services.reporting.index import IndexQuery, index_table
    import random

    rng = random.Random(16)
    services = {code: catalogue.service_by_code(db.session, code)
                for code in ("job_referral", "ui_apply")}
    units = [catalogue.unit_by_code(db.session, c) for c in ("NA-VINH-Q1", "NA-DEMO1-Q1")]
    from survey.services.intake.sampling import asked_items
    for i in range(80):
        response_id = uuid.uuid4()
        answers = {item.code: rng.choice((1, 2, 3, 4, 5)) for item in
                   asked_items(questionnaire_v3, str(response_id)) if item.kind == "rating"}
        # Coverage answers all "no": they would pull any share they entered down.
        answers.update({"cov_counselling": 2, "cov_referral": rng.choice((2, None))})
        submit_response(db.session, NewResponse(
            id=response_id, unit=rng.choice(units), questionnaire=questionnaire_v3,
            channel=Channel.qr, locale="vi", answers=answers,
            service=services["job_referral"],
            submitted_at=dt.datetime(2026, 8, 1 + i % 28, 3, tzinfo=dt.timezone.utc)))
    db.session.commit()

    def tables():
        return [index_table(db.session, IndexQuery("2026-Q3", "NA", by=by))
                for by in ("unit", "dimension", "item", "fact")]

    before = tables()
    assert {row.key for row in before[2].rows}.isdisjoint({"cov_counselling", "cov_referral"})
    assert {row.key for row in before[3].rows}.isdisjoint({"cov_counselling", "cov_referral"})
    db.session.execute(sa.delete(Answer).where(Answer.item_code.like("cov_%")))
    db.session.commit()
    after = tables()
    for one, other in zip(before, after):
        for a, b in zip([one.total] + one.rows, [other.total] + other.rows):
            assert a.key == b.key and a.n == b.n
            for name in ("estimate", "se", "low", "high"):
                x, y = getattr(a, name), getattr(b, name)
                assert (math.isnan(x) and math.isnan(y)) or x == y, (a.key, name)


@pytest.mark.parametrize("service, shown", [("training", set()), ("ui_decision", {COUNSELLING}),
                                            ("ui_report", {COUNSELLING, REFERRAL})])
def test_a_receipt_code_shows_its_services_items_only(client, db, questionnaire_v3,
                                                      service, shown):
    """A receipt code fixes the service: only its items are on the page, and an answer
    to another's is refused as tampering (the page could not have sent it)."""
    from survey.services.intake import receipts

    unit = catalogue.unit_by_code(db.session, "NA-VINH-Q2")
    [code] = receipts.issue_receipt_codes(db.session, unit,
                                          catalogue.service_by_code(db.session, service), 1)
    db.session.commit()
    html = client.get(f"/r/{code.code}").get_data(as_text=True)
    assert fieldsets(html) == shown
    hidden = {COUNSELLING, REFERRAL} - shown
    if hidden:
        body = {**hidden_fields(html), "q_overall": "4", next(iter(hidden)): "1"}
        assert client.post(f"/r/{code.code}", data=body).status_code == 400
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    body = {**hidden_fields(html), "q_overall": "4", **{name: "1" for name in shown}}
    assert client.post(f"/r/{code.code}", data=body).status_code == 303
    assert {k for k in stored(db) if k.startswith("cov_")} == {n[2:] for n in shown}
