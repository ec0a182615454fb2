"""The home page: where a claimant lands who typed only the address, with no QR code."""
from __future__ import annotations

import re


def links(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="(/[^"]*)"', html)


def test_home_offers_the_receipt_code_and_every_active_service_point(client, demo, db):
    demo.unit_by_code(db.session, "NA-DEMO2").active = False
    db.session.commit()
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tôi có mã khảo sát trên giấy biên nhận" in html
    assert "Hoặc chọn nơi Ông/Bà được phục vụ hôm nay" in html
    found = links(html)
    assert "/r/" in found
    # Centres and reception points, not counters, not the province, not inactive ones.
    assert [link for link in found if link.startswith("/s/")] == ["/s/NA-DEMO1", "/s/NA-VINH"]
    assert demo.unit_by_code(db.session, "NA-VINH").name_vi in html


def test_home_in_english_keeps_english_on_the_way(client, demo):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "I have a code on my receipt" in html
    assert {"/r/?lang=en", "/s/NA-VINH?lang=en"} <= set(links(html))


def test_home_without_units_still_offers_the_code(client):
    html = client.get("/").get_data(as_text=True)
    assert "/r/" in links(html) and "points-h" not in html
