"""The index's design choices (docs/methodology.md): PSUs, lonely strata, the composite's
definition, default weights, the FPC setting, multiple comparisons, and the two figures
that used to be wrong."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import random
import uuid

import pytest

from survey.analysis import StratumSums, adjust_verdicts, element_composite
from survey.analysis.composite import answer_matrices
from survey.models import Channel
from survey.services.intake.responses import NewResponse, submit_response
from survey.services.reporting import aggregates
from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.periods import parse_period
from survey.services.reporting.served import import_served_csv
from survey.services.reporting.tables import LONELY_MARK, index_report
from tests.index.conftest import IN_Q3, reference

UTC = dt.timezone.utc


def served_csv(db, text: str) -> None:
    import_served_csv(db.session, text.encode("utf-8"))
    db.session.commit()


def test_a_psu_is_a_unit_on_a_local_day(db, tree, make_response):
    # 16:59:59.9999 and 17:00 UTC on 10 August are 10 and 11 August in Vietnam.
    before = dt.datetime(2026, 8, 10, 16, 59, 59, 999900, tzinfo=UTC)
    for moment in (before, before + dt.timedelta(microseconds=100),
                   before + dt.timedelta(hours=6)):
        make_response(tree["NA-DC"], submitted_at=moment)
    make_response(tree["NA-VINH-Q1"], submitted_at=before)
    db.session.commit()
    where = aggregates.period_filter(parse_period("2026-Q3"), None)
    keys = aggregates.item_keys(db.session, [1], composite=True)
    day = aggregates.day_expression(db.session, 7 * 3600)
    _sums, days = aggregates.pattern_sums(db.session, keys, where, "unit", day)
    blocks = aggregates.psu_blocks(db.session, len(keys.keys), where, "unit", day, days)
    dc = blocks[(tree["NA-DC"].id,)]
    assert [str(aggregates.EPOCH + dt.timedelta(days=day)) for day in dc.days] == [
        "2026-08-10", "2026-08-11"]
    assert list(dc.n) == [1, 2]
    assert list(dc.r[1]) == [2] * len(keys.keys) and list(dc.y[1]) == [2] * len(keys.keys)
    assert list(blocks[(tree["NA-VINH-Q1"].id,)].n) == [1]


def test_weighted_item_rows_count_the_items_answers(db, seeded, questionnaire):
    # Was: n = every response of the row once the row was weighted.
    served_csv(db, "period,unit,service,count\n2026-Q3,NA-VINH,,300\n2026-Q3,NA-DC,,50\n")
    counts = sorted(sum(1 for a in seeded.answers if a.get(c) is not None)
                    for c in questionnaire.item_codes())
    middle = counts[len(counts) // 2]
    assert counts[0] < middle < 120
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "item", min_n=middle))
    for row in table.rows:
        answers = sum(1 for a in seeded.answers if a.get(row.key) is not None)
        assert row.weighted and row.n == answers and row.responses == 120
        assert (row.verdict == "insufficient") == (answers < middle)
    assert any(row.verdict == "insufficient" for row in table.rows)
    assert any(row.verdict != "insufficient" for row in table.rows)


def test_service_with_a_count_and_no_responses(db, seeded):
    from survey.services import catalogue

    quiet = [s for s in catalogue.active_services(db.session) if s.code not in seeded.services]
    assert quiet
    served_csv(db, f"period,unit,service,count\n2026-Q3,NA,{quiet[0].code},40\n")
    rows = {r.key: r for r in index_table(db.session, IndexQuery("2026-Q3", "NA", "service")).rows}
    row = rows[quiet[0].code]
    assert (row.served, row.responses, row.response_rate) == (40, 0, 0.0)
    assert math.isnan(row.estimate) and row.verdict == "insufficient"


def test_a_single_counter_day_is_a_lonely_psu(db, seeded, tree, make_response, questionnaire):
    lone = tree["NA-VINH-Q2"].parent  # NA-VINH's own responses: one day only
    for value in (5, 4, 2, 5, 5, 1):
        make_response(lone, answers={c: value for c in questionnaire.item_codes()},
                      submitted_at=IN_Q3)
    db.session.commit()
    table = index_table(db.session, IndexQuery("2026-Q3", "NA-VINH", "unit"))
    rows = {r.key: r for r in table.rows}
    own = rows["NA-VINH"]
    # One PSU in the whole row: no design variance, Clopper–Pearson, and it says so.
    assert own.lonely == 1 and own.df == 0 and math.isnan(own.se)
    assert own.estimate == pytest.approx(4 / 6) and own.method == "clopper_pearson"
    # In the total, NA-VINH's stratum is lonely among others: R's "adjust".
    assert table.total.lonely == 1 and table.total.df > 0
    stored = dataclasses.replace(seeded, units=seeded.units + ["NA-VINH"] * 6,
                                 answers=seeded.answers + [
                                     {c: v for c in questionnaire.item_codes()}
                                     for v in (5, 4, 2, 5, 5, 1)],
                                 days=seeded.days + [dt.date(2026, 8, 10)] * 6)
    expected = reference(stored, questionnaire,
                         keep=lambda i: stored.units[i] != "NA-DC")
    assert table.total.se == pytest.approx(expected.se, rel=1e-12)
    report = index_report(table)
    assert report.total.marks.get("interval") == LONELY_MARK
    assert any(note.mark == LONELY_MARK for note in report.notes)


def _v2_with_a_new_dimension(db, questionnaire):
    from survey.services import catalogue

    definition = copy.deepcopy(questionnaire.definition)
    definition["version"] = 2
    definition["dimensions"].append({"code": "digital", "vi": "Dịch vụ trực tuyến",
                                     "en": "Online services"})
    definition["items"].append({"code": "digital_1", "dimension": "digital",
                                "vi": "Cổng dịch vụ công", "en": "Public service portal"})
    return catalogue.load_questionnaire(db.session, definition)


def test_the_composite_keeps_its_five_dimensions(db, seeded, tree, questionnaire):
    before = index_table(db.session, IndexQuery("2026-Q3", "NA", "dimension"))
    v2 = _v2_with_a_new_dimension(db, questionnaire)
    # One kiosk response that answers only the new dimension, with a 1.
    answers = {c: None for c in v2.item_codes()} | {"overall": 3, "digital_1": 1}
    submit_response(db.session, NewResponse(
        id=uuid.uuid4(), unit=tree["NA-DC"], questionnaire=v2, channel=Channel.kiosk,
        locale="vi", answers=answers, submitted_at=IN_Q3))
    db.session.commit()
    after = index_table(db.session, IndexQuery("2026-Q3", "NA", "dimension"))
    # Was: the new dimension weighed 1/6 at 0 % and dragged the index down.
    assert [r.key for r in after.rows] == [r.key for r in before.rows]
    assert after.total.estimate == pytest.approx(before.total.estimate, abs=1e-12)
    assert after.total.responses == before.total.responses + 1
    items = {r.key: r for r in index_table(db.session, IndexQuery("2026-Q3", "NA", "item")).rows}
    assert items["digital_1"].n == 1 and items["digital_1"].verdict == "insufficient"


def test_a_dimension_with_too_few_answers_stays_out(db, tree, make_response, questionnaire,
                                                    english):
    rnd = random.Random(5)
    stored = []
    for i in range(30):
        answers = {c: rnd.choice([2, 4, 5]) for c in questionnaire.item_codes()}
        if i >= 3:  # feedback items answered by three people only, all unhappy
            answers.update(feedback_1=None, feedback_2=None)
        else:
            answers.update(feedback_1=1, feedback_2=1)
        make_response(tree["NA-DC"], answers=answers,
                      submitted_at=IN_Q3 + dt.timedelta(days=i % 6))
        stored.append(answers)
    db.session.commit()
    table = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "dimension", locale="en"))
    assert table.total.excluded == ("feedback",)
    dims = {r.key: r for r in table.rows}
    assert math.isnan(dims["feedback"].estimate)
    others = [dims[d].estimate for d in ("access", "procedure", "staff", "result")]
    assert table.total.estimate == pytest.approx(sum(others) / 4, abs=1e-12)
    assert any("Feedback" in str(n) or "feedback" in str(n) for n in table.notes)
    # With the threshold at 3 the three answers count: 0 % for feedback.
    low = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "dimension", min_answers=3))
    assert low.total.excluded == () and low.total.estimate < table.total.estimate


def test_the_fpc_setting_gives_the_element_design(db, seeded, questionnaire):
    served_csv(db, "period,unit,service,count\n2026-Q3,NA-VINH,,300\n2026-Q3,NA-DC,,50\n")
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit", fpc=True))
    assert table.design == "element_fpc" and table.total.deff is None
    strata = ["NA-DC" if u == "NA-DC" else "NA-VINH" for u in seeded.units]
    dims = questionnaire.dimension_map()
    codes = [c for cs in dims.values() for c in cs]
    satisfied, answered = answer_matrices(
        {c: [a.get(c) for a in seeded.answers] for c in codes}, codes)
    elements, weights = {}, {}
    for h, big_n in (("NA-VINH", 300), ("NA-DC", 50)):
        rows = [i for i, s in enumerate(strata) if s == h]
        elements[h] = StratumSums.from_indicators(satisfied[rows], answered[rows], big_n)
        weights[h] = big_n / len(rows)
    expected = element_composite(elements, dims, codes, weights, min_answers=5)
    assert table.total.estimate == pytest.approx(expected.estimate, abs=1e-12)
    assert table.total.se == pytest.approx(expected.se, rel=1e-12)
    assert table.total.df == 120 - 2
    clustered = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    assert clustered.design == "clustered" and clustered.total.deff is not None
    assert str(table.design.label) != str(clustered.design.label)


def test_unit_rows_are_adjusted_for_many_comparisons(db, tree, make_response, questionnaire,
                                                     make_unit):
    rnd = random.Random(11)
    parent = tree["NA-DC"]
    for c in range(8):
        counter = make_unit(f"NA-DC-Q{c}", parent=parent)
        share = 0.80 + 0.03 * c
        for i in range(40):
            value = 5 if rnd.random() < share else 2
            make_response(counter, answers={k: value for k in questionnaire.item_codes()},
                          submitted_at=IN_Q3 + dt.timedelta(days=i % 10))
    db.session.commit()
    raw = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "unit", fdr=False))
    adjusted = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "unit"))
    assert adjusted.fdr and not raw.fdr
    assert all(r.adjusted for r in adjusted.rows) and not any(r.adjusted for r in raw.rows)
    expected = adjust_verdicts([r.test for r in raw.rows], 0.95)
    assert [r.verdict for r in adjusted.rows] == [v.verdict for v in expected]
    assert [r.p_value for r in adjusted.rows] == pytest.approx([v.p_value for v in expected])
    # Adjusting only ever withdraws a verdict, and the total row is not adjusted.
    for before, after in zip(raw.rows, adjusted.rows):
        assert after.verdict in (before.verdict, "inconclusive")
    assert adjusted.total == dataclasses.replace(raw.total)
    assert not adjusted.total.adjusted
    withdrawn = [r.key for r, a in zip(raw.rows, adjusted.rows) if r.verdict != a.verdict]
    assert withdrawn, [(r.key, r.verdict, r.p_value) for r in raw.rows]
    # Other breakdowns are not adjusted unless asked.
    assert not index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "dimension")).fdr


def test_depth_shows_offices_and_their_counters(db, seeded, english):
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit", depth=2))
    keys = [(r.key, r.level) for r in table.rows]
    assert ("NA-VINH", 1) in keys and ("NA-DC", 1) in keys
    vinh = keys.index(("NA-VINH", 1))
    children = [k for k, level in keys[vinh + 1:] if level == 2]
    assert {"NA-VINH-Q1", "NA-VINH-Q2", "NA-DEMO1"} <= set(children)
    rows = {(r.key, r.level): r for r in table.rows}
    shallow = {r.key: r for r in index_table(db.session, IndexQuery("2026-Q3", "NA-VINH",
                                                                     "unit", fdr=False)).rows}
    deep = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit", depth=2, fdr=False))
    for row in deep.rows:
        if row.level == 2:
            assert row.estimate == pytest.approx(shallow[row.key].estimate, abs=1e-12) \
                or math.isnan(row.estimate)
    assert rows[("NA-VINH-Q1", 2)].responses == 45
    report = index_report(table)
    assert [r.indent for r in report.rows] == [level - 1 for _k, level in keys]
    with pytest.raises(Exception):
        index_table(db.session, IndexQuery("2026-Q3", "NA", "unit", depth=9))


def test_no_response_rate_without_a_count_and_never_over_100(db, seeded, english):
    from survey.services.reporting.tables import NO_COUNT_MARK

    report = index_report(index_table(db.session, IndexQuery("2026-Q3", "NA", "unit")))
    marked = [r["key"] for r in report.rows if r.marks.get("response_rate") == NO_COUNT_MARK]
    assert set(marked) == {"NA-VINH", "NA-DC"}
    assert any(note.mark == NO_COUNT_MARK for note in report.notes)
    row = dataclasses.replace(index_table(db.session, IndexQuery("2026-Q3", "NA-DC")).total,
                              served=5)
    assert row.responses == 20 and row.response_rate is None
