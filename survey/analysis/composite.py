"""Composite satisfaction index (top-2-box shares → dimensions → composite).

Definitions (reference §1–§3): item share p_j = Y_j/X_j with X_j = Σ w_i r_ij
(answered) and Y_j = Σ w_i y_ij (answered 4 or 5); dimension = mean of its item
shares; composite = mean of the dimensions, i.e. I = Σ_j c_j p_j with
c_j = 1/(D·J_d). The linearized variance uses z_i = Σ_j c_j (y_ij − p_j r_ij)/X_j
and u_i = w_i z_i:  Var = Σ_h (1 − f_h)·n_h/(n_h − 1)·Σ_{i∈h}(u_i − ū_h)².

Conventions: respondents who skipped an item still count in n_h (they belong to
the design; their z_i is 0 for that item). ``n`` of an item is the number who
answered it; ``n`` of a dimension or of the composite is the number of responses
in the design. Items nobody answered are dropped from their dimension; a
dimension with no answered item is dropped from the composite.

This module computes the variance from per-respondent arrays;
:mod:`survey.analysis.sums` computes the same figures from per-stratum sums.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import AnalysisError, check_level, check_population
from .design import (
    CompositeResult,
    DesignEstimate,
    design_bounds,
    interval_method,
    stratum_spread_factor,
)

#: Variance of Σ_j c_j p_j given a = c/X and b = c·p/X (see module docstring).
VarianceFn = Callable[[np.ndarray, np.ndarray], float]
SATISFIED_MIN = 4


@dataclass(frozen=True)
class StratifiedCounts:
    """Per-stratum design facts and item counts, common to both variance routes.

    ``y[h, j]`` / ``r[h, j]`` are the numbers of respondents in stratum h that
    were satisfied with / answered item j; ``n[h]`` counts all responses.
    """

    items: tuple[str, ...]
    n: np.ndarray
    weight: np.ndarray
    fpc: np.ndarray
    y: np.ndarray
    r: np.ndarray
    weighted: bool
    #: Degrees of freedom set by the design (PSUs − strata for a cluster design).
    design_df: int | None = None

    @property
    def df(self) -> int:
        """As set by the design; else n − H when weighted (stratified), n − 1 otherwise."""
        if self.design_df is not None:
            return self.design_df
        return int(self.n.sum()) - (len(self.n) if self.weighted else 1)

    @property
    def census(self) -> bool:
        """True when every stratum was fully enumerated (FPC factor 0 everywhere)."""
        return self.weighted and bool(np.all(self.fpc == 0.0))

    @property
    def spread_factor(self) -> np.ndarray:
        """(1 − f_h)·n_h/(n_h − 1)·w_h² per stratum (0 where n_h < 2)."""
        return stratum_spread_factor(self.n, self.fpc) * self.weight**2


def design_weights(
    n_h: np.ndarray, served: Sequence[float | None] | None
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Weights N_h/n_h and FPC factors 1 − n_h/N_h, or (1, 1, unweighted).

    ``served`` lists N_h per stratum; None (or any None entry) means unweighted.
    Raises :class:`AnalysisError` when N_h < n_h.
    """
    if served is None or any(v is None for v in served):
        return np.ones(len(n_h)), np.ones(len(n_h)), False
    pops = np.array(
        [
            check_population(v, int(n_h[i]), f"served count of stratum #{i}")
            for i, v in enumerate(served)
        ]
    )
    return pops / n_h, 1.0 - n_h / pops, True


@dataclass(frozen=True)
class _Combination:
    """Item shares of a design plus what it takes to evaluate any Σ_j c_j p_j."""

    counts: StratifiedCounts
    shares: np.ndarray
    big_x: np.ndarray
    level: float
    variance: VarianceFn
    #: Items with enough answers to enter their dimension.
    enough: np.ndarray

    @property
    def answered(self) -> np.ndarray:
        """Items that enter their dimension: answered (X_j > 0) by enough respondents."""
        return (self.big_x > 0) & self.enough

    def estimate(self, value: float, coef: np.ndarray, n: int) -> DesignEstimate:
        """SE of Σ c_j p_j (a = c/X, b = c·p/X) and its logit interval, for the given value."""
        counts, df, census = self.counts, self.counts.df, self.counts.census
        if math.isnan(value):
            return DesignEstimate(
                math.nan, math.nan, 0.0, 1.0, df, n, "logit", counts.weighted, self.level, census
            )
        value = min(max(value, 0.0), 1.0)
        live = coef != 0.0
        a, b = np.zeros_like(coef), np.zeros_like(coef)
        a[live] = coef[live] / self.big_x[live]
        b[live] = coef[live] * self.shares[live] / self.big_x[live]
        se = math.sqrt(max(self.variance(a, b), 0.0))
        low, high = design_bounds(value, se, df, n, (1.0 - self.level) / 2.0, census)
        method = interval_method(value, df, census)
        return DesignEstimate(
            value, se, low, high, df, n, method, counts.weighted, self.level, census
        )


