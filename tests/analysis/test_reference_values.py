"""Every public reference value of docs/statistics-reference.md §4–§7."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from survey.analysis import (
    composite_from_sums,
    composite_index,
    cronbach_alpha,
    feldt_interval,
    p_chart,
    proportion_interval,
    sample_size,
    slovin,
    stratified_proportion,
    sums_from_answers,
    target_verdict,
    trend_test,
)

from .helpers import DIMENSIONS, load_example, matches

# §4.1 ---------------------------------------------------------------------------------

SINGLE = {
    "wilson": ("0.7675355156", "0.9392193984", "0.788172"),
    "clopper_pearson": ("0.7632050006", "0.9491710598", "0.781675"),
    "jeffreys": ("0.7739554574", "0.9433517105", "0.792171"),
    "agresti_coull": ("0.7644943478", "0.9422605663", "0.786259"),
}


@pytest.mark.parametrize("method", sorted(SINGLE))
def test_single_proportion_two_sided(method: str) -> None:
    result = proportion_interval(50, 57, method=method)
    low, high, _ = SINGLE[method]
    assert matches(result.estimate, "0.8771929825")
    assert matches(result.low, low) and matches(result.high, high)
    assert (result.x, result.n, result.method) == (50, 57, method)


@pytest.mark.parametrize("method", sorted(SINGLE))
def test_single_proportion_one_sided_lower(method: str) -> None:
    result = proportion_interval(50, 57, method=method, sided="lower")
    assert matches(result.low, SINGLE[method][2])
    assert result.high == 1.0
    upper = proportion_interval(50, 57, method=method, sided="upper")
    assert (
        upper.low == 0.0 and upper.high < float(SINGLE[method][1]) and upper.high > result.estimate
    )


@pytest.mark.parametrize(("target", "p_value"), [(0.85, "0.362795"), (0.90, "0.793367")])
def test_exact_one_sided_test_via_verdict(target: float, p_value: str) -> None:
    verdict = target_verdict(proportion_interval(50, 57), target)
    assert matches(verdict.p_greater, p_value)
    assert matches(verdict.lower, "0.781675")  # Clopper–Pearson one-sided 95 % lower bound
    assert verdict.verdict == "inconclusive"  # 0.78 < target and the upper bound 0.94 > target
    assert verdict.p_value == verdict.p_greater
    assert verdict.method == "exact_binomial"


# §4.2 ---------------------------------------------------------------------------------

STRATA = dict(x=[35, 221, 1090], n=[40, 250, 1200], N=[1200, 5400, 9800])
STRATIFIED = {
    ("logit", True): ("0.8790998825", "0.9140318062"),
    ("logit", False): ("0.8783929714", "0.9145516992"),
    ("beta", True): ("0.8790285858", "0.9146933484"),
    ("beta", False): ("0.8783168697", "0.9152577743"),
    ("mean", True): ("0.8804631476", "0.9153010801"),
    ("mean", False): ("0.8798548320", "0.9159093956"),
}


@pytest.mark.parametrize(("method", "fpc"), sorted(STRATIFIED))
def test_stratified_proportion(method: str, fpc: bool) -> None:
    result = stratified_proportion(**STRATA, method=method, fpc=fpc)
    low, high = STRATIFIED[(method, fpc)]
    assert matches(result.estimate, "0.8978821138")
    assert matches(result.se, "0.0088801571" if fpc else "0.0091902752")
    assert matches(result.low, low) and matches(result.high, high)
    assert result.df == 1487 and result.n == 1490 and result.weighted and result.method == method
    assert matches(result.n_eff, "1155.9554")


def test_stratified_proportion_unweighted_is_srs() -> None:
    result = stratified_proportion(STRATA["x"], STRATA["n"])
    p = 1346 / 1490
    assert result.estimate == pytest.approx(p, abs=1e-15)
    assert result.se == pytest.approx(math.sqrt(p * (1 - p) / 1489), rel=1e-12)
    assert result.df == 1489 and not result.weighted


# §4.3 ---------------------------------------------------------------------------------

COMPOSITE_WEIGHTED = {
    None: ("0.8838111670", "0.0072576046", "0.8687398221", "0.8973564763"),
    "A": ("0.8867336088", "0.0139438930", "0.8562434478", "0.9114258965"),
    "B": ("0.8761561176", "0.0111148510", "0.8525599987", "0.8964346702"),
    "C": ("0.8885437745", "0.0134197917", "0.8592567035", "0.9123581435"),
}
ITEM_SHARES = {
    "a1": "0.88015",
    "a2": "0.89332",
    "b1": "0.86805",
    "b2": "0.85674",
    "b3": "0.90368",
    "c1": "0.86417",
    "c2": "0.91292",
}


def _check(result: object, expected: tuple[str, str, str, str]) -> None:
    for attribute, value in zip(("estimate", "se", "low", "high"), expected):
        assert matches(getattr(result, attribute), value), (
            attribute,
            getattr(result, attribute),
            value,
        )


@pytest.mark.parametrize("route", ["answers", "sums"])
def test_composite_weighted(route: str) -> None:
    answers, strata, served = load_example()
    if route == "answers":
        result = composite_index(answers, DIMENSIONS, strata, served)
    else:
        result = composite_from_sums(sums_from_answers(answers, strata, served), DIMENSIONS)
    _check(result, COMPOSITE_WEIGHTED[None])
    assert (result.df, result.n, result.method, result.weighted) == (262, 265, "logit", True)
    for dim in "ABC":
        _check(result.dimensions[dim], COMPOSITE_WEIGHTED[dim])
        assert result.dimensions[dim].df == 262
    for item, share in ITEM_SHARES.items():
        assert matches(result.items[item].estimate, share)
    assert result.excluded_items == () and result.excluded_dimensions == ()


@pytest.mark.parametrize("route", ["answers", "sums"])
def test_composite_unweighted(route: str) -> None:
    answers, strata, _ = load_example()
    if route == "answers":
        result = composite_index(answers, DIMENSIONS)
    else:
        result = composite_from_sums(sums_from_answers(answers, strata), DIMENSIONS)
    _check(result, ("0.8804740149", "0.0083180729", "0.8631022319", "0.8959072461"))
    assert (result.df, result.n, result.weighted) == (264, 265, False)


def test_composite_verdict_uses_one_sided_logit_bound() -> None:
    answers, strata, served = load_example()
    result = composite_index(answers, DIMENSIONS, strata, served)
    estimate, se = 0.8838111670, 0.0072576046
    q = stats.t.ppf(0.95, 262)
    centre = math.log(estimate / (1 - estimate))
    half = q * se / (estimate * (1 - estimate))
    lower, upper = 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))
    at_85 = target_verdict(result, 0.85)
    assert at_85.lower == pytest.approx(lower, abs=1e-8)
    assert at_85.upper == pytest.approx(upper, abs=1e-8)
    assert at_85.verdict == "met"  # lower ≈ 0.8712 ≥ 0.85
    statistic = (centre - math.log(0.85 / 0.15)) * estimate * (1 - estimate) / se
    assert at_85.p_value == pytest.approx(stats.t.sf(statistic, 262), rel=1e-6)
    assert at_85.p_value < 0.05
    at_90 = target_verdict(result, 0.90)
    assert at_90.verdict == "not_met"  # upper ≈ 0.8952 < 0.90
    assert at_90.p_value == at_90.p_less < 0.05
    assert target_verdict(result, 0.88).verdict == "inconclusive"


# §6 -----------------------------------------------------------------------------------


def test_trend_test() -> None:
    result = trend_test([170, 190, 187, 211], [200, 220, 210, 230])
    assert matches(result.chi_square, "5.457801") and matches(result.p_value, "0.019481")
    assert matches(result.slope, "0.222263") and matches(result.se, "0.095692")
    assert matches(result.wald_p, "0.020195") and matches(result.odds_ratio, "1.2489")
    assert result.converged


def test_p_chart_reference_limits() -> None:
    chart = p_chart([225, 900], [250, 1000])  # p̄ = 1125/1250 = 0.90
    assert chart.centre == pytest.approx(0.9, abs=1e-15)
    assert matches(chart.lower[0], "0.8431") and matches(chart.upper[0], "0.9569")
    assert matches(chart.lower[1], "0.8715") and matches(chart.upper[1], "0.9285")
    assert chart.exact == (False, False) and chart.out_of_control == (False, False)


def test_p_chart_with_known_centre_flags_points() -> None:
    chart = p_chart([200, 960], [250, 1000], centre=0.90)
    assert matches(chart.lower[0], "0.8431") and matches(chart.upper[1], "0.9285")
    assert chart.out_of_control == (True, True)  # 0.80 below 0.8431, 0.96 above 0.9285


# §7 -----------------------------------------------------------------------------------


def test_sample_size() -> None:
    first = sample_size(0.90, 0.03, N=1200)
    assert matches(first.n0, "384.15") and first.n == 292
    assert sample_size(0.85, 0.05, N=5400).n == 190
    assert sample_size(0.90, 0.03).n == 385  # no FPC: ⌈384.15⌉
    assert sample_size(0.90, 0.03, N=1200, deff=1.5).n == math.ceil(1.5 * first.n_fpc)


def test_slovin() -> None:
    assert slovin(1200, 0.05) == 300  # 1200 / (1 + 3) exactly
    assert slovin(5400, 0.05) == math.ceil(5400 / 14.5)


@pytest.mark.parametrize(
    ("alpha", "n", "k", "low", "high"),
    [(0.85, 89, 7, "0.7970649", "0.8931666"), (0.90, 300, 8, "0.8819", "0.9162")],
)
def test_feldt_interval(alpha: float, n: int, k: int, low: str, high: str) -> None:
    lower, upper = feldt_interval(alpha, n, k)
    assert matches(lower, low) and matches(upper, high)


def test_cronbach_alpha_formula() -> None:
    matrix = [[4, 5, 4], [3, 3, 2], [5, 5, 5], [2, 3, 3], [4, 4, 5]]
    result = cronbach_alpha(matrix)
    # k/(k−1)(1 − Σσ²_i/σ²_total): item variances 1.3, 1.0, 1.7; totals 13, 8, 15, 8, 13 → 10.3
    assert result.alpha == pytest.approx(1.5 * (1 - 4.0 / 10.3), rel=1e-12)
    assert (result.low, result.high) == pytest.approx(feldt_interval(result.alpha, 5, 3), rel=1e-12)
    assert (result.n, result.k) == (5, 3)
