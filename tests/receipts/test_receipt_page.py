"""``/r/<code>``: the survey bound to a single-use code, its state pages and rate limit."""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading

import pytest

from survey.models import Channel, ReceiptCode, Response, utcnow
from survey.services.intake import receipts
from tests.conftest import hidden_fields


@pytest.fixture
def issue(demo, db):
    def make(count=1, unit="NA-VINH-Q2", service="ui_decision", now=None):
        rows = receipts.issue_receipt_codes(
            db.session, demo.unit_by_code(db.session, unit),
            demo.service_by_code(db.session, service), count, now=now)
        db.session.commit()
        return rows[0] if count == 1 else rows
    return make


def answers(questionnaire, value="4"):
    return {f"q_{code}": value for code in questionnaire.item_codes()}


def test_get_shows_survey_with_unit_and_service_fixed(client, questionnaire, issue):
    code = issue().code
    page = client.get(f"/r/{code.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Quầy 2" in html and "Nhận quyết định, kết quả trợ cấp thất nghiệp" in html
    assert 'name="service"' not in html


def test_first_submission_consumes_the_code(client, questionnaire, issue, db, count_rows):
    code = issue()
    page = client.get(f"/r/{code.code}")
    fields = hidden_fields(page.get_data(as_text=True))
    res = client.post(f"/r/{code.code}", data={**fields, **answers(questionnaire)})
    assert res.status_code == 303 and "/s/NA-VINH-Q2/thanks" in res.headers["Location"]
    response = db.session.scalars(db.select(Response)).one()
    assert response.channel is Channel.receipt
    assert response.receipt_code_id == code.id
    assert response.unit.code == "NA-VINH-Q2" and response.service.code == "ui_decision"
    db.session.refresh(code)
    assert code.used_at is not None
    # The same post again (a double tap): the thank-you page, nothing new.
    again = client.post(f"/r/{code.code}", data={**fields, **answers(questionnaire)})
    assert again.status_code == 303
    # A new visit with the used code: the friendly page, with the unit's general survey.
    used = client.get(f"/r/{code.code}")
    html = used.get_data(as_text=True)
    assert used.status_code == 410
    assert "Mã khảo sát này đã được sử dụng" in html and 'href="/s/NA-VINH-Q2"' in html
    fields2 = hidden_fields(client.get("/s/NA-VINH").get_data(as_text=True))
    other = client.post(f"/r/{code.code}", data={**fields2, **answers(questionnaire)})
    assert other.status_code == 410
    assert count_rows(Response) == 1


def test_invalid_answers_do_not_consume(client, questionnaire, issue, db, count_rows):
    code = issue()
    fields = hidden_fields(client.get(f"/r/{code.code}").get_data(as_text=True))
    data = answers(questionnaire)
    del data["q_overall"]
    res = client.post(f"/r/{code.code}", data={**fields, **data})
    assert res.status_code == 422
    db.session.refresh(code)
    assert code.used_at is None and count_rows(Response) == 0


def test_expired_code_page(client, questionnaire, issue, count_rows):
    code = issue(now=utcnow() - dt.timedelta(days=20))
    page = client.get(f"/r/{code.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "Mã khảo sát này đã hết hạn" in html and 'href="/s/NA-VINH-Q2"' in html
    fields = hidden_fields(client.get("/s/NA-VINH").get_data(as_text=True))
    res = client.post(f"/r/{code.code}", data={**fields, **answers(questionnaire)})
    assert res.status_code == 410 and count_rows(Response) == 0


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "nope", "ABCD0FGH", "x" * 300])
def test_unknown_code_page(client, questionnaire, code):
    page = client.get(f"/r/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    assert "Không tìm thấy mã khảo sát này" in html and "/s/" not in html


def test_code_of_inactive_unit(client, questionnaire, issue, db):
    code = issue()
    code.unit.active = False
    db.session.commit()
    page = client.get(f"/r/{code.code}")
    assert page.status_code == 410
    assert "không còn tham gia khảo sát" in page.get_data(as_text=True)


def test_entry_form_redirects_typed_code(client, questionnaire, issue):
    code = issue().code
    assert client.get("/r").status_code == 200
    res = client.get("/r", query_string={"code": f"{code[:4].lower()} {code[4:]}"})
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/r/{code}")
    bad = client.get("/r", query_string={"code": "0000"})
    assert bad.status_code == 400 and "Mã không hợp lệ" in bad.get_data(as_text=True)


def test_lookups_are_rate_limited_and_misses_logged(app, client, questionnaire, issue, caplog):
    app.config["RECEIPT_RATE_LIMIT"] = 6
    app.extensions.pop("receipt_limiter", None)
    code = issue().code
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        statuses = [client.get(f"/r/GUESS{i:03d}").status_code for i in range(6)]
    assert statuses == [404] * 6
    assert any("misses from one client" in r.getMessage() for r in caplog.records)
    assert not any("127.0.0.1" in r.getMessage() for r in caplog.records)
    limited = client.get(f"/r/{code}")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "thử quá nhiều lần" in limited.get_data(as_text=True)
    # Another client is not affected; a reset lets the first one in again.
    other = client.get(f"/r/{code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    app.extensions["receipt_limiter"].reset()
    assert client.get(f"/r/{code}").status_code == 200


@pytest.mark.real_commits  # two threads, two connections
def test_two_simultaneous_submissions_one_wins(app, questionnaire, issue, db, count_rows):
    code = issue().code
    clients = [app.test_client(), app.test_client()]
    bodies = []
    for c in clients:
        with app.app_context():  # a fresh ``g``, as in a real server, for each visit
            fields = hidden_fields(c.get(f"/r/{code}").get_data(as_text=True))
        bodies.append({**fields, **answers(questionnaire)})
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def submit(i: int) -> None:
        barrier.wait()
        res = clients[i].post(f"/r/{code}", data=bodies[i])
        results[i] = (res.status_code, res.get_data(as_text=True))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r[0] for r in results) == [303, 410]
    loser = next(r[1] for r in results if r[0] == 410)
    assert "Mã khảo sát này đã được sử dụng" in loser
    db.session.expire_all()
    assert count_rows(Response) == 1
    row = db.session.scalar(db.select(ReceiptCode).filter_by(code=code))
    assert row.used_at is not None
    assert db.session.scalars(db.select(Response)).one().receipt_code_id == row.id


def test_state_pages_in_english(client, questionnaire, issue):
    code = issue(now=utcnow() - dt.timedelta(days=20)).code
    html = client.get(f"/r/{code}?lang=en").get_data(as_text=True)
    assert "This receipt code has expired." in html


def links(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]*)"', html)


