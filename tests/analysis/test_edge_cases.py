"""Documented edge cases and input errors."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from survey.analysis import (
    AnalysisError,
    composite_index,
    cronbach_alpha,
    feldt_interval,
    p_chart,
    proportion_interval,
    sample_size,
    slovin,
    stratified_proportion,
    suppress,
    target_verdict,
    trend_test,
)

METHODS = ["wilson", "clopper_pearson", "jeffreys", "agresti_coull"]


# Single proportion -----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_n_zero_gives_nan_and_full_range(method: str) -> None:
    result = proportion_interval(0, 0, method=method)
    assert math.isnan(result.estimate) and (result.low, result.high) == (0.0, 1.0)


@pytest.mark.parametrize("method", METHODS)
def test_x_zero_and_x_n_pin_the_ends(method: str) -> None:
    none = proportion_interval(0, 20, method=method)
    assert none.estimate == 0.0 and none.low == 0.0 and 0.0 < none.high < 0.25
    every = proportion_interval(20, 20, method=method)
    assert every.estimate == 1.0 and every.high == 1.0 and 0.75 < every.low < 1.0


def test_clopper_pearson_at_zero_is_rule_of_three_like() -> None:
    assert proportion_interval(0, 20, method="clopper_pearson").high == pytest.approx(
        1 - 0.025 ** (1 / 20)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5, 4), "exceeds"),
        ((-1, 4), "negative"),
        ((1.5, 4), "whole"),
        ((1, 4, 1.0), "level"),
        ((1, 4, 0.0), "level"),
    ],
)
def test_proportion_interval_rejects_impossible_input(args: tuple, message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        proportion_interval(*args)


def test_unknown_method_and_sided() -> None:
    with pytest.raises(AnalysisError, match="unknown method"):
        proportion_interval(1, 4, method="wald")
    with pytest.raises(AnalysisError, match="sided"):
        proportion_interval(1, 4, sided="both")  # type: ignore[arg-type]
    assert issubclass(AnalysisError, ValueError)


# Stratified proportion --------------------------------------------------------------------


def test_stratified_rejects_population_below_responses() -> None:
    with pytest.raises(AnalysisError, match="smaller than the 40 responses"):
        stratified_proportion([35, 2], [40, 3], [30, 10])
    with pytest.raises(AnalysisError, match="exceeds"):
        stratified_proportion([41], [40], [100])
    with pytest.raises(AnalysisError, match="same length"):
        stratified_proportion([1, 2], [3])


@pytest.mark.parametrize("method", ["logit", "beta", "mean"])
def test_stratified_all_satisfied_falls_back_to_clopper_pearson(method: str) -> None:
    result = stratified_proportion([40, 250], [40, 250], [100, 300], method=method)
    assert result.estimate == 1.0 and result.se == 0.0 and result.high == 1.0
    assert result.low == pytest.approx(stats.beta.ppf(0.025, 290, 1))
    assert result.method == "clopper_pearson"


def test_stratified_census_has_point_interval() -> None:
    result = stratified_proportion([30, 200], [40, 250], [40, 250])
    assert result.census and result.se == 0.0 and result.method == "census"
    assert result.low == result.high == result.estimate == pytest.approx(230 / 290)


def test_stratum_with_one_response_adds_no_variance() -> None:
    both = stratified_proportion([35, 1], [40, 1], [1200, 50])
    alone = stratified_proportion([35], [40], [1200])
    share = 1200 / 1250
    assert both.se == pytest.approx(alone.se * share, rel=1e-12)  # only the first stratum varies
    assert both.df == 39


def test_stratified_empty_and_missing_served() -> None:
    empty = stratified_proportion([0, 0], [0, 0], [10, 10])
    assert math.isnan(empty.estimate) and (empty.low, empty.high) == (0.0, 1.0)
    partial = stratified_proportion([35, 221], [40, 250], [1200, None])
    assert not partial.weighted and partial.df == 289  # falls back to unweighted SRS
    dropped = stratified_proportion([35, 0], [40, 0], [1200, 500])
    assert dropped.estimate == pytest.approx(35 / 40) and dropped.df == 39


def test_single_response_unweighted_uses_fallback() -> None:
    result = stratified_proportion([1], [1])
    assert (
        result.df == 0 and result.method == "clopper_pearson" and result.low == pytest.approx(0.025)
    )


# Composite ---------------------------------------------------------------------------------


def test_item_nobody_answered_is_excluded() -> None:
    answers = {"a1": [5, 4, 2, 5], "a2": [None] * 4, "b1": [None] * 4, "c1": [1, 5, 5, 4]}
    result = composite_index(answers, {"A": ["a1", "a2"], "B": ["b1"], "C": ["c1"]})
    assert result.excluded_items == ("a2", "b1") and result.excluded_dimensions == ("B",)
    assert math.isnan(result.items["a2"].estimate) and math.isnan(result.dimensions["B"].estimate)
    assert result.dimensions["A"].estimate == pytest.approx(0.75)
    assert result.estimate == pytest.approx((0.75 + 0.75) / 2)


def test_composite_all_satisfied_does_not_blow_up() -> None:
    answers = {"a1": [5, 4, 4, 5, None], "a2": [4, 4, None, 5, 5]}
    result = composite_index(answers, {"A": ["a1", "a2"]})
    assert result.estimate == 1.0 and result.se == 0.0 and result.method == "clopper_pearson"
    assert result.high == 1.0 and result.low == pytest.approx(stats.beta.ppf(0.025, 5, 1))
    assert result.items["a1"].low == pytest.approx(stats.beta.ppf(0.025, 4, 1))  # n = 4 answers


def test_composite_nothing_answered() -> None:
    result = composite_index({"a1": [None, None]}, {"A": ["a1"]})
    assert math.isnan(result.estimate) and (result.low, result.high) == (0.0, 1.0)
    assert result.excluded_dimensions == ("A",)


def test_composite_rejects_bad_input() -> None:
    with pytest.raises(AnalysisError, match="unknown item"):
        composite_index({"a1": [5]}, {"A": ["a1", "zz"]})
    with pytest.raises(AnalysisError, match="not 1–5"):
        composite_index({"a1": [5, 7]}, {"A": ["a1"]})
    with pytest.raises(AnalysisError, match="differ in length"):
        composite_index({"a1": [5, 4], "a2": [5]}, {"A": ["a1", "a2"]})
    with pytest.raises(AnalysisError, match="smaller than"):
        composite_index(
            {"a1": [5, 4, 3]}, {"A": ["a1"]}, strata=["u", "u", "v"], served={"u": 1, "v": 9}
        )
    with pytest.raises(AnalysisError, match="need strata"):
        composite_index({"a1": [5]}, {"A": ["a1"]}, served={"u": 9})
    with pytest.raises(AnalysisError, match="non-empty"):
        composite_index({"a1": [5]}, {"A": []})


def test_composite_missing_served_count_is_unweighted() -> None:
    answers = {"a1": [5, 4, 2, 5, 1, 4]}
    strata = ["u", "u", "u", "v", "v", "v"]
    result = composite_index(answers, {"A": ["a1"]}, strata=strata, served={"u": 100})
    assert not result.weighted and result.df == 5
    weighted = composite_index(answers, {"A": ["a1"]}, strata=strata, served={"u": 100, "v": 50})
    assert weighted.weighted and weighted.df == 4


# Verdicts ----------------------------------------------------------------------------------


def test_verdict_insufficient_below_min_n() -> None:
    verdict = target_verdict(proportion_interval(9, 9), 0.85)
    assert verdict.verdict == "insufficient" and verdict.lower is None and verdict.p_value is None
    assert (
        target_verdict(proportion_interval(9, 9), 0.85, min_n=5).verdict == "inconclusive"
    )  # 0.05^(1/9) = 0.72
    assert target_verdict(proportion_interval(30, 30), 0.85).verdict == "met"  # 0.05^(1/30) = 0.905
    assert target_verdict(proportion_interval(30, 30), 0.85, min_n=31).verdict == "insufficient"
    assert target_verdict(proportion_interval(0, 0), 0.85, min_n=0).verdict == "insufficient"


def test_verdict_met_and_not_met_exact() -> None:
    met = target_verdict(proportion_interval(195, 200), 0.90)
    assert met.verdict == "met" and met.lower >= 0.90 and met.p_value == met.p_greater < 0.05
    missed = target_verdict(proportion_interval(150, 200), 0.90)
    assert (
        missed.verdict == "not_met"
        and missed.upper < 0.90
        and missed.p_value == missed.p_less < 0.05
    )
    assert missed.p_less == pytest.approx(stats.binom.cdf(150, 200, 0.9))


def test_verdict_accepts_objects_with_x_and_n() -> None:
    class Counts:
        x, n = 50, 57

    assert target_verdict(Counts(), 0.85).p_greater == pytest.approx(0.362795, abs=1e-6)


def test_verdict_rejects_bad_arguments() -> None:
    result = proportion_interval(50, 57)
    for target in (0.0, 1.0, 1.2):
        with pytest.raises(AnalysisError, match="target"):
            target_verdict(result, target)
    with pytest.raises(AnalysisError, match="exceed 0.5"):
        target_verdict(result, 0.85, level=0.4)
    with pytest.raises(AnalysisError, match="must have"):
        target_verdict(object(), 0.85)


def test_verdict_on_census_is_certain() -> None:
    census = stratified_proportion([39, 240], [40, 250], [40, 250])
    verdict = target_verdict(census, 0.95)
    assert verdict.verdict == "met" and verdict.lower == verdict.upper == census.estimate
    assert verdict.p_value == 0.0


# Monitoring, planning, reliability ---------------------------------------------------------


def test_trend_edge_cases() -> None:
    separated = trend_test([0, 0, 5, 5], [5, 5, 5, 5])
    assert not separated.converged and math.isnan(separated.slope)
    assert separated.chi_square == pytest.approx(16.0)  # prop.trend.test still defined
    flat = trend_test([0, 0, 0], [5, 5, 5])
    assert flat.chi_square == 0.0 and flat.p_value == 1.0 and not flat.converged
    short = trend_test([0, 4], [0, 5])
    assert math.isnan(short.p_value)
    with pytest.raises(AnalysisError):
        trend_test([6], [5])


def test_p_chart_small_n_uses_exact_limits() -> None:
    chart = p_chart([9, 18, 54], [10, 20, 60], centre=0.9)
    assert chart.exact == (True, True, False)  # n(1 − p̄) = 1, 2 < 5 but 6 ≥ 5
    low = stats.binom.ppf(stats.norm.sf(3), 10, 0.9) / 10
    assert chart.lower[0] == pytest.approx(low) and chart.upper[0] == 1.0
    empty = p_chart([0], [0])
    assert math.isnan(empty.centre) and empty.out_of_control == (False,)


def test_planning_edges() -> None:
    assert sample_size(0.5, 0.05, N=10, deff=3).n == 10  # capped at a census
    with pytest.raises(AnalysisError, match="margin"):
        sample_size(0.5, 0.0)
    with pytest.raises(AnalysisError, match="N"):
        slovin(0, 0.05)


def test_cronbach_alpha_edges() -> None:
    constant = cronbach_alpha([[5, 5], [5, 5], [5, 5]])
    assert math.isnan(constant.alpha) and math.isnan(constant.low)
    listwise = cronbach_alpha([[4, 5], [None, 3], [2, 3], [5, 4]])
    assert listwise.n == 3
    with pytest.raises(AnalysisError, match="complete rows"):
        cronbach_alpha([[1, 2]])
    with pytest.raises(AnalysisError):
        feldt_interval(0.8, 1, 5)


# Suppression -------------------------------------------------------------------------------


def test_suppression_primary_and_secondary() -> None:
    table = {
        "unit 1": {"1-2": 3, "3": 12, "4-5": 40},
        "unit 2": {"1-2": 2, "3": 4, "4-5": 30},
        "unit 3": {"1-2": 6, "3": 9, "4-5": 30},
        "unit 4": {"4-5": 3},
    }
    result = suppress(table)
    assert result.reasons == {
        ("unit 1", "1-2"): "primary",
        ("unit 1", "3"): "secondary",  # next smallest, so 3 ≠ total − rest
        ("unit 2", "1-2"): "primary",
        ("unit 2", "3"): "primary",
        ("unit 4", "4-5"): "primary",
    }
    assert result.table["unit 1"] == {"1-2": None, "3": None, "4-5": 40}
    assert result.table["unit 3"] == table["unit 3"]
    assert result.suppressed_totals == ("unit 4",)  # its total would reveal the only cell
    assert result.is_suppressed("unit 2", "3") and not result.is_suppressed("unit 3", "3")


def test_suppression_options() -> None:
    table = {"u": {"a": 0, "b": 7, "c": 9}}
    assert suppress(table).reasons == {("u", "a"): "primary", ("u", "b"): "secondary"}
    assert suppress(table, suppress_zeros=False).reasons == {}
    assert suppress(table, totals_shown=False).reasons == {("u", "a"): "primary"}
    with pytest.raises(AnalysisError, match="negative"):
        suppress({"u": {"a": -1}})
