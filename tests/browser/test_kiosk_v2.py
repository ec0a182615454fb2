"""Questionnaire v2 on the kiosk in real Chromium: one rated item per dimension drawn for
each claimant, rated aspects under the stem, the facts on big buttons, only the items
asked sent and stored."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from survey.services import catalogue
from tests.support.live import LiveServer

from .conftest import KIOSK, axe_serious, watch_csp
from .kiosk_helpers import (answer_survey, kiosk_settings, new_kiosk_page, pair, stored,
                            stored_since)

pytestmark = pytest.mark.browser
SCREEN = "#screen[data-screen={}]"
V2_DIMENSIONS = {"access": {"access_1", "access_3", "access_4"},
                 "procedure": {"procedure_1", "procedure_3", "procedure_4"},
                 "staff": {"staff_1", "staff_2", "staff_4"},
                 "result": {"result_1", "result_2"},
                 "feedback": {"feedback_1", "feedback_2"}}
FACTS = {"fact_documents", "fact_money", "fact_trips"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server with v1 and v2 published, v2 current (as the demo ships)."""
    # v2 current (v3 adds the coverage items, which the kiosk does not ask).
    server = LiveServer(tmp_path_factory.mktemp("live"), versions=catalogue.VERSIONS[:2])
    server.prepare()
    server.start()
    yield server
    server.stop()


