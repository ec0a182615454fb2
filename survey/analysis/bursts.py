"""Upper limits for counts that arrive too fast: Poisson for responses per hour,
binomial for identical answer patterns in a short window (docs/methodology.md)."""

from __future__ import annotations

from scipy import stats

from ._validation import AnalysisError

#: Tail probability below which a count is called a burst. Small on purpose: a scan
#: tests every hour of every counter, and a false alarm costs a manager's review.
DEFAULT_ALPHA = 1e-6


def poisson_limit(rate: float, alpha: float = DEFAULT_ALPHA) -> int:
    """The smallest count c with P(X ≥ c) ≤ ``alpha`` for X ~ Poisson(``rate``):
    an hour with c or more responses is a burst."""
    if not rate > 0:
        raise AnalysisError("rate must be positive")
    if not 0 < alpha < 1:
        raise AnalysisError("alpha must be in (0, 1)")
    # isf gives the smallest c with P(X > c) ≤ alpha; P(X ≥ c + 1) is the same tail.
    return int(stats.poisson.isf(alpha, rate)) + 1


def pattern_tail(k: int, n: int, share: float) -> float:
    """P(X ≥ ``k``) for X ~ Binomial(``n``, ``share``): how likely ``k`` or more of
    ``n`` responses give one answer pattern whose usual share is ``share``."""
    if not 0 <= k <= n:
        raise AnalysisError("k must be between 0 and n")
    if not 0 < share < 1:
        raise AnalysisError("share must be in (0, 1)")
    return float(stats.binom.sf(k - 1, n, share))
