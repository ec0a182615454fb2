"""Confidence intervals for a single proportion and a stratified proportion."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from ._validation import (
    AnalysisError,
    check_count,
    check_counts,
    check_level,
    check_population,
    check_x_le_n,
)
from .design import (
    DesignEstimate,
    clopper_pearson_bounds,
    design_bounds,
    interval_method,
    stratum_spread_factor,
)

Sided = Literal["two", "lower", "upper"]
SINGLE_METHODS = ("wilson", "clopper_pearson", "jeffreys", "agresti_coull")
STRATIFIED_METHODS = ("logit", "beta", "mean")


@dataclass(frozen=True)
class ProportionInterval:
    """An unweighted share x/n with its interval.

    For ``sided="lower"`` the interval is [bound, 1]; for ``"upper"`` it is [0, bound].
    ``n = 0`` gives ``estimate = NaN`` and the interval (0, 1).
    """

    estimate: float
    low: float
    high: float
    method: str
    x: int
    n: int
    level: float
    sided: str = "two"


def proportion_interval(
    x: int, n: int, level: float = 0.95, method: str = "wilson", sided: Sided = "two"
) -> ProportionInterval:
    """Interval for the share of ``x`` successes in ``n`` trials.

    Methods: ``wilson`` (score), ``clopper_pearson`` (exact), ``jeffreys``
    (Beta(x + ½, n − x + ½) quantiles, with Brown–Cai–DasGupta's end rule: lower
    bound 0 when x = 0, upper bound 1 when x = n) and ``agresti_coull`` (clipped to
    [0, 1]). ``sided="two"`` puts (1 − level)/2 in each tail; ``"lower"``/``"upper"``
    give a one-sided bound at confidence ``level``.

    Returns a :class:`ProportionInterval`; raises :class:`AnalysisError` for x > n,
    negative counts, an unknown method or a level outside (0, 1).
    """
    x, n = check_count(x, "x"), check_count(n, "n")
    level = check_level(level)
    if x > n:
        raise AnalysisError(f"x = {x} exceeds n = {n}")
    if method not in SINGLE_METHODS:
        raise AnalysisError(f"unknown method {method!r}; use one of {', '.join(SINGLE_METHODS)}")
    if sided not in ("two", "lower", "upper"):
        raise AnalysisError(f"sided must be 'two', 'lower' or 'upper', got {sided!r}")
    tail = (1.0 - level) / 2.0 if sided == "two" else 1.0 - level
    if n == 0:
        low, high, estimate = 0.0, 1.0, math.nan
    else:
        low, high = _BOUNDS[method](x, n, tail)
        # Pin the ends exactly: rounding must not move a bound past 0/1 or past x/n.
        low = 0.0 if x == 0 else min(max(low, 0.0), x / n)
        high = 1.0 if x == n else max(min(high, 1.0), x / n)
        estimate = x / n
    if sided == "lower":
        high = 1.0
    elif sided == "upper":
        low = 0.0
    return ProportionInterval(estimate, low, high, method, x, n, level, sided)


def _wilson(x: int, n: int, tail: float) -> tuple[float, float]:
    z = float(stats.norm.isf(tail))
    p = x / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def _clopper_pearson(x: int, n: int, tail: float) -> tuple[float, float]:
    return clopper_pearson_bounds(float(x), float(n), tail)


def _jeffreys(x: int, n: int, tail: float) -> tuple[float, float]:
    low = float(stats.beta.ppf(tail, x + 0.5, n - x + 0.5))
    high = float(stats.beta.isf(tail, x + 0.5, n - x + 0.5))
    return low, high


def _agresti_coull(x: int, n: int, tail: float) -> tuple[float, float]:
    z = float(stats.norm.isf(tail))
    n_tilde = n + z * z
    p_tilde = (x + z * z / 2.0) / n_tilde
    half = z * math.sqrt(p_tilde * (1.0 - p_tilde) / n_tilde)
    return p_tilde - half, p_tilde + half


_BOUNDS = {
    "wilson": _wilson,
    "clopper_pearson": _clopper_pearson,
    "jeffreys": _jeffreys,
    "agresti_coull": _agresti_coull,
}


def stratified_proportion(
    x: Sequence[int],
    n: Sequence[int],
    N: Sequence[float | None] | None = None,
    level: float = 0.95,
    method: str = "logit",
    fpc: bool = True,
) -> DesignEstimate:
    """Stratified share Σ_h N_h p_h / Σ_h N_h with its linearized SE and interval.

    ``x``, ``n``, ``N`` are per-stratum successes, responses and served counts.
    With ``N`` (every entry given): weights N_h/n_h, FPC 1 − n_h/N_h unless
    ``fpc=False``, df = n − H. Without ``N`` (or if any N_h is None): one pooled
    stratum, equal weights, no FPC, df = n − 1 (``weighted=False``). Strata with
    n_h = 0 are dropped (they have no responses to weight); a stratum with
    n_h = 1 contributes no variance.

    Variance: Σ_h (1 − f_h) W_h² p_h(1 − p_h)/(n_h − 1) with W_h = N_h/ΣN — the
    ratio linearization of §3 for a single 0/1 item. Methods: ``logit`` (R
    svyciprop "xlogit"), ``beta`` (Korn–Graubard) and ``mean`` (Wald, clipped to
    [0, 1]); all fall back to Clopper–Pearson with n* = n when p̂ is 0 or 1 or
    df < 1 (see :mod:`survey.analysis.design`).
    """
    level = check_level(level)
    if method not in STRATIFIED_METHODS:
        raise AnalysisError(
            f"unknown method {method!r}; use one of {', '.join(STRATIFIED_METHODS)}"
        )
    xs, ns = check_counts(x, "x"), check_counts(n, "n")
    check_x_le_n(xs, ns)
    weighted = N is not None and all(v is not None for v in N)
    if weighted:
        assert N is not None
        if len(N) != len(ns):
            raise AnalysisError(f"N must have one served count per stratum ({len(N)} != {len(ns)})")
        pops = np.array([check_population(v, int(ns[i]), f"N[{i}]") for i, v in enumerate(N)])
        keep = ns > 0
        xs, ns, pops = xs[keep], ns[keep], pops[keep]
    else:
        xs, ns, pops = xs.sum(keepdims=True), ns.sum(keepdims=True), None
    return _stratified_estimate(xs, ns, pops, level, method, fpc and weighted)


def _stratified_estimate(
    xs: np.ndarray,
    ns: np.ndarray,
    pops: np.ndarray | None,
    level: float,
    method: str,
    use_fpc: bool,
) -> DesignEstimate:
    """Core of :func:`stratified_proportion` on cleaned per-stratum arrays."""
    total = int(ns.sum())
    weighted = pops is not None
    if total == 0:
        return DesignEstimate(math.nan, math.nan, 0.0, 1.0, 0, 0, method, weighted, level)
    weights = pops / ns if pops is not None else np.ones(len(ns))
    df = total - len(ns) if weighted else total - 1
    fpc_h = 1.0 - ns / pops if (use_fpc and pops is not None) else np.ones(len(ns))
    census = bool(use_fpc and np.all(fpc_h == 0.0))
    big_x = float(weights @ ns)
    estimate = min(max(float(weights @ xs) / big_x, 0.0), 1.0)
    p_h = xs / ns
    # Σ_i (u_i − ū_h)² = w_h² n_h p_h (1 − p_h) / X² for a 0/1 item.
    spread = weights**2 * ns * p_h * (1.0 - p_h) / big_x**2
    variance = float(stratum_spread_factor(ns, fpc_h) @ spread)
    se = math.sqrt(max(variance, 0.0))
    n_eff = big_x**2 / float(ns @ weights**2)
    low, high = _stratified_bounds(estimate, variance, df, total, level, method, census)
    used = interval_method(estimate, df, census, default=method)
    if method == "beta" and used == method and variance == 0.0:
        used = "clopper_pearson"
    return DesignEstimate(estimate, se, low, high, df, total, used, weighted, level, census, n_eff)


def _stratified_bounds(
    estimate: float, variance: float, df: int, total: int, level: float, method: str, census: bool
) -> tuple[float, float]:
    """Two-sided bounds for the chosen method, with the shared fallbacks."""
    tail = (1.0 - level) / 2.0
    se = math.sqrt(max(variance, 0.0))
    if method == "logit" or interval_method(estimate, df, census) != "logit":
        return design_bounds(estimate, se, df, total, tail, census)
    if method == "mean":
        half = float(stats.t.isf(tail, df)) * se
        return max(estimate - half, 0.0), min(estimate + half, 1.0)
    # Korn–Graubard: effective n from the design variance, adjusted for df, then exact.
    if variance == 0.0:
        n_star = float(total)
    else:
        ratio = float(stats.t.isf(tail, total - 1) / stats.t.isf(tail, df)) if total > 1 else 1.0
        n_star = estimate * (1.0 - estimate) / variance * ratio**2
    return clopper_pearson_bounds(n_star * estimate, n_star, tail)