def shots_dir(tmp_path) -> Path:
    shots = Path(os.environ.get("SURVEY_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_claimant_answers_one_item_per_dimension_and_the_facts(live_server, browser, tmp_path):
    kiosk_settings(live_server, idle=600, thanks=600)
    shots = shots_dir(tmp_path)
    context, page = new_kiosk_page(browser, KIOSK)
    blocked = watch_csp(page)
    pair(page, live_server)
    before = {row.id for row in stored(live_server)}

    def check(name: str) -> None:
        page.screenshot(path=str(shots / f"kiosk-v2-{name}.png"))
        assert axe_serious(page) == [], name

    page.locator(".start").tap()
    screens: list[str] = []
    rated: list[str] = []
    while not page.locator(SCREEN.format("thanks")).count():
        screen = page.locator("#screen").get_attribute("data-screen")
        screens.append(screen)
        if screen == "question":
            code = page.evaluate("window.kiosk.draft.items.filter((i) => (i.kind || 'rating')"
                                 " === 'rating')[window.kiosk.draft.step].code")
            rated.append(code)
            if len(rated) == 1:  # the overall question is a whole question
                assert page.locator(".stem").count() == 0 and page.locator(".na").count() == 0
                assert page.locator(".progress").inner_text() == "Câu 1/8"
                page.locator(".face-4").tap()
            elif len(rated) == 2:  # an aspect under the stem, rated 2: reasons follow
                assert page.locator(".stem").inner_text() == "Ông/Bà hài lòng thế nào về:"
                assert page.locator(".na").inner_text() == "Tôi không gặp việc này"
                check("aspect")
                page.locator(".face-2").tap()
            elif len(rated) == 6:
                page.locator(".na").tap()  # "I did not experience this": stored as null
            else:
                page.locator(".face-5").tap()
        elif screen == "facts":
            facts = page.locator(".fact")
            assert facts.count() == 3
            yes_no = page.locator(".fact[data-code=fact_documents] .fact-choice")
            assert yes_no.all_inner_texts() == ["Có", "Không", "Tôi không nhớ"]
            trips = page.locator(".fact[data-code=fact_trips] .fact-choice")
            assert trips.all_inner_texts() == ["1 lần", "2 lần", "3 lần", "4 lần trở lên",
                                               "Tôi không nhớ"]
            check("facts")
            page.locator(".fact[data-code=fact_documents] [data-value='1']").tap()
            page.locator(".fact[data-code=fact_money] .unsure").tap()
            page.locator(".fact[data-code=fact_trips] [data-value='2']").tap()
            page.locator(".fact[data-code=fact_trips] [data-value='3']").tap()  # changed mind
            assert trips.nth(2).get_attribute("aria-pressed") == "true"
            assert trips.nth(1).get_attribute("aria-pressed") == "false"
            check("facts-answered")
            page.locator(".next").tap()
        elif screen == "service":
            page.locator(".choice[data-code=ui_apply]").tap()
        elif screen == "reasons":
            assert "chạm để chọn một hoặc nhiều ý" in page.locator("h1").inner_text()
            page.locator(".reason[data-code=long_wait]").tap()
            page.locator(".reason[data-code=attitude]").tap()
            check("reasons")
            page.locator(".send").tap()
        else:
            raise AssertionError(screen)
        page.wait_for_function("(n) => window.kiosk.screen === 'thanks' || "
                               "window.kiosk.draft.step === n", arg=len(screens))
    # The overall question, five aspects, the facts, the service and the reasons.
    assert screens == ["question"] * 6 + ["facts", "service", "reasons"]
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")

    new = stored_since(live_server, before)
    assert len(new) == 1
    response = new[0]
    answers = response["answers"]
    asked = set(answers) - FACTS - {"overall"}
    for dimension, codes in V2_DIMENSIONS.items():
        assert len(asked & codes) == 1, dimension
    assert asked == set(rated[1:])
    assert answers["overall"] == 4 and answers[rated[1]] == 2 and answers[rated[5]] is None
    assert {code: answers[code] for code in FACTS} == {
        "fact_documents": 1, "fact_money": None, "fact_trips": 3}
    assert response["reasons"] == ["attitude", "long_wait"]
    assert response["service"] == "ui_apply" and not response["partial"]
    assert response["version"] == 2
    context.close()
    assert blocked == []


def test_each_claimant_gets_a_fresh_draw(live_server, browser):
    """Every item of a dimension is asked, one per claimant, by chance."""
    context, page = new_kiosk_page(browser, KIOSK)
    pair(page, live_server)
    seen: set[str] = set()
    for _ in range(40):
        page.locator(".start").tap()
        codes = page.evaluate("window.kiosk.draft.items.map((i) => i.code)")
        rated = [c for c in codes if c not in FACTS and c != "overall"]
        assert [next(d for d, cs in V2_DIMENSIONS.items() if c in cs) for c in rated] == list(
            V2_DIMENSIONS)  # one per dimension, in questionnaire order
        assert codes[0] == "overall" and codes[-3:] == sorted(FACTS)
        seen.update(rated)
        page.locator(".back").tap()  # back from the first question: the next claimant
        page.wait_for_selector(SCREEN.format("attract"))
    assert seen == set().union(*V2_DIMENSIONS.values())
    context.close()


def test_facts_are_optional_and_unanswered_items_are_not_sent(live_server, browser):
    kiosk_settings(live_server, thanks=1)
    context, page = new_kiosk_page(browser, KIOSK)
    pair(page, live_server)
    before = {row.id for row in stored(live_server)}
    answer_survey(page)  # rates everything asked, passes the facts without answering
    page.wait_for_function("() => document.querySelector('#queue').dataset.queued === '0'")
    (new,) = stored_since(live_server, before)
    answers = set(new["answers"])
    assert len(answers) == 6 and "overall" in answers and not answers & FACTS
    context.close()


@pytest.mark.parametrize("size", [{"width": 800, "height": 1280}])
def test_facts_screen_in_portrait(live_server, browser, tmp_path, size):
    context, page = new_kiosk_page(browser, size)
    pair(page, live_server)
    page.locator(".start").tap()
    while page.locator(SCREEN.format("question")).count():
        page.locator(".face-4").tap()
    page.wait_for_selector(SCREEN.format("facts"))
    page.screenshot(path=str(shots_dir(tmp_path) / "kiosk-v2-facts-portrait.png"))
    assert axe_serious(page) == []
    context.close()
