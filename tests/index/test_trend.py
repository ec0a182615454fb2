"""The trend service: the index per period, effective counts, trend test and p-chart."""
from __future__ import annotations

import math

import pytest

from survey.analysis import p_chart, trend_test
from survey.services.errors import NotFound, ServiceError
from survey.services.reporting.index import Breakdown, IndexQuery, VerdictCode, index_table
from survey.services.reporting.periods import parse_period
from survey.services.reporting.trend import (Direction, TrendQuery, check_every,
                                             effective_counts, period_series, trend_report,
                                             trend_table)

from .trend_data import series  # noqa: F401  (fixture)

QUARTERS = ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2",
            "2026-Q3"]


def expected_counts(estimate: float, se: float, n: int) -> tuple[int, int]:
    """Kish / Korn–Graubard effective counts, written out again for the test."""
    if n == 0 or estimate != estimate:
        return 0, 0
    simple = estimate in (0.0, 1.0) or not math.isfinite(se) or se == 0.0
    n_star = n if simple else min(n, estimate * (1 - estimate) / se ** 2)
    n_whole = int(math.floor(n_star + 0.5))
    return min(int(math.floor(estimate * n_whole + 0.5)), n_whole), n_whole


@pytest.fixture
def table(db, series):  # noqa: F811
    return trend_table(db.session, TrendQuery("NA", "2026-Q3"))


def test_points_are_the_index_totals_of_each_quarter(db, series, table):  # noqa: F811
    assert [p.period.code for p in table.points] == QUARTERS
    assert (table.unit_code, table.every, table.periods, table.to.code) == (
        "NA", "quarter", 8, "2026-Q3")
    for point in table.points:
        total = index_table(db.session, IndexQuery(point.period.code, "NA", Breakdown.UNIT)).total
        assert point.n == total.n
        year, quarter = point.period.year, int(point.period.code[-1])
        assert point.n == series.get((year, quarter), 0)
        if point.n == 0:
            assert math.isnan(point.estimate)
            continue
        assert (point.estimate, point.low, point.high) == (total.estimate, total.low,
                                                           total.high)
        assert point.se == total.se or (math.isnan(point.se) and math.isnan(total.se))
        assert point.verdict == total.verdict


def test_effective_counts_follow_the_formula(db, table):
    x_eff, n_eff = [], []
    for point in table.points:
        x, n = expected_counts(point.estimate, point.se, point.n)
        assert (point.x_eff, point.n_eff) == (x, n), point.period.code
        assert 0 <= point.x_eff <= point.n_eff <= point.n
        x_eff.append(x)
        n_eff.append(n)
    # Days differ more than chance: the design shrinks some periods' weight (n* < n).
    assert any(0 < p.n_eff < p.n for p in table.points)
    assert n_eff[0] == n_eff[3] == 0


def test_effective_counts_by_hand():
    assert effective_counts(0.8, 0.05, 100) == (51, 64)  # 0.16/0.0025 = 64, 51.2
    assert effective_counts(0.8, 0.01, 100) == (80, 100)  # 1600 is capped at n
    assert effective_counts(1.0, 0.0, 20) == (20, 20)
    assert effective_counts(0.5, math.nan, 7) == (4, 7)  # 3.5 rounds half up
    assert effective_counts(0.9, 0.0, 12) == (11, 12)  # no sampling error: n itself
    assert effective_counts(math.nan, math.nan, 0) == (0, 0)


def test_trend_and_p_chart_use_the_effective_counts(table):
    x = [p.x_eff for p in table.points]
    n = [p.n_eff for p in table.points]
    want = trend_test(x, n, scores=list(range(1, 9)))
    got = table.trend
    for name in ("chi_square", "p_value", "slope", "se", "wald_p", "odds_ratio"):
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-12), name
    assert got.converged and want.converged
    assert table.direction == Direction.RISING and got.p_value < 0.05 and got.slope > 0
    chart = p_chart(x, n, centre=sum(x) / sum(n))
    assert table.centre == pytest.approx(sum(x) / sum(n))
    for i, point in enumerate(table.points):
        assert point.out_of_control == chart.out_of_control[i]
        if point.n_eff:
            assert (point.lower, point.upper) == (chart.lower[i], chart.upper[i])
            assert point.exact == chart.exact[i]
    # The dip of 2026-Q1 is outside the limits; the quarters without responses are not.
    flagged = [p.period.code for p in table.points if p.out_of_control]
    assert "2026-Q1" in flagged


