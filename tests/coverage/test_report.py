"""Coverage figures: exact shares, completeness, verdicts against each year's target."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.models import CoverageCount, utcnow
from survey.timeutil import local_date
from survey.services import audit
from survey.services.coverage import (CoverageVerdict, configured_targets, coverage_report,
                                      coverage_trend, import_coverage_csv)
from survey.services.coverage.demo import add_demo_coverage, last_full_months
from survey.services.coverage.report import months_ending, months_of, verdict
from survey.services.errors import NotFound
from survey.services.reporting.periods import parse_period

from .conftest import REPORTERS, csv, line


def by_key(report):
    return {row["key"]: row for row in report.rows}


def fill(db, months, units=REPORTERS, **counts):
    import_coverage_csv(db.session, csv(*(line(m, u, **counts) for m in months for u in units)),
                        audit.CLI)


def test_sums_the_subtree_exactly(db, demo):
    fill(db, ["2026-07", "2026-08", "2026-09"])
    report = coverage_report(db.session, "2026-Q3", "NA")
    rows = by_key(report)
    assert (rows["counselling"]["numerator"], rows["counselling"]["denominator"]) == (810, 810)
    assert (rows["placement"]["numerator"], rows["placement"]["denominator"]) == (180, 288)
    assert rows["placement"]["share"] == pytest.approx(180 / 288)
    assert all(row["interval"] is None for row in report.rows)  # exact counts
    assert report.meta["complete"] and report.meta["missing"] == ()
    branch = by_key(coverage_report(db.session, "2026-Q3", "NA-DEMO1"))
    assert branch["referral"]["denominator"] == 120  # its own three months only


def test_a_missing_month_or_unit_withholds_every_verdict(db, demo, english):
    fill(db, ["2026-07", "2026-08", "2026-09"], units=("NA-VINH", "NA-DEMO1"))
    fill(db, ["2026-07", "2026-09"], units=("NA-DEMO2",))
    report = coverage_report(db.session, "2026-Q3", "NA")
    assert not report.meta["complete"]
    assert report.meta["missing"] == (("NA-DEMO2", "2026-08"),)
    assert {row["verdict"] for row in report.rows if row["source"].value == "admin"} \
        == {CoverageVerdict.INCOMPLETE}
    row = by_key(report)["counselling"]
    assert (row["expected"], row["reported"], row["complete"]) == (9, 8, False)
    assert row["missing"] == "NA-DEMO2 2026-08"
    assert "1 of 9 unit-months missing" in str(row["data"])
    assert any("NA-DEMO2 2026-08" in str(note.text) for note in report.notes)
    # The branches that sent everything are complete on their own.
    assert coverage_report(db.session, "2026-Q3", "NA-DEMO1").meta["complete"]


def test_a_unit_that_never_reported_is_missing(db, demo):
    fill(db, ["2026-09"], units=("NA-VINH",))
    report = coverage_report(db.session, "2026-09", "NA-VINH")
    assert report.meta["missing"] == (("NA-DEMO1", "2026-09"), ("NA-DEMO2", "2026-09"))


def test_an_inactive_unit_is_not_expected(db, demo):
    from survey.services import catalogue

    catalogue.unit_by_code(db.session, "NA-DEMO2").active = False
    db.session.flush()
    fill(db, ["2026-09"], units=("NA-VINH", "NA-DEMO1"))
    assert coverage_report(db.session, "2026-09", "NA").meta["complete"]


@pytest.mark.parametrize("month, code, numerator, denominator, target, expected", [
    # 2025: 100 % counselled, 80 % referred, 60 % placed.
    ("2025-06", "counselling", 90, 90, 1.0, "met"),
    ("2025-06", "counselling", 89, 90, 1.0, "not_met"),
    ("2025-06", "referral", 32, 40, 0.8, "met"),
    ("2025-06", "referral", 31, 40, 0.8, "not_met"),
    ("2025-06", "placement", 18, 30, 0.6, "met"),
    ("2025-06", "placement", 17, 30, 0.6, "not_met"),
    # 2026–2030: 90 % referred, 70 % placed; counselling stays at 100 %.
    ("2027-03", "referral", 32, 40, 0.9, "not_met"),
    ("2027-03", "referral", 36, 40, 0.9, "met"),
    ("2030-12", "placement", 21, 30, 0.7, "met"),
    ("2030-12", "placement", 20, 30, 0.7, "not_met"),
    ("2027-03", "counselling", 90, 90, 1.0, "met"),
    # After 2030: the last milestone's targets.
    ("2032-01", "referral", 35, 40, 0.9, "not_met"),
    # Training support: "a rising share", no target and no verdict.
    ("2025-06", "training", 4, 100, None, "no_target"),
])
def test_verdicts_against_each_years_target(db, demo, month, code, numerator, denominator,
                                            target, expected):
    fields = {"counselling": ("counselled", "counselling_asked"),
              "referral": ("referred", "referral_asked"),
              "placement": ("placed", "referred"),
              "training": ("training_supported", "applicants")}[code]
    counts = {fields[0]: numerator, fields[1]: denominator}
    if code == "placement":
        counts["referral_asked"] = denominator
    fill(db, [month], **counts)
    row = by_key(coverage_report(db.session, month, "NA-DEMO1"))[code]
    assert row["target"] == target
    assert row["verdict"] == CoverageVerdict(expected)


def test_nobody_asked_is_no_data(db, demo):
    fill(db, ["2026-09"], referral_asked=0, referred=0, placed=0)
    rows = by_key(coverage_report(db.session, "2026-09", "NA"))
    assert rows["referral"]["share"] is None
    assert rows["referral"]["verdict"] == CoverageVerdict.NO_DATA
    assert rows["placement"]["verdict"] == CoverageVerdict.NO_DATA


def test_configured_targets_replace_the_plans(app, db, demo):
    fill(db, ["2026-09"])  # referral 32/40 = 80 %
    targets = configured_targets({"COVERAGE_TARGETS": {"referral": {"2030": 0.75}}})
    rows = by_key(coverage_report(db.session, "2026-09", "NA", targets=targets))
    assert rows["referral"]["target"] == 0.75
    assert rows["referral"]["verdict"] == CoverageVerdict.MET
    assert rows["placement"]["target"] == 0.7  # the others keep the plan's
    for bad in ({"nope": {"2025": 0.5}}, {"referral": {"2025": 1.5}}):
        with pytest.raises(ValueError):
            configured_targets({"COVERAGE_TARGETS": bad})


def test_exact_comparison_of_shares():
    assert verdict(None, 0.8, True) == CoverageVerdict.NO_DATA
    from fractions import Fraction
    assert verdict(Fraction(4, 5), 0.8, True) == CoverageVerdict.MET  # no float rounding
    assert verdict(Fraction(4, 5), 0.8, False) == CoverageVerdict.INCOMPLETE


def test_unknown_unit(db, demo):
    with pytest.raises(NotFound):
        coverage_report(db.session, "2026", "NOPE")


def test_months():
    assert months_of(parse_period("2026-Q3")) == ["2026-07", "2026-08", "2026-09"]
    assert len(months_of(parse_period("2026"))) == 12
    assert months_ending(parse_period("2026-Q1"), 4) == ["2025-12", "2026-01", "2026-02",
                                                         "2026-03"]
    assert last_full_months(dt.date(2026, 1, 15), 2) == ["2025-11", "2025-12"]


def test_trend_marks_incomplete_months(db, demo):
    fill(db, ["2026-08", "2026-09"])
    fill(db, ["2026-07"], units=("NA-VINH",))
    trend = coverage_trend(db.session, "2026-Q3", "NA", months=3)
    assert [(r["month"], r["complete"]) for r in trend.rows] == [
        ("2026-07", False), ("2026-08", True), ("2026-09", True)]
    assert trend.rows[1]["referral"] == pytest.approx(0.8)


def test_demo_year_is_complete_and_plausible(db, demo, count_rows):
    summary = add_demo_coverage(db.session, now=dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc))
    assert summary.inserted == 36 and count_rows(CoverageCount) == 36
    report = coverage_report(db.session, "2026-Q3", "NA")
    assert report.meta["complete"]
    rows = by_key(report)
    assert 0.95 < rows["counselling"]["share"] <= 1
    assert 0.7 < rows["referral"]["share"] < 0.95
    assert 0.5 < rows["placement"]["share"] < 0.72
    assert coverage_report(db.session, "2026", "NA").meta["missing"][0][1] == "2026-12"


def test_cli_text_and_json(runner, db, demo):
    fill(db, ["2026-07", "2026-08", "2026-09"])
    db.session.commit()
    text = runner.invoke(args=["survey", "coverage", "--period", "2026-Q3", "--unit", "NA",
                               "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "Counselled free of charge when they asked" in text.output
    assert "100.0 %" in text.output and "met" in text.output
    import json
    data = json.loads(runner.invoke(args=["survey", "coverage", "--period", "2026-Q3",
                                          "--unit", "NA", "--format", "json"]).output)
    assert data["complete"] and data["rows"][0]["verdict"] == "met"
    missing = runner.invoke(args=["survey", "coverage", "--unit", "NA"])
    assert missing.exit_code == 2 and "--period" in missing.output
    unknown = runner.invoke(args=["survey", "coverage", "--period", "2026", "--unit", "NOPE"])
    assert unknown.exit_code == 1 and "NOPE" in unknown.output


def test_seed_demo_fills_the_coverage_page(db, runner, count_rows):
    assert runner.invoke(args=["survey", "seed-demo"]).exit_code == 0
    assert count_rows(CoverageCount) == 36  # three reporting units, twelve months
    from survey.services.coverage.report import months_ending

    last = parse_period(last_full_months(local_date(utcnow()), 1)[0])
    report = coverage_report(db.session, last, "NA")
    assert report.meta["complete"]
    assert all(row["share"] is not None for row in report.rows
               if row["source"].value == "admin")
    # The demo's phone responses answer the survey's coverage items too.
    assert all(row["denominator"] > 0 and row["no_need"] > 0 for row in report.rows
               if row["source"].value == "survey")
    assert len(months_ending(last, 12)) == 12
    again = runner.invoke(args=["survey", "seed-demo"])
    assert again.exit_code == 0 and count_rows(CoverageCount) == 36