def build_result(
    counts: StratifiedCounts,
    dimensions: Mapping[str, Sequence[str]],
    level: float,
    variance: VarianceFn,
    min_answers: int = 1,
) -> CompositeResult:
    """Estimates, SEs and logit intervals for items, dimensions and the composite.

    An item answered by fewer than ``min_answers`` respondents keeps its own estimate
    but is left out of its dimension; a dimension with no item left is left out of the
    composite (``excluded_items``, ``excluded_dimensions``). The default, 1, leaves out
    only items nobody answered.
    """
    check_dimensions(dimensions, counts.items)
    big_x = counts.weight @ counts.r
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(big_x > 0, (counts.weight @ counts.y) / big_x, np.nan)
    enough = counts.r.sum(axis=0) >= max(min_answers, 1)
    combo = _Combination(counts, shares, big_x, level, variance, enough)
    index = {code: j for j, code in enumerate(counts.items)}
    items = _item_results(combo, index, _used_items(dimensions))
    dims, coefs = _dimension_results(combo, index, dimensions)
    if coefs:
        # Mean of dimension means (not Σ c_j p_j) so that all-100 % gives exactly 1.0.
        value = float(np.mean([dims[d].estimate for d in coefs]))
        top = combo.estimate(
            value, np.mean(np.stack(list(coefs.values())), axis=0), int(counts.n.sum())
        )
    else:
        top = combo.estimate(math.nan, np.zeros(len(index)), int(counts.n.sum()))
    return CompositeResult(
        **{f: getattr(top, f) for f in DesignEstimate.__dataclass_fields__},
        dimensions=dims,
        items=items,
        excluded_items=tuple(c for c in items if not combo.answered[index[c]]),
        excluded_dimensions=tuple(d for d in dimensions if d not in coefs),
    )


def _item_results(
    combo: _Combination, index: Mapping[str, int], codes: Sequence[str]
) -> dict[str, DesignEstimate]:
    """Each item share p_j; its n is the number of respondents who answered it."""
    results = {}
    for code in codes:
        j = index[code]
        unit = np.zeros(len(index))
        unit[j] = 1.0
        results[code] = combo.estimate(
            float(combo.shares[j]), unit, int(combo.counts.r[:, j].sum())
        )
    return results


def _dimension_results(
    combo: _Combination, index: Mapping[str, int], dimensions: Mapping[str, Sequence[str]]
) -> tuple[dict[str, DesignEstimate], dict[str, np.ndarray]]:
    """Each dimension (mean of its answered items' shares) and the coefficients of the live ones."""
    results: dict[str, DesignEstimate] = {}
    coefs: dict[str, np.ndarray] = {}
    total_n = int(combo.counts.n.sum())
    for dim, codes in dimensions.items():
        live = [index[c] for c in dict.fromkeys(codes) if combo.answered[index[c]]]
        coef = np.zeros(len(index))
        if live:
            coef[live] = 1.0 / len(live)
            coefs[dim] = coef
        value = float(np.mean(combo.shares[live])) if live else math.nan
        results[dim] = combo.estimate(value, coef, total_n)
    return results, coefs


def check_dimensions(dimensions: Mapping[str, Sequence[str]], items: Sequence[str]) -> None:
    """Raise unless every dimension is a non-empty list of known item codes."""
    if not dimensions:
        raise AnalysisError("dimensions must define at least one dimension")
    known = set(items)
    for dim, codes in dimensions.items():
        if isinstance(codes, (str, bytes)) or not codes:
            raise AnalysisError(f"dimension {dim!r} must be a non-empty list of item codes")
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise AnalysisError(
                f"dimension {dim!r} refers to unknown item(s): {', '.join(map(str, unknown))}"
            )


def _used_items(dimensions: Mapping[str, Sequence[str]]) -> list[str]:
    """Item codes in order of first appearance across the dimensions."""
    return list(dict.fromkeys(c for codes in dimensions.values() for c in codes))


