"""Questionnaire v2 on the phone: one item per dimension per claimant, facts, reasons,
the error summary, and the page's one script allowed by its hash."""
from __future__ import annotations

import base64
import gzip
import hashlib
import re

from survey.models import Answer, Response, ResponseReason
from survey.services.intake.sampling import asked_items
from tests.conftest import hidden_fields

URL = "/s/NA-VINH/Q1"
ITEM = re.compile(r'name="q_([a-z0-9_]+)"')


def shown_items(html: str) -> list[str]:
    return list(dict.fromkeys(ITEM.findall(html)))


def test_each_claimant_gets_one_item_per_dimension(client, questionnaire_v2):
    dimensions = questionnaire_v2.dimension_map()
    facts = [i.code for i in questionnaire_v2.items if i.kind != "rating"]
    seen: set[str] = set()
    for _ in range(40):
        html = client.get(URL).get_data(as_text=True)
        codes = shown_items(html)
        assert codes[0] == "overall" and codes[-3:] == facts
        rated = codes[1:-3]
        assert len(rated) == len(dimensions)
        assert [next(d for d, cs in dimensions.items() if c in cs) for c in rated] == list(
            dimensions)
        sid = hidden_fields(html)["submission_id"]
        assert rated == [i.code for i in asked_items(questionnaire_v2, sid)
                         if i.dimension]
        seen.update(rated)
    # Every item is asked of somebody.
    assert seen == {c for cs in dimensions.values() for c in cs}


def _answer_all(html: str, value: str = "2") -> dict[str, str]:
    data = {f"q_{code}": value for code in shown_items(html)}
    data.update(q_fact_documents="2", q_fact_money="1", q_fact_trips="3")
    return data


def test_a_v2_response_stores_the_asked_items_facts_and_reasons(client, db, questionnaire_v2):
    page = client.get(URL).get_data(as_text=True)
    fields = hidden_fields(page)
    data = {**fields, **_answer_all(page), "service": "ui_apply",
            "reasons": ["long_wait", "attitude"]}
    res = client.post(URL, data=data)
    assert res.status_code == 303, res.get_data(as_text=True)[:2000]
    response = db.session.scalars(db.select(Response)).one()
    answers = {a.item_code: a.value for a in db.session.scalars(
        db.select(Answer).where(Answer.response_id == response.id))}
    assert set(answers) == set(shown_items(page))
    assert answers["fact_documents"] == 2 and answers["fact_money"] == 1
    assert answers["fact_trips"] == 3 and answers["overall"] == 2
    reasons = db.session.scalars(db.select(ResponseReason.reason_code)).all()
    assert sorted(reasons) == ["attitude", "long_wait"]


def test_an_item_that_was_not_asked_is_refused(client, db, questionnaire_v2, count_rows):
    page = client.get(URL).get_data(as_text=True)
    fields = hidden_fields(page)
    shown = set(shown_items(page))
    unasked = next(i.code for i in questionnaire_v2.rated_items() if i.code not in shown)
    data = {**fields, **_answer_all(page, "4"), "service": "ui_apply", f"q_{unasked}": "4"}
    assert client.post(URL, data=data).status_code == 400
    bad_fact = {**fields, **_answer_all(page, "4"), "service": "ui_apply",
                "q_fact_money": "3"}
    assert client.post(URL, data=bad_fact).status_code == 400
    bad_reason = {**fields, **_answer_all(page, "4"), "service": "ui_apply",
                  "reasons": "bribe"}
    assert client.post(URL, data=bad_reason).status_code == 400
    assert count_rows(Response) == 0


def test_failed_submit_has_a_summary_that_links_to_each_field(client, questionnaire_v2,
                                                              count_rows):
    page = client.get(URL).get_data(as_text=True)
    fields = hidden_fields(page)
    res = client.post(URL, data={**fields, "q_fact_trips": "2", "contact_phone": "12"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and count_rows(Response) == 0
    summary = html.split('id="errs"')[1].split("</div>")[0]
    links = re.findall(r'href="#([a-z_]+)"', summary)
    assert links == ["service", "q_overall", "contact_consent", "contact_phone"]
    for target in links:
        assert f'id="{target}"' in html
    assert "Câu trả lời của Ông/Bà chưa được gửi" in summary
    # The answers given are kept, the same items are shown, the contact part is open.
    assert 'value="2" checked' in html or 'checked id="q_fact_trips-1"' in html
    assert shown_items(html) == shown_items(page)
    assert '<details id="contact" open>' in html


def test_the_page_is_small_and_its_script_is_allowed_by_hash(client, questionnaire_v2):
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert len(gzip.compress(page.data)) < 20_000
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = page.headers["Content-Security-Policy"]
    assert f"script-src 'sha256-{digest}'" in policy
    assert "unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_v1_pages_still_ask_everything(client, questionnaire):
    codes = shown_items(client.get(URL).get_data(as_text=True))
    assert codes == questionnaire.item_codes()
