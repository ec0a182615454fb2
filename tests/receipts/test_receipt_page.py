"""``/r/<code>``: the survey bound to a single-use code, its state pages and rate limit."""
from __future__ import annotations

import datetime as dt
import logging
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
    assert "Mã phiếu này đã được sử dụng" in html and 'href="/s/NA-VINH-Q2"' in html
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
    assert "Mã phiếu này đã hết hạn" in html and 'href="/s/NA-VINH-Q2"' in html
    fields = hidden_fields(client.get("/s/NA-VINH").get_data(as_text=True))
    res = client.post(f"/r/{code.code}", data={**fields, **answers(questionnaire)})
    assert res.status_code == 410 and count_rows(Response) == 0


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "nope", "ABCD0FGH", "x" * 300])
def test_unknown_code_page(client, questionnaire, code):
    page = client.get(f"/r/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    assert "Không tìm thấy mã phiếu này" in html and "/s/" not in html


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
    assert "Mã phiếu này đã được sử dụng" in loser
    db.session.expire_all()
    assert count_rows(Response) == 1
    row = db.session.scalar(db.select(ReceiptCode).filter_by(code=code))
    assert row.used_at is not None
    assert db.session.scalars(db.select(Response)).one().receipt_code_id == row.id


def test_state_pages_in_english(client, questionnaire, issue):
    code = issue(now=utcnow() - dt.timedelta(days=20)).code
    html = client.get(f"/r/{code}?lang=en").get_data(as_text=True)
    assert "This receipt code has expired." in html
