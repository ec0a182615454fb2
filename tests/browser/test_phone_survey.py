"""A claimant answers the phone survey in real Chromium at 360 × 740."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Answer, Response

from .conftest import axe_serious, follow

pytestmark = pytest.mark.browser


def test_claimant_answers_in_vietnamese(live_server, phone_page, tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/s/NA-VINH/Q3?svc=ui_apply")
    assert page.locator("h1").inner_text().startswith("Khảo sát mức độ hài lòng")
    assert axe_serious(page) == []
    page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
    # Tap "Rất hài lòng" for the overall question and "Hài lòng" for the rest.
    page.locator('label[for="q_overall-4"]').tap()
    for name in ["access_1", "access_2", "staff_1", "staff_2", "result_1"]:
        page.locator(f'label[for="q_{name}-3"]').tap()
    page.locator('label[for="q_feedback_2-5"]').tap()  # "Không áp dụng"
    page.locator("#more summary").tap()
    page.fill("#comment", "Cán bộ hướng dẫn rất tận tình.")
    page.get_by_role("button", name="Gửi").tap()
    page.wait_for_url("**/thanks**")
    assert "Xin cảm ơn" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(tmp_path / "thanks.png"), full_page=True)

    app = live_server.app()
    with app.app_context():
        response = db.session.scalars(
            sa.select(Response).join(Response.unit).filter_by(code="NA-VINH-Q3")).one()
        assert response.service.code == "ui_apply"
        answers = {a.item_code: a.value for a in response.answers}
        assert answers["overall"] == 5 and answers["staff_1"] == 4
        assert answers["feedback_2"] is None and "procedure_1" not in answers
        assert response.comment.body == "Cán bộ hướng dẫn rất tận tình."
        db.engine.dispose()


def test_form_works_without_javascript_and_in_english(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740},
                                  java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/s/NA-DEMO1/Q2")
    assert "Overall, how satisfied" in page.content()
    page.locator('label[for="q_overall-2"]').click()  # "Neutral"
    with follow(page):
        page.get_by_role("button", name="Send").click()
    # Without the service the form comes back with the message, answers kept.
    assert "Please choose the service you used." in page.content()
    assert page.locator("#q_overall-2").is_checked()
    page.select_option("#service", label="Job counselling and referral")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/thanks**")
    assert "Thank you!" in page.content()
    assert requested_hosts == {f"127.0.0.1:{live_server.port}"}
    context.close()
    app = live_server.app()
    with app.app_context():
        stored = db.session.scalars(
            sa.select(Response).join(Response.unit).filter_by(code="NA-DEMO1-Q2")).one()
        assert stored.locale == "en" and stored.service.code == "job_referral"
        overall = db.session.scalar(sa.select(Answer.value).filter_by(
            response_id=stored.id, item_code="overall"))
        assert overall == 3
        db.engine.dispose()
