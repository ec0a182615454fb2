"""The receipt-code pages on a phone: the language chosen stays on the way, and a wrong
code leads back home or to the general survey."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.services import catalogue
from survey.services.intake import receipts

from .conftest import axe_serious

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def code(live_server) -> str:
    app = live_server.app()
    with app.app_context():
        rows = receipts.issue_receipt_codes(
            db.session, catalogue.unit_by_code(db.session, "NA-DEMO1-Q1"),
            catalogue.service_by_code(db.session, "ui_apply"), 1)
        db.session.commit()
        value = rows[0].code
        db.engine.dispose()
    return value


def test_a_typed_code_opens_the_survey_in_the_language_chosen(live_server, phone_page, code,
                                                               tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/?lang=en")
    page.get_by_role("link", name="I have a code on my receipt").click()
    page.get_by_label("The 8-character code printed on your receipt").fill("12")
    page.keyboard.press("Enter")
    page.wait_for_url("**/r/?lang=en&code=12")
    assert "This is not a valid code" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(tmp_path / "entry-error.png"))
    page.get_by_label("The 8-character code printed on your receipt").fill(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/r/{code}?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Applying for unemployment allowance" in page.content()


def test_wrong_code_page_leads_to_the_service_points_and_home(live_server, phone_page,
                                                              tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/r/ZZZZZZZZ")
    assert "Không tìm thấy mã khảo sát này." in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(tmp_path / "wrong-code.png"), full_page=True)
    page.get_by_role("link", name="Chọn nơi Ông/Bà được phục vụ hôm nay").click()
    page.wait_for_url("**/#points-h")
    page.get_by_role("link", name="Điểm tiếp nhận thử nghiệm 1 (dữ liệu minh họa)").click()
    page.wait_for_url("**/s/NA-DEMO1")
    page.go_back()
    page.goto(f"{live_server.url}/r/ZZZZZZZZ?lang=en")
    page.get_by_role("link", name="Home page").click()
    page.wait_for_url(f"{live_server.url}/?lang=en")


def test_thanks_page_names_the_centre(live_server, phone_page, tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/s/NA-DEMO1-Q2/thanks")
    assert ("Ông/Bà đã giúp Trung tâm Dịch vụ việc làm Nghệ An phục vụ người lao động "
            "tốt hơn.") in page.locator("main").inner_text()
    assert axe_serious(page) == []
    page.screenshot(path=str(tmp_path / "thanks.png"))