def test_a_period_without_responses_has_no_weight_and_no_flag(table):
    empty = [p for p in table.points if p.period.code in ("2024-Q4", "2025-Q3")]
    for point in empty:
        assert (point.n, point.n_eff, point.x_eff) == (0, 0, 0)
        assert point.lower is None and point.upper is None
        assert not point.out_of_control and not point.exact
        assert point.verdict == VerdictCode.INSUFFICIENT


def test_report_notes_state_the_result(app, table, english):
    report = trend_report(table)
    assert [c.key for c in report.shown] == [
        "period", "n", "estimate", "interval", "verdict", "n_eff", "limits",
        "out_of_control"]
    assert [row["period"] for row in report.rows] == QUARTERS
    assert report.rows[0]["estimate"] is None and report.rows[0]["limits"] is None
    first = str(report.notes[0].text)
    chi = f"{table.trend.chi_square:.2f}"
    assert first.startswith("The index rose over the 8 quarters") and chi in first
    assert f"Odds ratio per quarter: {table.trend.odds_ratio:.3f}" in first
    assert "n* = p(1−p)/SE²" in str(report.notes[-1].text)
    assert "8 quarters from 2024-Q4 to 2026-Q3" in str(report.title)


def test_months_and_a_finer_kind_than_the_end(db, series):  # noqa: F811
    table = trend_table(db.session, TrendQuery("NA", "2026-Q3", 12, "month"))
    assert [p.period.code for p in table.points][-3:] == ["2026-07", "2026-08", "2026-09"]
    assert table.points[0].period.code == "2025-10"
    quarters = trend_table(db.session, TrendQuery("NA", "2026-Q3"))
    by_quarter = {p.period.code: p.n for p in quarters.points}
    assert sum(p.n for p in table.points[-3:]) == by_quarter["2026-Q3"]


def test_period_steps():
    codes = lambda periods: [p.code for p in periods]  # noqa: E731
    assert codes(period_series(parse_period("2026-Q1"), "quarter", 3)) == [
        "2025-Q3", "2025-Q4", "2026-Q1"]
    assert codes(period_series(parse_period("2026-02"), "month", 3)) == [
        "2025-12", "2026-01", "2026-02"]
    assert codes(period_series(parse_period("2026"), "year", 2)) == ["2025", "2026"]
    assert codes(period_series(parse_period("2026"), "quarter", 2)) == ["2026-Q3", "2026-Q4"]
    assert codes(period_series(parse_period("2026-12"), "year", 1)) == ["2026"]
    assert check_every(None, "2026-Q3") == "quarter"
    assert check_every("month", "2026") == "month"
    assert check_every("quarter", "2026-09") == "quarter"


@pytest.mark.parametrize("query, fragment", [
    (TrendQuery("NA", "2026-Q3", periods=0), "from 1 to 40"),
    (TrendQuery("NA", "2026-Q3", periods=41), "from 1 to 40"),
    (TrendQuery("NA", "2026-Q9"), "2026-Q9"),
    (TrendQuery("NA", "2026-08", every="quarter"), "2026-08"),
    (TrendQuery("NA", "2026-Q3", every="year"), "2026-Q3"),
    (TrendQuery("NA", "2026-Q3", every="week"), "week"),
    (TrendQuery("NA", "2001-Q2", periods=8), "2000"),
])
def test_bad_queries_are_refused(db, demo, english, query, fragment):
    with pytest.raises(ServiceError) as error:
        trend_table(db.session, query)
    assert not isinstance(error.value, NotFound)
    assert fragment in str(error.value.message)


def test_unknown_unit_is_not_found(db, demo, english):
    with pytest.raises(NotFound, match="ZZ"):
        trend_table(db.session, TrendQuery("ZZ", "2026-Q3"))
