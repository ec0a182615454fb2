"""Many cells, many verdicts: false-discovery-rate control for comparison tables.

Testing 40 counters against a target at the 95 % level declares about two "not met"
by chance alone when every counter is in fact on target. In a table that compares
units, each verdict's p-value is therefore adjusted with the Benjamini–Hochberg step-up
procedure, which keeps the expected share of false "met"/"not met" verdicts among
those declared at or below 1 − level (R: ``p.adjust(p, method = "BH")``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from ._validation import AnalysisError, check_level
from .verdict import INCONCLUSIVE, INSUFFICIENT, MET, NOT_MET, Verdict


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """BH-adjusted p-values (q-values) in the input order; NaN stays NaN and is not
    counted among the tests."""
    p = np.asarray(p_values, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise AnalysisError("p-values must lie in [0, 1]")
    live = np.flatnonzero(~np.isnan(p))
    adjusted = np.full(len(p), math.nan)
    m = len(live)
    if m == 0:
        return adjusted.tolist()
    order = live[np.argsort(p[live], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    # Step-up: each q is the smallest ranked value at or above its rank.
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted[order] = np.minimum(q, 1.0)
    return adjusted.tolist()


def adjust_verdicts(verdicts: Sequence[Verdict], level: float = 0.95) -> list[Verdict]:
    """The verdicts of one comparison table with BH-adjusted decisions.

    Each cell is one test of "met" (p_greater) and one of "not met" (p_less); both
    families are adjusted across the cells that have a verdict. A cell keeps its
    verdict only if its adjusted p-value is still at most 1 − level; otherwise it
    becomes inconclusive. ``p_value`` then holds the adjusted value.
    """
    alpha = 1.0 - check_level(level)
    live = [i for i, v in enumerate(verdicts) if v.verdict != INSUFFICIENT]
    greater = benjamini_hochberg([verdicts[i].p_greater for i in live])  # type: ignore[misc]
    less = benjamini_hochberg([verdicts[i].p_less for i in live])  # type: ignore[misc]
    out = list(verdicts)
    for i, q_greater, q_less in zip(live, greater, less):
        v = verdicts[i]
        if q_greater <= alpha:
            decided, q = MET, q_greater
        elif q_less <= alpha:
            decided, q = NOT_MET, q_less
        else:
            decided, q = INCONCLUSIVE, q_greater
        out[i] = dataclasses.replace(v, verdict=decided, p_value=q)
    return out
