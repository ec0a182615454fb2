"""Sample-size planning (reference §7)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from scipy import stats

from ._validation import AnalysisError, check_level, check_probability

#: Tolerance before rounding up, so 292.0000000001 from floating error stays 292.
_CEIL_SLACK = 1e-9


@dataclass(frozen=True)
class SampleSize:
    """Planned number of responses.

    ``n0`` = z² p(1 − p)/e² (infinite population); ``n_fpc`` = n0/(1 + (n0 − 1)/N)
    (equal to n0 without N); ``n`` = ⌈deff · n_fpc⌉, capped at N.
    """

    n: int
    n0: float
    n_fpc: float
    deff: float
    p: float
    margin: float
    N: float | None
    level: float


def _ceil(value: float) -> int:
    return math.ceil(value - _CEIL_SLACK)


def _positive(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not float(value) > 0
        or math.isinf(float(value))
    ):
        raise AnalysisError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def sample_size(
    p: float, margin: float, N: float | None = None, level: float = 0.95, deff: float = 1.0
) -> SampleSize:
    """Responses needed to estimate a share near ``p`` within ± ``margin`` at ``level``.

    n0 = z² p(1 − p)/e² with z the two-sided normal quantile; with a population
    of N served, n = n0/(1 + (n0 − 1)/N); then multiplied by the design effect
    ``deff`` (use > 1 for weighted estimates) and rounded up. The result never
    exceeds N (a census).
    """
    p = check_probability(p, "p", open_interval=False)
    margin = check_probability(margin, "margin")
    level = check_level(level)
    deff = _positive(deff, "deff")
    z = float(stats.norm.isf((1.0 - level) / 2.0))
    n0 = z * z * p * (1.0 - p) / (margin * margin)
    if N is None:
        n_fpc = n0
    else:
        N = _positive(N, "N")
        n_fpc = n0 / (1.0 + (n0 - 1.0) / N)
    n = max(_ceil(deff * n_fpc), 1)
    if N is not None:
        n = min(n, _ceil(N))
    return SampleSize(n, n0, n_fpc, deff, p, margin, N, level)


def slovin(N: float, e: float) -> int:
    """Slovin's n = N/(1 + N e²), rounded up (common in Vietnamese survey practice).

    Note Slovin ignores the expected share (it assumes p = 0.5 at about 95 %);
    :func:`sample_size` is the better-founded choice.
    """
    N = _positive(N, "N")
    e = check_probability(e, "e")
    return _ceil(N / (1.0 + N * e * e))


def power_sample_size(
    p: float, target: float, power: float = 0.8, level: float = 0.95, deff: float = 1.0
) -> int:
    """Responses needed to tell a true share ``p`` from ``target`` with a one-sided test
    at ``level`` (the verdict's rule, reference §5) and probability ``power``:

    n = deff · ((z_level √(t(1 − t)) + z_power √(p(1 − p))) / (p − t))², rounded up
    (the normal approximation for one proportion, e.g. Chow, Shao & Wang, *Sample Size
    Calculations in Clinical Research*, §4.1). p 0.85 against t 0.90, 80 %, 95 % → 253.
    """
    p = check_probability(p, "p")
    target = check_probability(target, "target")
    power = check_probability(power, "power")
    level = check_level(level)
    deff = _positive(deff, "deff")
    if p == target:
        raise AnalysisError("p must differ from the target")
    if level <= 0.5 or power <= 0.5:
        raise AnalysisError(f"level and power must exceed 0.5, got {level!r} and {power!r}")
    z_level = float(stats.norm.isf(1.0 - level))
    z_power = float(stats.norm.isf(1.0 - power))
    root = z_level * math.sqrt(target * (1 - target)) + z_power * math.sqrt(p * (1 - p))
    return max(_ceil(deff * (root / (p - target)) ** 2), 1)
