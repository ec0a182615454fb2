"""Trend tests and p-charts over reporting periods (reference §6)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validation import AnalysisError, check_counts, check_probability, check_x_le_n

#: Tail probability of a 3-sigma normal limit, used for the exact binomial limits too.
THREE_SIGMA_TAIL = float(stats.norm.sf(3.0))
#: Normal limits need n·p̄ ≥ 5 and n·(1 − p̄) ≥ 5; below that, exact binomial limits.
MIN_EXPECTED = 5.0


@dataclass(frozen=True)
class TrendResult:
    """Cochran–Armitage test and logistic-regression slope over periods.

    ``chi_square``/``p_value``: R ``prop.trend.test(x, n, score)`` (1 df).
    ``slope``/``se``/``wald_p``/``odds_ratio``: logistic regression of the 0/1
    answer on the score, fitted by Newton–Raphson on the grouped data; NaN when
    the maximum-likelihood slope does not exist (all or no successes, or the
    periods are separated, e.g. x = 0, 0, n3, n4). ``converged`` says whether a
    finite fit was found. With fewer than two periods with responses every
    statistic is NaN.
    """

    chi_square: float
    p_value: float
    slope: float
    se: float
    wald_p: float
    odds_ratio: float
    converged: bool


def trend_test(
    x: Sequence[int], n: Sequence[int], scores: Sequence[float] | None = None
) -> TrendResult:
    """Test for a linear trend in the share x_t/n_t over periods scored 1..k (or ``scores``).

    Periods with n_t = 0 are skipped (they keep their score position). If the
    pooled share is 0 or 1 there is no variation: chi-square 0 and p-value 1.
    """
    xs, ns = check_counts(x, "x"), check_counts(n, "n")
    check_x_le_n(xs, ns)
    s = np.arange(1.0, len(ns) + 1.0) if scores is None else np.asarray(scores, dtype=float)
    if s.shape != ns.shape or not np.all(np.isfinite(s)):
        raise AnalysisError("scores must give one finite number per period")
    keep = ns > 0
    xs, ns, s = xs[keep].astype(float), ns[keep].astype(float), s[keep]
    if len(ns) < 2 or np.ptp(s) == 0:
        nan = math.nan
        return TrendResult(nan, nan, nan, nan, nan, nan, False)
    chi_square, p_value = _cochran_armitage(xs, ns, s)
    slope, se, converged = _logistic_slope(xs, ns, s)
    wald_p = float(2.0 * stats.norm.sf(abs(slope / se))) if converged else math.nan
    odds_ratio = math.exp(slope) if converged else math.nan
    return TrendResult(chi_square, p_value, slope, se, wald_p, odds_ratio, converged)


def _cochran_armitage(xs: np.ndarray, ns: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """Chi-square of the weighted regression of x/n on the score (prop.trend.test)."""
    p_bar = xs.sum() / ns.sum()
    if p_bar in (0.0, 1.0):
        return 0.0, 1.0
    w = ns / (p_bar * (1.0 - p_bar))
    freq = xs / ns
    s_c = s - (w @ s) / w.sum()
    f_c = freq - (w @ freq) / w.sum()
    chi_square = float((w @ (s_c * f_c)) ** 2 / (w @ s_c**2))
    return chi_square, float(stats.chi2.sf(chi_square, 1))


def _mle_exists(xs: np.ndarray, ns: np.ndarray, s: np.ndarray) -> bool:
    """True unless successes and failures are (quasi-)separated by the score."""
    success, failure = s[xs > 0], s[ns - xs > 0]
    if success.size == 0 or failure.size == 0:
        return False
    return bool(success.min() < failure.max() and failure.min() < success.max())


def _logistic_slope(xs: np.ndarray, ns: np.ndarray, s: np.ndarray) -> tuple[float, float, bool]:
    """Newton–Raphson for logit(p_t) = β0 + β1·s_t on grouped binomial data."""
    if not _mle_exists(xs, ns, s):
        return math.nan, math.nan, False
    design = np.column_stack([np.ones_like(s), s])
    p0 = xs.sum() / ns.sum()
    beta = np.array([math.log(p0 / (1.0 - p0)), 0.0])
    for _ in range(100):
        prob = 1.0 / (1.0 + np.exp(-(design @ beta)))
        info = design.T @ (design * (ns * prob * (1.0 - prob))[:, None])
        step = np.linalg.solve(info, design.T @ (xs - ns * prob))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    else:
        return math.nan, math.nan, False
    prob = 1.0 / (1.0 + np.exp(-(design @ beta)))
    info = design.T @ (design * (ns * prob * (1.0 - prob))[:, None])
    se = math.sqrt(float(np.linalg.inv(info)[1, 1]))
    return float(beta[1]), se, True


@dataclass(frozen=True)
class PChart:
    """p-chart: centre line, per-period limits and out-of-control flags.

    ``exact[i]`` is True where binomial quantile limits replaced the normal ones.
    Periods with n_i = 0 have p = NaN, limits (0, 1) and are never flagged.
    """

    centre: float
    p: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    exact: tuple[bool, ...]
    out_of_control: tuple[bool, ...]


def p_chart(x: Sequence[int], n: Sequence[int], centre: float | None = None) -> PChart:
    """Shewhart p-chart limits for shares x_i/n_i.

    Centre p̄ = Σx/Σn unless a known standard ``centre`` is given. Limits are
    p̄ ± 3√(p̄(1 − p̄)/n_i) clipped to [0, 1] when n_i·p̄ ≥ 5 and n_i(1 − p̄) ≥ 5;
    otherwise exact binomial limits k/n_i with k the THREE_SIGMA_TAIL (0.135 %)
    lower and upper quantiles of Binomial(n_i, p̄), so each side keeps the 3-sigma
    false-alarm rate at most. A point is out of control when strictly outside.
    """
    xs, ns = check_counts(x, "x"), check_counts(n, "n")
    check_x_le_n(xs, ns)
    if centre is not None:
        p_bar = check_probability(centre, "centre", open_interval=False)
    else:
        p_bar = float(xs.sum() / ns.sum()) if ns.sum() > 0 else math.nan
    rows = [_p_chart_point(int(xi), int(ni), p_bar) for xi, ni in zip(xs, ns)]
    columns = list(zip(*rows)) if rows else [(), (), (), (), ()]
    return PChart(p_bar, *(tuple(c) for c in columns))


def _p_chart_point(x: int, n: int, p_bar: float) -> tuple[float, float, float, bool, bool]:
    """(p, lower, upper, exact?, out of control?) for one period."""
    if n == 0 or math.isnan(p_bar):
        return (x / n if n else math.nan), 0.0, 1.0, False, False
    p = x / n
    if n * p_bar >= MIN_EXPECTED and n * (1.0 - p_bar) >= MIN_EXPECTED:
        half = 3.0 * math.sqrt(p_bar * (1.0 - p_bar) / n)
        low, high, exact = max(p_bar - half, 0.0), min(p_bar + half, 1.0), False
    else:
        low = float(stats.binom.ppf(THREE_SIGMA_TAIL, n, p_bar)) / n
        high = float(stats.binom.isf(THREE_SIGMA_TAIL, n, p_bar)) / n
        exact = True
    return p, low, high, exact, bool(p < low or p > high)