def answer_matrices(
    answers: Mapping[str, Sequence[float | None]], items: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """0/1 matrices (respondents × items): satisfied (4–5) and answered (1–5).

    None or NaN means not applicable. Any other value outside 1–5 (or not a whole
    number) raises :class:`AnalysisError`; so do sequences of unequal length.
    """
    lengths = {len(answers[c]) for c in items}
    if len(lengths) > 1:
        raise AnalysisError(f"answer sequences differ in length: {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    values = np.full((n, len(items)), np.nan)
    for j, code in enumerate(items):
        column = [math.nan if v is None else v for v in answers[code]]
        try:
            values[:, j] = np.asarray(column, dtype=float)
        except (TypeError, ValueError) as exc:
            raise AnalysisError(f"answers for item {code!r} must be numbers 1–5 or None") from exc
    valid = ~np.isnan(values)
    bad = valid & ~np.isin(values, (1.0, 2.0, 3.0, 4.0, 5.0))
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise AnalysisError(
            f"answer {values[i, j]!r} of respondent #{i} to item {items[j]!r} is not 1–5"
        )
    satisfied = valid & (np.nan_to_num(values) >= SATISFIED_MIN)
    return satisfied.astype(float), valid.astype(float)


def stratum_labels(
    n: int, strata: Sequence[Hashable] | None, served: Mapping[Hashable, float | None] | None
) -> tuple[list[Hashable], np.ndarray, bool]:
    """Stratum keys (first-appearance order), each respondent's stratum index, weighted?

    Weighted only when ``served`` gives a count for every stratum present;
    otherwise everybody is put in one stratum (reference §2).
    """
    if served is not None and strata is None:
        raise AnalysisError("served counts need strata (one stratum label per respondent)")
    if strata is not None and len(strata) != n:
        raise AnalysisError(f"strata has {len(strata)} labels for {n} respondents")
    if strata is None or served is None:
        return [None], np.zeros(n, dtype=np.int64), False
    keys = list(dict.fromkeys(strata))
    if any(served.get(k) is None for k in keys):
        return [None], np.zeros(n, dtype=np.int64), False
    position = {k: h for h, k in enumerate(keys)}
    return keys, np.array([position[s] for s in strata], dtype=np.int64), True


def composite_index(
    answers: Mapping[str, Sequence[float | None]],
    dimensions: Mapping[str, Sequence[str]],
    strata: Sequence[Hashable] | None = None,
    served: Mapping[Hashable, float | None] | None = None,
    level: float = 0.95,
) -> CompositeResult:
    """Composite top-2-box index with SE and logit interval, from per-respondent answers.

    Args:
        answers: item code → one answer per respondent (1–5, None/NaN = not applicable).
        dimensions: dimension code → item codes.
        strata: each respondent's stratum label (None = one stratum).
        served: stratum → N_h. Weighted with FPC (df = n − H) only if every
            stratum present has a count; otherwise unweighted, one stratum,
            no FPC, df = n − 1.
        level: two-sided confidence level.

    Returns:
        :class:`CompositeResult` with per-dimension and per-item results.
    """
    level = check_level(level)
    check_dimensions(dimensions, list(answers))
    items = tuple(answers)
    satisfied, valid = answer_matrices(answers, items)
    keys, member, weighted = stratum_labels(len(satisfied), strata, served)
    n_h = np.bincount(member, minlength=len(keys))
    if weighted:
        assert served is not None
        weight, fpc = design_weights(n_h, [served[k] for k in keys])[:2]
    else:
        weight, fpc = np.ones(len(keys)), np.ones(len(keys))
    y = np.stack([satisfied[member == h].sum(axis=0) for h in range(len(keys))])
    r = np.stack([valid[member == h].sum(axis=0) for h in range(len(keys))])
    counts = StratifiedCounts(items, n_h, weight, fpc, y, r, weighted)
    factor = counts.spread_factor

    def variance(a: np.ndarray, b: np.ndarray) -> float:
        # Direct route: influence value per respondent, centred within stratum.
        z = satisfied @ a - valid @ b
        total = 0.0
        for h in range(len(keys)):
            z_h = z[member == h]
            if factor[h] > 0.0:
                total += factor[h] * float(((z_h - z_h.mean()) ** 2).sum())
        return total

    return build_result(counts, dimensions, level, variance)