def test_typed_code_keeps_the_language_to_the_thank_you_page(client, questionnaire, issue):
    code = issue().code
    entry = client.get("/r/?lang=en")
    html = entry.get_data(as_text=True)
    assert "Survey from your receipt" in html
    assert '<input type="hidden" name="lang" value="en">' in html
    # The form is sent as typed, with its hidden lang: the survey opens in English.
    typed = client.get("/r/", query_string={"code": code.lower(), "lang": "en"})
    assert typed.status_code == 302 and typed.headers["Location"] == f"/r/{code}?lang=en"
    page = client.get(typed.headers["Location"])
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert re.search(r'<input[^>]*name="lang"[^>]*value="en"', html)
    fields = {**hidden_fields(html), "lang": "en"}
    sent = client.post(f"/r/{code}", data={**fields, **answers(questionnaire)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/thanks?lang=en")
    again = client.post(f"/r/{code}", data={**fields, **answers(questionnaire)})
    assert again.status_code == 303 and again.headers["Location"].endswith("/thanks?lang=en")
    used = client.get(f"/r/{code}?lang=en").get_data(as_text=True)
    assert "This receipt code has already been used." in used
    assert "/s/NA-VINH-Q2?lang=en" in links(used)


def test_a_mistyped_code_is_asked_again_in_the_same_language(client, questionnaire):
    bad = client.get("/r/", query_string={"code": "12", "lang": "en"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "This is not a valid code" in html
    assert '<input type="hidden" name="lang" value="en">' in html
    # Without a chosen language, nothing is added to the address.
    assert "name=\"lang\"" not in client.get("/r/").get_data(as_text=True)
    res = client.get("/r/", query_string={"code": "ABCD EFGH"})
    assert res.headers["Location"] == "/r/ABCDEFGH"


@pytest.mark.parametrize("lang, suffix", [(None, ""), ("en", "?lang=en")])
def test_wrong_code_page_leads_home_and_to_the_general_survey(client, questionnaire, lang,
                                                              suffix):
    page = client.get("/r/ZZZZZZZZ" + suffix)
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    found = links(html)
    assert f"/r/{suffix}" in found  # type the code again
    assert f"/{suffix}#points-h" in found  # the service points, each with its general survey
    assert f"/{suffix}" in found  # the home page
    if lang is None:
        assert "Ông/Bà cũng có thể trả lời khảo sát chung, không cần mã." in html
        assert "Chọn nơi Ông/Bà được phục vụ hôm nay" in html and ">Trang chủ</a>" in html
    else:
        assert "Choose where you were served today" in html and ">Home page</a>" in html
    # The anchor exists on the home page, at the list of service points.
    home = client.get("/" + suffix).get_data(as_text=True)
    assert 'id="points-h"' in home and "/s/NA-DEMO1" + suffix in links(home)


def test_every_state_page_leads_home(app, client, questionnaire, issue, db):
    code = issue()
    code.unit.active = False
    db.session.commit()
    closed = client.get(f"/r/{code.code}?lang=en").get_data(as_text=True)
    assert "/?lang=en" in links(closed)
    app.config["RECEIPT_RATE_LIMIT"] = 1
    app.extensions.pop("receipt_limiter", None)
    client.get("/r/ZZZZZZZZ")
    limited = client.get("/r/ZZZZZZZZ")
    assert limited.status_code == 429 and "/" in links(limited.get_data(as_text=True))
