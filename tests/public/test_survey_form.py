"""The claimant's phone form: rendering, validation paths, idempotency."""
from __future__ import annotations

import gzip

import pytest

from survey.models import Answer, Comment, Contact, Response
from tests.conftest import hidden_fields


def full_answers(questionnaire, value="4"):
    return {f"q_{code}": value for code in questionnaire.item_codes()}


def post_form(client, url, data, fresh=True):
    page = client.get(url)
    fields = hidden_fields(page.get_data(as_text=True))
    body = {**fields, **data}
    return client.post(url, data=body), fields


def test_form_renders_in_vietnamese(client, questionnaire):
    page = client.get("/s/NA-VINH/Q1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="vi"' in html
    assert "Nhìn chung, Ông/Bà hài lòng thế nào với dịch vụ hôm nay?" in html
    assert "Rất không hài lòng" in html and "Tôi không gặp việc này" in html
    assert "Không áp dụng" not in html
    assert "Quầy 1" in html
    assert len(gzip.compress(page.data)) < 20_000


def test_form_in_english_by_param_and_header(client, questionnaire):
    html = client.get("/s/NA-VINH/Q1?lang=en").get_data(as_text=True)
    assert "Overall, how satisfied are you" in html and 'lang="en"' in html
    html = client.get("/s/NA-VINH", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True)
    assert "Very dissatisfied" in html


def test_service_preselected(client, questionnaire):
    html = client.get("/s/NA-VINH/Q1?svc=ui_apply").get_data(as_text=True)
    assert '<option value="ui_apply" selected>' in html
    assert html.count(" selected>") == 1


@pytest.mark.parametrize("path", ["/s/NOPE", "/s/NA-VINH/Q99", "/s/NA-DEMO1/Q3"])
def test_unknown_unit_or_counter_is_404_in_vietnamese(client, questionnaire, path):
    page = client.get(path)
    assert page.status_code == 404
    assert "Trang này không tồn tại" in page.get_data(as_text=True)


def test_valid_submission_is_stored_once_and_redirects(client, questionnaire, count_rows, db):
    data = {**full_answers(questionnaire), "service": "ui_apply", "comment": "Cán bộ nhiệt tình"}
    res, fields = post_form(client, "/s/NA-VINH/Q1", data)
    assert res.status_code == 303
    assert "/s/NA-VINH-Q1/thanks" in res.headers["Location"]
    # The same post again (reload, double tap): thank-you page, nothing new stored.
    again = client.post("/s/NA-VINH/Q1", data={**fields, **data})
    assert again.status_code == 303
    assert count_rows(Response) == 1
    assert count_rows(Answer) == len(questionnaire.items)
    response = db.session.scalars(db.select(Response)).one()
    assert response.unit.code == "NA-VINH-Q1" and response.service.code == "ui_apply"
    assert response.channel.value == "qr" and response.locale == "vi"
    assert db.session.get(Comment, response.id).body == "Cán bộ nhiệt tình"
    assert count_rows(Contact) == 0
    thanks = client.get(res.headers["Location"])
    assert "Xin cảm ơn" in thanks.get_data(as_text=True)


def test_missing_required_answers_keeps_answers(client, questionnaire, count_rows):
    data = full_answers(questionnaire)
    del data["q_overall"]
    data["q_staff_1"] = "5"
    res, _ = post_form(client, "/s/NA-VINH", data)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "Vui lòng chọn một câu trả lời." in html
    assert "Vui lòng chọn dịch vụ Ông/Bà đã sử dụng." in html
    assert 'checked id="q_staff_1-4"' in html or 'id="q_staff_1-4" name="q_staff_1" type="radio" value="5" checked' in html or "checked" in html.split('name="q_staff_1"')[5]
    assert count_rows(Response) == 0


@pytest.mark.parametrize("tamper", [
    {"q_overall": "7"},
    {"q_overall": "0"},
    {"q_unknown": "4"},
    {"extra_field": "x"},
    {"service": "no_such_service"},
    {"submission_id": "not-a-uuid"},
    {"version": "1; DROP"},
    {"q_overall": "na"},  # the overall question has no "not applicable"
])
def test_tampered_values_are_400_and_store_nothing(client, questionnaire, count_rows, tamper):
    data = {**full_answers(questionnaire), "service": "ui_apply"}
    page = client.get("/s/NA-VINH")
    body = {**hidden_fields(page.get_data(as_text=True)), **data, **tamper}
    res = client.post("/s/NA-VINH", data=body)
    assert res.status_code == 400
    assert "chưa được ghi nhận" in res.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_oversized_comment_is_refused(client, questionnaire, count_rows):
    data = {**full_answers(questionnaire), "service": "ui_apply", "comment": "a" * 2001}
    res, _ = post_form(client, "/s/NA-VINH", data)
    assert res.status_code == 422
    assert "Xin nhập tối đa 2000 ký tự." in res.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_bad_encoding_is_400(client, questionnaire, count_rows):
    page = client.get("/s/NA-VINH")
    fields = hidden_fields(page.get_data(as_text=True))
    raw = "&".join(f"{k}={v}" for k, v in {**fields, **full_answers(questionnaire),
                                          "service": "ui_apply"}.items())
    raw = raw.encode() + b"&comment=%FF%FE%FA"
    res = client.post("/s/NA-VINH", data=raw,
                      content_type="application/x-www-form-urlencoded")
    assert res.status_code == 400
    assert count_rows(Response) == 0


def test_missing_or_stale_csrf_token_is_400_and_keeps_answers(client, questionnaire, count_rows):
    data = {**full_answers(questionnaire, "5"), "service": "ui_apply"}
    page = client.get("/s/NA-VINH")
    fields = hidden_fields(page.get_data(as_text=True))
    for token in (None, "stale-or-forged"):
        body = {**data, "submission_id": fields["submission_id"]}
        if token:
            body["csrf_token"] = token
        res = client.post("/s/NA-VINH", data=body)
        html = res.get_data(as_text=True)
        assert res.status_code == 400
        assert "Phiên làm việc đã hết hạn" in html
        assert hidden_fields(html)["submission_id"] == fields["submission_id"]
    assert count_rows(Response) == 0


def test_a_token_is_good_for_its_own_submission_only_and_for_a_while(
        app, client, questionnaire, count_rows):
    data = {**full_answers(questionnaire, "5"), "service": "ui_apply"}
    first, second = (hidden_fields(client.get("/s/NA-VINH").get_data(as_text=True))
                     for _ in range(2))
    swapped = {**data, "submission_id": first["submission_id"],
               "csrf_token": second["csrf_token"]}
    res = client.post("/s/NA-VINH", data=swapped)
    assert res.status_code == 400 and "Phiên làm việc đã hết hạn" in res.get_data(as_text=True)
    app.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token is now too old
    res = client.post("/s/NA-VINH", data={**data, **first})
    assert res.status_code == 400
    renewed = hidden_fields(res.get_data(as_text=True))
    assert renewed["submission_id"] == first["submission_id"]
    assert count_rows(Response) == 0
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    assert client.post("/s/NA-VINH", data={**data, **renewed}).status_code == 303
    assert count_rows(Response) == 1
    assert client.get_cookie("session") is None  # claimants get no cookie at all


def test_contact_requires_consent_and_is_stored_apart(client, questionnaire, count_rows, db):
    base = {**full_answers(questionnaire), "service": "enquiry",
            "contact_phone": "0912 345 678"}
    res, _ = post_form(client, "/s/NA-VINH", base)
    assert res.status_code == 422
    assert "đánh dấu vào ô đồng ý" in res.get_data(as_text=True)
    assert count_rows(Response) == 0 and count_rows(Contact) == 0
    res, _ = post_form(client, "/s/NA-VINH", {**base, "contact_consent": "y"})
    assert res.status_code == 303
    contact = db.session.scalars(db.select(Contact)).one()
    assert contact.phone == "0912 345 678" and contact.purpose == "reply"
    assert contact.delete_after > contact.consented_at


@pytest.mark.real_commits  # reads every table through a connection of its own
def test_no_ip_or_user_agent_is_stored(client, questionnaire, db):
    data = {**full_answers(questionnaire), "service": "ui_apply"}
    page = client.get("/s/NA-VINH", environ_base={"REMOTE_ADDR": "203.0.113.77"},
                      headers={"User-Agent": "SpecialPhone/1.0"})
    body = {**hidden_fields(page.get_data(as_text=True)), **data}
    client.post("/s/NA-VINH", data=body, environ_base={"REMOTE_ADDR": "203.0.113.77"},
                headers={"User-Agent": "SpecialPhone/1.0"})
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                text = " ".join(str(v) for v in row)
                assert "203.0.113.77" not in text and "SpecialPhone" not in text


def test_contacts_are_purged_after_retention(runner, client, questionnaire, db, count_rows):
    import datetime as dt

    from survey.services.intake.responses import purge_contacts

    data = {**full_answers(questionnaire), "service": "enquiry", "contact_consent": "y",
            "contact_email": "nguoi.lao.dong@example.vn"}
    assert post_form(client, "/s/NA-VINH", data)[0].status_code == 303
    contact = db.session.scalars(db.select(Contact)).one()
    assert purge_contacts(db.session, contact.delete_after - dt.timedelta(seconds=1)) == 0
    assert count_rows(Contact) == 1
    assert purge_contacts(db.session, contact.delete_after) == 1
    assert count_rows(Contact) == 0 and count_rows(Response) == 1
    result = runner.invoke(args=["survey", "purge-contacts"])
    assert result.exit_code == 0 and "Đã xóa 0" in result.output


@pytest.mark.parametrize("field, value", [("contact_email", "not-an-email"),
                                          ("contact_phone", "12")])
def test_invalid_contact_details_are_422(client, questionnaire, count_rows, field, value):
    data = {**full_answers(questionnaire), "service": "enquiry", "contact_consent": "y",
            field: value}
    res, _ = post_form(client, "/s/NA-VINH", data)
    assert res.status_code == 422
    assert count_rows(Response) == 0 and count_rows(Contact) == 0


def test_json_body_is_415_and_stores_nothing(client, questionnaire, count_rows):
    res = client.post("/s/NA-VINH", json={"q_overall": "5", "service": "ui_apply"})
    assert res.status_code == 415
    assert count_rows(Response) == 0


def test_answers_stay_with_the_version_shown_when_a_new_one_is_published(
        client, questionnaire, count_rows, db):
    from survey.services import catalogue

    page = client.get("/s/NA-VINH/Q1")
    fields = hidden_fields(page.get_data(as_text=True))
    assert fields["version"] == str(questionnaire.version)
    # While the claimant answers, version 2 replaces access_3 with a new question.
    definition = catalogue.read_data("questionnaire_v1.json")
    items = [item for item in definition["items"] if item["code"] != "access_3"]
    items.append({**definition["items"][1], "code": "access_9"})
    catalogue.load_questionnaire(db.session, {**definition, "version": 2, "items": items})
    db.session.commit()

    data = {**full_answers(questionnaire), "service": "ui_apply"}
    res = client.post("/s/NA-VINH/Q1", data={**fields, **data})
    assert res.status_code == 303
    response = db.session.scalars(db.select(Response)).one()
    assert response.questionnaire.version == 1
    assert {answer.item_code for answer in response.answers} == set(questionnaire.item_codes())
    # The next claimant gets version 2.
    fresh = hidden_fields(client.get("/s/NA-VINH/Q1").get_data(as_text=True))
    assert fresh["version"] == "2"


def test_a_service_withdrawn_while_answering_is_asked_again(client, questionnaire, count_rows,
                                                            db):
    from survey.models import Service

    page = client.get("/s/NA-VINH/Q1")
    fields = hidden_fields(page.get_data(as_text=True))
    db.session.scalar(db.select(Service).filter_by(code="training")).active = False
    db.session.commit()
    data = {**full_answers(questionnaire), "service": "training"}
    res = client.post("/s/NA-VINH/Q1", data={**fields, **data})
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and count_rows(Response) == 0
    assert "Vui lòng chọn một trong các câu trả lời có sẵn." in html
    assert "Not a valid choice" not in html  # WTForms' own messages have no Vietnamese
    assert 'value="training"' not in html and "checked" in html  # other answers kept


def test_a_storage_failure_says_nothing_was_sent_and_keeps_the_answers(
        client, questionnaire, count_rows, monkeypatch):
    import sqlalchemy as sa

    from survey.public import routes

    def locked(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    data = {**full_answers(questionnaire, "2"), "service": "ui_apply",
            "comment": "Chờ lâu"}
    fields = hidden_fields(client.get("/s/NA-VINH").get_data(as_text=True))
    with monkeypatch.context() as patch:
        patch.setattr(routes, "store_response", locked)
        res = client.post("/s/NA-VINH", data={**data, **fields})
    html = res.get_data(as_text=True)
    assert res.status_code == 503 and res.headers["Retry-After"] == "30"
    assert "chưa được gửi" in html and "được lưu" not in html.split("</h1>", 1)[1][:300]
    import re

    checked = re.findall(r'<input checked[^>]*name="(q_[a-z0-9_]+)"[^>]*value="2"', html)
    assert set(checked) == set(full_answers(questionnaire)) and "Chờ lâu" in html
    assert count_rows(Response) == 0
    again = hidden_fields(html)  # one tap sends the same submission again
    assert again["submission_id"] == fields["submission_id"]
    assert client.post("/s/NA-VINH", data={**data, **again}).status_code == 303
    assert count_rows(Response) == 1
