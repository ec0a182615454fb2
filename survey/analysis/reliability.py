"""Internal consistency of a multi-item scale: Cronbach's alpha with the Feldt interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validation import AnalysisError, check_count, check_level


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha and its Feldt interval (``n`` complete rows, ``k`` items)."""

    alpha: float
    low: float
    high: float
    n: int
    k: int
    level: float


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) interval for alpha from n respondents and k items.

    L = 1 − (1 − α)·F_{1−c/2}(n − 1, (n − 1)(k − 1)), U = 1 − (1 − α)·F_{c/2}(…),
    with c = 1 − level. Returns (NaN, NaN) when alpha is NaN.
    """
    level = check_level(level)
    n, k = check_count(n, "n"), check_count(k, "k")
    if n < 2 or k < 2:
        raise AnalysisError(f"the Feldt interval needs n >= 2 and k >= 2, got n = {n}, k = {k}")
    if math.isnan(alpha):
        return math.nan, math.nan
    dfn, dfd = n - 1, (n - 1) * (k - 1)
    tail = (1.0 - level) / 2.0
    low = 1.0 - (1.0 - alpha) * float(stats.f.isf(tail, dfn, dfd))
    high = 1.0 - (1.0 - alpha) * float(stats.f.ppf(tail, dfn, dfd))
    return low, high


def cronbach_alpha(
    matrix: Sequence[Sequence[float | None]] | np.ndarray, level: float = 0.95
) -> AlphaResult:
    """Cronbach's α = k/(k − 1)·(1 − Σσ²_i/σ²_total) with its Feldt interval.

    Rows are respondents, columns items. Rows with any missing value (None/NaN)
    are dropped (listwise deletion). If the total score has no variance (e.g.
    everybody answered 5 everywhere) alpha is undefined: NaN with a NaN interval.
    Needs at least two complete rows and two items.
    """
    level = check_level(level)
    try:
        data = np.array(
            [[math.nan if v is None else v for v in row] for row in matrix], dtype=float
        )
    except (TypeError, ValueError) as exc:
        raise AnalysisError(
            "matrix must be a rectangular table of numbers (None = missing)"
        ) from exc
    if data.ndim != 2:
        raise AnalysisError("matrix must be two-dimensional: rows = respondents, columns = items")
    data = data[~np.isnan(data).any(axis=1)]
    n, k = data.shape
    if n < 2 or k < 2:
        raise AnalysisError(
            f"Cronbach's alpha needs >= 2 complete rows and >= 2 items, got {n} x {k}"
        )
    total_var = float(data.sum(axis=1).var(ddof=1))
    if total_var == 0.0:
        return AlphaResult(math.nan, math.nan, math.nan, n, k, level)
    alpha = k / (k - 1) * (1.0 - float(data.var(axis=0, ddof=1).sum()) / total_var)
    low, high = feldt_interval(alpha, n, k, level)
    return AlphaResult(alpha, low, high, n, k, level)
