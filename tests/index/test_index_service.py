"""index_table: the same figures as composite_index on the raw answers."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from survey.analysis import target_verdict
from survey.models import ResponseStatus
from survey.services.errors import NotFound, ServiceError
from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.served import import_served_csv
from survey.services.reporting.strata import ServedCountError
from tests.index.conftest import IN_Q3, reference

FIELDS = ("estimate", "se", "low", "high", "df", "n")


def same(row, expected, fields=FIELDS):
    for name in fields:
        got, want = getattr(row, name), getattr(expected, name)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), name


def served_csv(db, text: str) -> None:
    import_served_csv(db.session, text.encode("utf-8"))
    db.session.commit()


VINH_STRATA = {"NA-VINH-Q1": "NA-VINH-Q1", "NA-VINH-Q2": "NA-VINH",
               "NA-DEMO1-Q1": "NA-VINH", "NA-DC": "NA-DC"}
COUNTS = "period,unit,service,count\n2026-Q3,NA-VINH-Q1,,100\n2026-Q3,NA-VINH,,300\n" \
         "2026-Q3,NA-DC,,50\n"


def test_unweighted_total_equals_composite_index(db, seeded, questionnaire):
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    expected = reference(seeded, questionnaire)
    assert not table.total.weighted and table.total.responses == 120
    same(table.total, expected)
    assert table.total.method == "logit"
    assert target_verdict(expected, 0.9).verdict == table.total.verdict


def test_weighted_strata_follow_nearest_counted_unit(db, seeded, questionnaire):
    served_csv(db, COUNTS)
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    # NA-VINH's 300 less NA-VINH-Q1's own 100 is the population of its other units.
    expected = reference(seeded, questionnaire, VINH_STRATA.get,
                         {"NA-VINH-Q1": 100, "NA-VINH": 200, "NA-DC": 50})
    assert table.total.weighted and expected.weighted
    same(table.total, expected)
    rows = {row.key: row for row in table.rows}
    vinh = reference(seeded, questionnaire, VINH_STRATA.get,
                     {"NA-VINH-Q1": 100, "NA-VINH": 200},
                     keep=lambda i: seeded.units[i] != "NA-DC")
    same(rows["NA-VINH"], vinh)
    assert rows["NA-VINH"].served == 300 and rows["NA-VINH"].responses == 100
    assert rows["NA-VINH"].response_rate == pytest.approx(100 / 300)
    assert rows["NA-DC"].served == 50 and rows["NA-DC"].weighted
    assert table.total.served == 350


def test_units_without_a_served_count_carry_the_average_weight(db, seeded, questionnaire,
                                                               english):
    # One unit without a count no longer makes the whole table unweighted.
    served_csv(db, "period,unit,service,count\n2026-Q3,NA-VINH,,300\n")
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit", locale="en"))
    rows = {row.key: row for row in table.rows}
    assert rows["NA-VINH"].weighted and not rows["NA-DC"].weighted
    assert table.total.weighted and table.total.served is None
    assert table.total.default_weighted == 20 and rows["NA-VINH"].default_weighted == 0
    strata = {u: ("NA-DC" if u == "NA-DC" else "NA-VINH") for u in set(seeded.units)}
    expected = reference(seeded, questionnaire, strata.get, {"NA-VINH": 300})
    same(table.total, expected)
    assert table.total.deff == pytest.approx(expected.deff, rel=1e-9)
    # By hand: NA-DC's 20 responses weigh 300/100, as NA-VINH's do.
    weights = {"NA-VINH": 3.0, "NA-DC": 3.0}
    assert expected.estimate == pytest.approx(reference(
        seeded, questionnaire, strata.get, {h: w * (100 if h == "NA-VINH" else 20)
                                             for h, w in weights.items()}).estimate, abs=1e-12)
    assert any("average weight" in str(note) for note in table.notes)


def test_served_count_below_responses_is_an_error(db, seeded, english):
    served_csv(db, "period,unit,service,count\n2026-Q3,NA-DC,,19\n")
    with pytest.raises(ServedCountError, match="NA-DC"):
        index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))


def test_quarter_count_made_of_months(db, seeded, questionnaire):
    months = "".join(f"2026-{m:02d},NA-DC,,{c}\n" for m, c in ((7, 10), (8, 20), (9, 30)))
    served_csv(db, "period,unit,service,count\n" + months
               + "2026-Q3,NA-VINH,,300\n2026-Q3,NA-VINH-Q1,,100\n")
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    expected = reference(seeded, questionnaire, VINH_STRATA.get,
                         {"NA-VINH-Q1": 100, "NA-VINH": 200, "NA-DC": 60})
    same(table.total, expected)
    # Only two of three months known: no quarter count for NA-DC.
    served_csv(db, "period,unit,service,count\n2026-07,NA-VINH,,1\n")
    assert index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "unit")).total.served == 60


def test_receipt_codes_are_no_served_count_unless_configured(db, seeded, tree, questionnaire):
    from survey.services import catalogue
    from survey.services.intake import receipts

    service = catalogue.active_services(db.session)[0]
    receipts.issue_receipt_codes(db.session, tree["NA-DC"], service, 20, now=IN_Q3)
    db.session.commit()
    # Twenty codes, twenty responses: no "census", no weights, no response rate.
    table = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "unit"))
    assert table.total.served is None and not table.total.weighted
    assert table.total.method == "logit" and table.total.low < table.total.estimate
    # A unit that gives a code to every claimant: the codes stand in, without an FPC.
    every = IndexQuery("2026-Q3", "NA-DC", "unit", receipts_for_all=("NA-DC",))
    total = index_table(db.session, every).total
    assert total.served == 20 and total.weighted and total.response_rate == 1.0
    assert total.method == "logit" and total.se > 0
    fpc = index_table(db.session, dataclasses.replace(every, fpc=True)).total
    assert fpc.method == "logit" and fpc.se > 0  # codes never make a census
    # Fewer codes than responses: the codes undercount claimants and are set aside.
    receipts.issue_receipt_codes(db.session, tree["NA-VINH-Q2"], service, 5, now=IN_Q3)
    db.session.commit()
    vinh = index_table(db.session, IndexQuery("2026-Q3", "NA-VINH-Q2", "unit",
                                              receipts_for_all=("NA",))).total
    assert not vinh.weighted and vinh.served is None and vinh.response_rate is None


def test_only_valid_responses_in_the_period_count(db, tree, make_response, questionnaire):
    start = dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.timezone.utc)  # 1 July 00:00 local
    make_response(tree["NA-DC"], submitted_at=start)
    make_response(tree["NA-DC"], submitted_at=start - dt.timedelta(seconds=1))
    make_response(tree["NA-DC"], submitted_at=start + dt.timedelta(days=3),
                  status=ResponseStatus.flagged, status_reason="too_fast")
    make_response(tree["NA-DC"], submitted_at=start + dt.timedelta(days=3),
                  status=ResponseStatus.excluded)
    db.session.commit()
    assert index_table(db.session, IndexQuery("2026-Q3", "NA", "unit")).total.responses == 1
    assert index_table(db.session, IndexQuery("2026-Q2", "NA", "unit")).total.responses == 1
    assert index_table(db.session, IndexQuery("2026", "NA", "unit")).total.responses == 2


def test_dimension_and_item_rows(db, seeded, questionnaire):
    expected = reference(seeded, questionnaire)
    dims = index_table(db.session, IndexQuery("2026-Q3", "NA", "dimension", locale="en"))
    assert [r.key for r in dims.rows] == list(questionnaire.dimension_map())
    for row in dims.rows:
        same(row, expected.dimensions[row.key])
    assert dims.rows[0].label == "Access to the service"
    items = index_table(db.session, IndexQuery("2026-Q3", "NA", "item"))
    by_key = {row.key: row for row in items.rows}
    assert set(by_key) == set(questionnaire.item_codes())  # the overall item too
    alone = reference(seeded, questionnaire, items=True)
    for code, row in by_key.items():
        n = sum(1 for a in seeded.answers if a.get(code) is not None)
        assert (row.n, row.method) == (n, "logit")
        same(row, alone.items[code])
        assert row.deff == pytest.approx(alone.items[code].deff, rel=1e-9)
        assert row.verdict == target_verdict(alone.items[code], 0.9).verdict


def test_weighted_item_rows_use_the_design(db, seeded, questionnaire):
    served_csv(db, COUNTS)
    items = {r.key: r for r in index_table(db.session, IndexQuery("2026-Q3", "NA", "item")).rows}
    expected = reference(seeded, questionnaire, VINH_STRATA.get,
                         {"NA-VINH-Q1": 100, "NA-VINH": 200, "NA-DC": 50})
    for code, figure in expected.items.items():
        same(items[code], figure, ("estimate", "se", "low", "high", "df"))
        assert items[code].weighted and items[code].method == "logit"


def test_service_and_channel_rows(db, seeded, questionnaire):
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "service"))
    rows = {row.key: row for row in table.rows}
    code = seeded.services[0]
    same(rows[code], reference(seeded, questionnaire, keep=lambda i: seeded.services[i] == code))
    assert not rows[code].weighted
    assert sum(row.responses for row in table.rows) == 120
    channels = index_table(db.session, IndexQuery("2026-Q3", "NA", "channel"))
    assert [r.key for r in channels.rows] == ["qr", "receipt", "kiosk", "web"]
    kiosk = channels.rows[2]
    same(kiosk, reference(seeded, questionnaire, keep=lambda i: seeded.channels[i] == "kiosk"))


def test_service_rows_weighted_by_service_counts(db, seeded, questionnaire):
    code = seeded.services[0]
    units = sorted(set(seeded.units))
    counts = {u: 200 for u in units}
    served_csv(db, "period,unit,service,count\n"
               + "".join(f"2026-Q3,{u},{code},{counts[u]}\n" for u in units))
    rows = {r.key: r for r in index_table(db.session, IndexQuery("2026-Q3", "NA", "service")).rows}
    expected = reference(seeded, questionnaire, lambda u: u, counts,
                         keep=lambda i: seeded.services[i] == code)
    assert rows[code].weighted and rows[code].served == 800
    same(rows[code], expected)
    others = [r for k, r in rows.items() if k != code and r.responses]
    assert others and not any(r.weighted for r in others)


def test_small_and_empty_cells(db, tree, make_response):
    for _ in range(3):
        make_response(tree["NA-DC"], submitted_at=IN_Q3)
    db.session.commit()
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    rows = {row.key: row for row in table.rows}
    assert rows["NA-DC"].verdict == "insufficient" and rows["NA-DC"].n == 3
    assert math.isnan(rows["NA-VINH"].estimate) and rows["NA-VINH"].verdict == "insufficient"
    assert rows["NA-VINH"].n == 0
    empty = index_table(db.session, IndexQuery("2025-Q1", "NA", "dimension"))
    assert math.isnan(empty.total.estimate) and empty.rows == []


def test_own_responses_of_the_scope_get_a_row(db, tree, make_response):
    for _ in range(12):
        make_response(tree["NA-VINH"], submitted_at=IN_Q3)
        make_response(tree["NA-VINH-Q1"], submitted_at=IN_Q3)
    db.session.commit()
    table = index_table(db.session, IndexQuery("2026-Q3", "NA-VINH", "unit"))
    rows = {r.key: r for r in table.rows}
    assert rows["NA-VINH"].responses == 12 and rows["NA-VINH-Q1"].responses == 12
    assert rows["NA-VINH"].estimate == 1.0 and rows["NA-VINH"].method == "clopper_pearson"


@pytest.mark.parametrize("period,unit,by,target,error", [
    ("2026-Q5", "NA", "unit", None, ServiceError),
    ("2026-13", "NA", "unit", None, ServiceError),
    ("26", "NA", "unit", None, ServiceError),
    ("2026-Q3", "XX", "unit", None, NotFound),
    ("2026-Q3", "NA", "counter", None, ServiceError),
    ("2026-Q3", "NA", "unit", 1.5, ServiceError),
    ("2026-Q3", "NA", "unit", 0, ServiceError),
])
def test_bad_arguments(db, tree, period, unit, by, target, error):
    with pytest.raises(error):
        index_table(db.session, IndexQuery(period, unit, by, target))


def test_default_target_follows_the_year(db, tree):
    assert index_table(db.session, IndexQuery("2025", "NA")).target == 0.85
    assert index_table(db.session, IndexQuery("2026-Q3", "NA")).target == 0.90
    assert index_table(db.session, IndexQuery("2026-Q3", "NA", target=0.8)).target == 0.8


@pytest.mark.parametrize("level,min_n", [(1.5, 10), (0.3, 10), (0.95, -1)])
def test_bad_level_or_minimum(db, tree, level, min_n):
    with pytest.raises(ServiceError):
        index_table(db.session, IndexQuery("2026-Q3", "NA", level=level, min_n=min_n))
