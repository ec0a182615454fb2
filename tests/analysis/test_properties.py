"""Property-based tests (Hypothesis) of intervals, verdicts and the two composite routes."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from survey.analysis import (
    composite_from_sums,
    composite_index,
    proportion_interval,
    stratified_proportion,
    sums_from_answers,
    target_verdict,
)

from .test_sums import assert_same, assert_same_composite

FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=60, deadline=None)
SINGLE_METHODS = ["wilson", "clopper_pearson", "jeffreys", "agresti_coull"]
levels = st.floats(min_value=0.8, max_value=0.995)


@st.composite
def counts(draw: st.DrawFn, max_n: int = 3000) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=max_n))
    return draw(st.integers(min_value=0, max_value=n)), n


@st.composite
def strata(draw: st.DrawFn) -> tuple[list[int], list[int], list[int]]:
    """Per-stratum (x, n, N) with N ≥ n ≥ 1."""
    size = draw(st.integers(min_value=1, max_value=5))
    ns = draw(st.lists(st.integers(1, 300), min_size=size, max_size=size))
    xs = [draw(st.integers(0, n)) for n in ns]
    pops = [n + draw(st.integers(0, 5000)) for n in ns]
    return xs, ns, pops


@FAST
@given(
    counts(), levels, st.sampled_from(SINGLE_METHODS), st.sampled_from(["two", "lower", "upper"])
)
def test_single_interval_contains_estimate(
    xn: tuple[int, int], level: float, method: str, sided: str
) -> None:
    r = proportion_interval(*xn, level=level, method=method, sided=sided)  # type: ignore[arg-type]
    assert 0.0 <= r.low <= r.estimate <= r.high <= 1.0


@FAST
@given(counts(max_n=500), st.integers(2, 20), levels, st.sampled_from(SINGLE_METHODS))
def test_single_interval_narrows_with_n(
    xn: tuple[int, int], factor: int, level: float, method: str
) -> None:
    x, n = xn
    small = proportion_interval(x, n, level=level, method=method)
    large = proportion_interval(factor * x, factor * n, level=level, method=method)
    assert large.estimate == small.estimate
    assert large.high - large.low <= small.high - small.low + 1e-12


@FAST
@given(strata(), levels, st.sampled_from(["logit", "beta", "mean"]), st.booleans(), st.booleans())
def test_stratified_interval_contains_estimate(
    data: tuple[list[int], list[int], list[int]],
    level: float,
    method: str,
    weighted: bool,
    fpc: bool,
) -> None:
    xs, ns, pops = data
    r = stratified_proportion(
        xs, ns, pops if weighted else None, level=level, method=method, fpc=fpc
    )
    assert 0.0 <= r.low <= r.estimate + 1e-15 and r.estimate <= r.high + 1e-15 and r.high <= 1.0
    assert r.se >= 0.0 and r.n == sum(ns)


@FAST
@given(strata(), st.integers(1, 4))
def test_stratified_interval_narrows_with_n(
    data: tuple[list[int], list[int], list[int]], factor: int
) -> None:
    xs, ns, pops = data
    small = stratified_proportion(xs, ns, pops, fpc=False)
    large = stratified_proportion(
        [x * (factor + 1) for x in xs],
        [n * (factor + 1) for n in ns],
        [p * (factor + 1) for p in pops],
        fpc=False,
    )
    assert math.isclose(large.estimate, small.estimate, rel_tol=1e-12)
    assert large.high - large.low <= small.high - small.low + 1e-12


def _check_verdict(v) -> None:  # type: ignore[no-untyped-def]
    alpha = 1.0 - v.level
    if v.verdict == "insufficient":
        assert v.lower is None and v.p_value is None
        return
    assert v.lower <= v.upper
    expected = "met" if v.lower >= v.target else "not_met" if v.upper < v.target else "inconclusive"
    assert v.verdict == expected
    # Duality of bounds and one-sided tests (allowing rounding at the boundary).
    if v.verdict == "met":
        assert v.p_greater <= alpha + 1e-9 and v.p_value == v.p_greater
    else:
        assert v.p_greater >= alpha - 1e-9
    if v.verdict == "not_met":
        assert v.p_less <= alpha + 1e-9 and v.p_value == v.p_less
    else:
        assert v.p_less >= alpha - 1e-9


@FAST
@given(counts(max_n=400), st.floats(0.05, 0.95), levels, st.integers(0, 20))
def test_exact_verdict_agrees_with_bounds(
    xn: tuple[int, int], target: float, level: float, min_n: int
) -> None:
    v = target_verdict(proportion_interval(*xn), target, level=level, min_n=min_n)
    _check_verdict(v)
    assert (v.verdict == "insufficient") == (xn[1] < min_n)


@FAST
@given(strata(), st.floats(0.05, 0.95), levels, st.booleans())
def test_design_verdict_agrees_with_bounds(
    data: tuple[list[int], list[int], list[int]], target: float, level: float, weighted: bool
) -> None:
    xs, ns, pops = data
    _check_verdict(
        target_verdict(
            stratified_proportion(xs, ns, pops if weighted else None), target, level=level
        )
    )


@st.composite
def stratified_answers(  # type: ignore[no-untyped-def]
    draw: st.DrawFn, items: int = 1, missing: bool = False
):
    """(answers, strata labels, served counts) for a few strata of 1–25 respondents."""
    n_strata = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 25), min_size=n_strata, max_size=n_strata))
    labels = [f"u{h}" for h, size in enumerate(sizes) for _ in range(size)]
    value = st.one_of(st.none(), st.integers(1, 5)) if missing else st.integers(1, 5)
    answers = {
        f"q{j}": draw(st.lists(value, min_size=len(labels), max_size=len(labels)))
        for j in range(items)
    }
    served = {f"u{h}": size + draw(st.integers(0, 400)) for h, size in enumerate(sizes)}
    return answers, labels, served


@SLOW
@given(stratified_answers(), st.booleans())
def test_composite_of_one_item_is_stratified_proportion(  # type: ignore[no-untyped-def]
    data, weighted: bool
) -> None:
    answers, labels, served = data
    keys = list(dict.fromkeys(labels))
    ns = [labels.count(k) for k in keys]
    xs = [sum(1 for v, s in zip(answers["q0"], labels) if s == k and v >= 4) for k in keys]
    pops = [served[k] for k in keys] if weighted else None
    expected = stratified_proportion(xs, ns, pops)
    result = composite_index(answers, {"D": ["q0"]}, labels, served if weighted else None)
    for got in (result, result.dimensions["D"], result.items["q0"]):
        assert_same(got, expected, rel=1e-10, abs_=1e-13)


@SLOW
@given(
    stratified_answers(items=5, missing=True), st.integers(0, 2), st.integers(1, 3), st.booleans()
)
def test_sums_route_equals_answers_route(  # type: ignore[no-untyped-def]
    data, served_mode: int, n_dims: int, pooled_strata: bool
) -> None:
    answers, labels, served = data
    if served_mode == 0:
        served = None
    elif served_mode == 1:
        served = {**served, "u0": None}  # one unknown count → unweighted
    strata = None if (pooled_strata and served is None) else labels
    codes = sorted(answers)
    dims = {f"D{d}": codes[d::n_dims] for d in range(n_dims)}
    direct = composite_index(answers, dims, strata, served)
    assert_same_composite(
        direct, composite_from_sums(sums_from_answers(answers, strata, served), dims)
    )
    assert 0.0 <= direct.low <= direct.high <= 1.0
