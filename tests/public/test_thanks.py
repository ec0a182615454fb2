"""The thank-you page thanks the claimant in the name of the centre, not of the counter."""
from __future__ import annotations

import pytest

CENTRE_VI = "Trung tâm Dịch vụ việc làm Nghệ An"


@pytest.mark.parametrize("code", ["NA-VINH-Q1", "NA-DEMO1-Q2", "NA-DEMO2", "NA-VINH"])
def test_thanks_in_the_name_of_the_centre(client, demo, code):
    page = client.get(f"/s/{code}/thanks")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Xin cảm ơn Ông/Bà!" in html
    assert ("Câu trả lời của Ông/Bà đã được ghi nhận. Ông/Bà đã giúp "
            f"{CENTRE_VI} phục vụ người lao động tốt hơn.") in html
    assert "Quầy" not in html and "Điểm tiếp nhận" not in html


def test_thanks_in_english(client, demo):
    html = client.get("/s/NA-DEMO1-Q1/thanks?lang=en").get_data(as_text=True)
    assert ("You have helped Nghe An Employment Service Centre serve workers better."
            in html)


def test_without_a_centre_the_top_of_the_tree_thanks(client, db, make_unit):
    province = make_unit("HT", kind="province", name="Tỉnh Hà Tĩnh")
    office = make_unit("HT-KA", parent=province, kind="branch", name="Điểm tiếp nhận Kỳ Anh")
    make_unit("HT-KA-Q1", parent=office, name="Quầy 1 Kỳ Anh")
    db.session.commit()
    html = client.get("/s/HT-KA-Q1/thanks").get_data(as_text=True)
    assert "Ông/Bà đã giúp Tỉnh Hà Tĩnh phục vụ" in html


def test_unit_centre(demo, db, make_unit):
    unit = demo.unit_by_code
    centre = unit(db.session, "NA-VINH")
    for code in ("NA-VINH", "NA-VINH-Q3", "NA-DEMO1", "NA-DEMO2-Q1"):
        assert unit(db.session, code).centre() is centre
    province = unit(db.session, "NA")
    assert province.centre() is province  # nothing above it: the top of the tree
    lone = make_unit("LONE")
    assert lone.centre() is lone


def _post(client, questionnaire, **extra):
    from tests.conftest import hidden_fields

    fields = hidden_fields(client.get("/s/NA-VINH/Q1").get_data(as_text=True))
    data = {**fields, "service": "ui_apply", **extra,
            **{f"q_{code}": "4" for code in questionnaire.item_codes()}}
    return client.post("/s/NA-VINH/Q1", data=data)


def test_a_comment_gets_a_reference_code_that_finds_its_case(client, questionnaire):
    res = _post(client, questionnaire, comment="Phải chờ quá lâu ở quầy.")
    assert res.status_code == 303 and "ref=" in res.headers["Location"]
    page = client.get(res.headers["Location"])
    html = page.get_data(as_text=True)
    ref = html.split('class="ref">', 1)[1].split("<", 1)[0]
    assert page.status_code == 200 and "Mã tra cứu" in html and len(ref) == 11
    # The case opens when the status page first looks for it.
    status = client.get(f"/y-kien/{ref}")
    assert status.status_code == 200, status.get_data(as_text=True)[:500]


def test_answers_alone_get_no_code(client, questionnaire):
    res = _post(client, questionnaire)
    assert res.status_code == 303 and "ref=" not in res.headers["Location"]
    assert "Mã tra cứu" not in client.get(res.headers["Location"]).get_data(as_text=True)


def test_a_made_up_code_on_the_thanks_page_is_not_shown(client, demo):
    html = client.get("/s/NA-VINH/thanks?ref=<b>x</b>").get_data(as_text=True)
    assert "Mã tra cứu" not in html and "<b>x</b>" not in html


def test_the_gzipped_thanks_page_is_the_page_and_carries_the_security_headers(client, demo):
    import gzip

    plain = client.get("/s/NA-VINH-Q1/thanks")
    for _ in range(2):  # compressed once, then served from the cache: the same bytes
        packed = client.get("/s/NA-VINH-Q1/thanks", headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data
        assert packed.headers["Content-Security-Policy"] == plain.headers[
            "Content-Security-Policy"]
    assert "Content-Encoding" not in plain.headers  # asked for nothing, sent plain
