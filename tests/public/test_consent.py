"""Consent to be contacted: asked for one purpose, informed (what, what for, who keeps
it, how long, the claimant's rights), never pre-ticked, and its wording's version and
fingerprint stored with the contact."""
from __future__ import annotations

import re

from survey.models import Contact
from survey.services.intake.consent import REPLY, VERSION, fingerprint, wording_text
from tests.public.test_survey_form import full_answers, post_form


def test_the_form_informs_before_asking_and_never_pre_ticks(client, questionnaire):
    for _ in range(2):  # the second page comes from the page cache
        html = client.get("/s/NA-VINH").get_data(as_text=True)
        for said in ("Thông tin được lưu:", "Dùng để làm gì:", "Ai giữ thông tin:",
                     "Lưu trong bao lâu:", "Quyền của Ông/Bà:", "xóa 30 ngày sau",
                     "yêu cầu xem hoặc xóa thông tin"):
            assert said in html
        box = re.search(r'<input[^>]*id="contact_consent"[^>]*>', html).group(0)
        assert "checked" not in box


def test_the_wording_version_and_fingerprint_are_stored(client, questionnaire, db, app):
    data = {**full_answers(questionnaire), "service": "enquiry", "contact_consent": "y",
            "contact_phone": "0912 345 678"}
    answer, _ = post_form(client, "/s/NA-VINH", data)
    assert answer.status_code == 303
    contact = db.session.scalars(db.select(Contact)).one()
    assert contact.purpose == REPLY and contact.consent_version == VERSION
    with app.test_request_context():
        assert contact.consent_sha256 == fingerprint(REPLY, "vi", 30)
        shown = wording_text(REPLY, "vi", 30)
    assert "Quyền của Ông/Bà:" in shown and VERSION in shown


def test_a_changed_setting_changes_the_fingerprint(app):
    with app.test_request_context():
        assert fingerprint(REPLY, "vi", 30) != fingerprint(REPLY, "vi", 60)
        assert fingerprint(REPLY, "vi", 30) != fingerprint(REPLY, "en", 30)
