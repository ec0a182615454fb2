"""Target verdicts: is the satisfaction share above the target (reference §5)?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import stats

from ._validation import AnalysisError, check_count, check_level, check_probability
from .design import clopper_pearson_bounds, design_bounds, design_p_values, interval_method

MET, NOT_MET, INCONCLUSIVE, INSUFFICIENT = "met", "not_met", "inconclusive", "insufficient"


@dataclass(frozen=True)
class Verdict:
    """Outcome of comparing an estimate with a target.

    Attributes:
        verdict: ``met`` (one-sided lower bound ≥ target), ``not_met`` (one-sided
            upper bound < target), ``inconclusive`` (neither) or ``insufficient``
            (n < min_n: no verdict; bounds and p-values are None).
        target, level, n, estimate: the inputs compared.
        lower, upper: one-sided bounds, each at confidence ``level``.
        p_greater: p-value for H1 "share > target"; ``p_greater ≤ 1 − level`` ⇔ met.
        p_less: p-value for H1 "share < target"; ``p_less ≤ 1 − level`` ⇔ not_met.
        p_value: the p-value of the test that decided the verdict — p_less for
            not_met, otherwise p_greater (the test of "target met").
        method: ``exact_binomial`` or the design interval used (``logit``,
            ``clopper_pearson`` fallback, ``census``).
    """

    verdict: str
    target: float
    level: float
    n: int
    estimate: float
    lower: float | None
    upper: float | None
    p_greater: float | None
    p_less: float | None
    p_value: float | None
    method: str


def target_verdict(result: Any, target: float, level: float = 0.95, min_n: int = 10) -> Verdict:
    """Compare ``result`` with ``target`` using one-sided bounds at ``level``.

    ``result`` is either an unweighted single proportion — anything with integer
    ``x`` and ``n`` (e.g. a :class:`ProportionInterval`) — judged with exact
    Clopper–Pearson bounds and the exact binomial test; or a design-based result
    with ``estimate``, ``se``, ``df``, ``n`` (:class:`DesignEstimate`,
    :class:`CompositeResult`) judged with one-sided logit bounds (t quantile at
    ``level`` on ``df``) and the t test on the logit scale.

    Raises :class:`AnalysisError` for a target outside (0, 1) or level ≤ 0.5
    (below 0.5 the two one-sided bounds could cross and both rules fire).
    """
    target = check_probability(target, "target")
    level = check_level(level)
    if level <= 0.5:
        raise AnalysisError(f"level must exceed 0.5 for a verdict, got {level!r}")
    min_n = check_count(min_n, "min_n")
    if hasattr(result, "x") and hasattr(result, "n") and not hasattr(result, "se"):
        return _exact_verdict(
            check_count(result.x, "x"), check_count(result.n, "n"), target, level, min_n
        )
    if all(hasattr(result, a) for a in ("estimate", "se", "df", "n")):
        return _design_verdict(result, target, level, min_n)
    raise AnalysisError(
        "result must have x and n (single proportion) or estimate, se, df and n (design-based)"
    )


def _decide(lower: float, upper: float, target: float) -> str:
    """The §5 rule on one-sided bounds."""
    if lower >= target:
        return MET
    if upper < target:
        return NOT_MET
    return INCONCLUSIVE


def _finish(
    target: float,
    level: float,
    n: int,
    estimate: float,
    bounds: tuple[float, float],
    p_values: tuple[float, float],
    method: str,
) -> Verdict:
    verdict = _decide(bounds[0], bounds[1], target)
    p_value = p_values[1] if verdict == NOT_MET else p_values[0]
    return Verdict(verdict, target, level, n, estimate, *bounds, *p_values, p_value, method)


def _exact_verdict(x: int, n: int, target: float, level: float, min_n: int) -> Verdict:
    """Clopper–Pearson one-sided bounds and exact binomial one-sided p-values."""
    if x > n:
        raise AnalysisError(f"x = {x} exceeds n = {n}")
    estimate = x / n if n else math.nan
    if n < max(min_n, 1):
        return Verdict(
            INSUFFICIENT, target, level, n, estimate, None, None, None, None, None, "exact_binomial"
        )
    bounds = clopper_pearson_bounds(float(x), float(n), 1.0 - level)
    p_greater = float(stats.binom.sf(x - 1, n, target))  # P(X ≥ x)
    p_less = float(stats.binom.cdf(x, n, target))  # P(X ≤ x)
    return _finish(target, level, n, estimate, bounds, (p_greater, p_less), "exact_binomial")


def _design_verdict(result: Any, target: float, level: float, min_n: int) -> Verdict:
    """One-sided logit bounds (with the design fallbacks) and logit-scale t test."""
    estimate, se, df, n = float(result.estimate), float(result.se), result.df, int(result.n)
    census = bool(getattr(result, "census", False))
    # The verdict always uses the logit bound (or its fallbacks), whatever interval was shown.
    method = interval_method(estimate, df, census)
    if n < max(min_n, 1) or math.isnan(estimate):
        return Verdict(
            INSUFFICIENT, target, level, n, estimate, None, None, None, None, None, method
        )
    bounds = design_bounds(estimate, se, df, n, 1.0 - level, census)
    p_values = design_p_values(estimate, se, df, n, target, census)
    return _finish(target, level, n, estimate, bounds, p_values, method)
