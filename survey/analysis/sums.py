"""The composite index from per-stratum sufficient statistics (for SQL aggregation).

Why this works: with X_j, p_j known, the influence value is linear in the
respondent's 0/1 indicators, z_i = a·y_i − b·r_i with a_j = c_j/X_j and
b_j = c_j p_j/X_j. Hence, per stratum h,

    Σ_i z_i   = a·Y_h − b·R_h
    Σ_i z_i²  = aᵀ YY_h a − 2 aᵀ YR_h b + bᵀ RR_h b
    Σ_i (u_i − ū_h)² = w_h² (Σ z_i² − (Σ z_i)²/n_h)

so the estimate, SE and interval of the composite, of any dimension and of any
single item need only, per stratum: n_h, N_h and the k×k co-occurrence counts

    yy[j, k] = #respondents satisfied (4–5) with both j and k
    yr[j, k] = #respondents satisfied with j who answered k (1–5)
    rr[j, k] = #respondents who answered both j and k

(the diagonals give y_j = yy[j, j] = yr[j, j] and r_j = rr[j, j]). The code
evaluates the same quantity as vᵀ C_h v with v = (a, −b) and C_h the centred
cross-products (e.g. yy − y yᵀ/n_h), which is exact for homogeneous strata.

Sums add up: a unit's sums over several periods, or units pooled into one
stratum, are the element-wise sums (``StratumSums.__add__``). A province or
national figure passes one StratumSums per unit in scope.

Where the sums come from: the app computes them in SQL without pairing answers up
(:mod:`survey.services.reporting.aggregates`): each response's answers are folded
into two bit masks (satisfied / answered per item), responses are counted per
(unit, masks), and the distinct patterns become yy, yr and rr by one matrix product
per unit; n_h is every response of the unit (including those that skipped every
item) and N_h the served count. Other sources can build a StratumSums from 0/1
matrices (:meth:`StratumSums.from_indicators`) or from counts per ordered item pair,
j = k included (:meth:`StratumSums.from_pair_counts`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any
from dataclasses import dataclass

import numpy as np

from ._validation import AnalysisError, check_count, check_level, check_population
from .composite import StratifiedCounts, answer_matrices, build_result, design_weights
from .design import CompositeResult


@dataclass(frozen=True)
class StratumSums:
    """Sufficient statistics of one stratum (unit) for k items in a fixed order.

    Attributes:
        n: responses in the stratum (all of them, answered or not).
        N: claimants served in the stratum, or None if unknown.
        y: (k,) number satisfied (answer 4–5) per item.
        r: (k,) number who answered (1–5) per item.
        yy: (k, k) Σ_i y_ij y_ik.
        yr: (k, k) Σ_i y_ij r_ik.
        rr: (k, k) Σ_i r_ij r_ik.
    """

    n: int
    N: float | None
    y: np.ndarray
    r: np.ndarray
    yy: np.ndarray
    yr: np.ndarray
    rr: np.ndarray

    def __post_init__(self) -> None:
        check_count(self.n, "StratumSums.n")
        if self.N is not None:
            check_population(self.N, int(self.n), "StratumSums.N")
        k = len(self.y)
        shapes = {"y": (k,), "r": (k,), "yy": (k, k), "yr": (k, k), "rr": (k, k)}
        for name, shape in shapes.items():
            value = np.asarray(getattr(self, name), dtype=float)
            if value.shape != shape:
                raise AnalysisError(
                    f"StratumSums.{name} must have shape {shape}, got {value.shape}"
                )
            if np.any(value < 0) or np.any(value != np.floor(value)):
                raise AnalysisError(f"StratumSums.{name} must hold non-negative whole counts")
            object.__setattr__(self, name, value)
        self._check_consistency()

    def _check_consistency(self) -> None:
        """Catch aggregation mistakes (e.g. NULL answers counted) early."""
        problems = []
        if not (np.array_equal(self.yy, self.yy.T) and np.array_equal(self.rr, self.rr.T)):
            problems.append("yy and rr must be symmetric")
        if not (
            np.array_equal(np.diag(self.yy), self.y) and np.array_equal(np.diag(self.yr), self.y)
        ):
            problems.append("diag(yy) and diag(yr) must equal y")
        if not np.array_equal(np.diag(self.rr), self.r):
            problems.append("diag(rr) must equal r")
        if np.any(self.yy > self.yr) or np.any(self.yr > self.rr) or np.any(self.r > self.n):
            problems.append("need yy <= yr <= rr and r <= n")
        if problems:
            raise AnalysisError("inconsistent StratumSums: " + "; ".join(problems))

    @classmethod
    def from_pair_counts(
        cls,
        items: Sequence[str],
        n: int,
        N: float | None,
        rows: Iterable[tuple[str, str, int, int, int]],
    ) -> StratumSums:
        """Build from SQL rows ``(j, k, yy, yr, rr)`` over ordered item pairs (j = k included).

        Missing pairs count as 0; rows for items not in ``items`` raise.
        """
        position = {code: j for j, code in enumerate(items)}
        k = len(items)
        yy, yr, rr = np.zeros((k, k)), np.zeros((k, k)), np.zeros((k, k))
        for j_code, k_code, c_yy, c_yr, c_rr in rows:
            if j_code not in position or k_code not in position:
                raise AnalysisError(f"pair ({j_code!r}, {k_code!r}) refers to an item not in items")
            row, col = position[j_code], position[k_code]
            yy[row, col], yr[row, col], rr[row, col] = c_yy, c_yr, c_rr
        return cls(n, N, np.diag(yy).copy(), np.diag(rr).copy(), yy, yr, rr)

    @classmethod
    def from_indicators(
        cls, satisfied: np.ndarray, answered: np.ndarray, N: float | None = None
    ) -> StratumSums:
        """Build from 0/1 matrices (respondents × items) of one stratum."""
        return cls(
            len(satisfied),
            N,
            satisfied.sum(axis=0),
            answered.sum(axis=0),
            satisfied.T @ satisfied,
            satisfied.T @ answered,
            answered.T @ answered,
        )

    def __add__(self, other: StratumSums) -> StratumSums:
        """Pool two strata (N is kept only if both are known)."""
        total_n = None if self.N is None or other.N is None else self.N + other.N
        return StratumSums(
            self.n + other.n,
            total_n,
            self.y + other.y,
            self.r + other.r,
            self.yy + other.yy,
            self.yr + other.yr,
            self.rr + other.rr,
        )


@dataclass(frozen=True)
class CompositeSums:
    """Per-stratum sums for a fixed item order: everything composite_from_sums needs."""

    items: tuple[str, ...]
    strata: Mapping[Any, StratumSums]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        for key, sums in self.strata.items():
            if len(sums.y) != len(self.items):
                raise AnalysisError(
                    f"stratum {key!r} has sums for {len(sums.y)} items, expected {len(self.items)}"
                )


def sums_from_answers(
    answers: Mapping[str, Sequence[float | None]],
    strata: Sequence[Hashable] | None = None,
    served: Mapping[Hashable, float | None] | None = None,
) -> CompositeSums:
    """Per-stratum sufficient statistics from per-respondent answers.

    Takes the same inputs as :func:`composite_index`. Strata are keyed by label in
    first-appearance order; with ``strata=None`` there is one stratum keyed None.
    N is taken from ``served`` (None where unknown).
    """
    if served is not None and strata is None:
        raise AnalysisError("served counts need strata (one stratum label per respondent)")
    items = tuple(answers)
    satisfied, valid = answer_matrices(answers, items)
    labels = list(strata) if strata is not None else [None] * len(satisfied)
    if len(labels) != len(satisfied):
        raise AnalysisError(f"strata has {len(labels)} labels for {len(satisfied)} respondents")
    keys = list(dict.fromkeys(labels))
    position = {key: h for h, key in enumerate(keys)}
    member = np.array([position[s] for s in labels], dtype=np.int64)
    groups: dict[Hashable, StratumSums] = {}
    for h, key in enumerate(keys):
        rows = member == h
        n_served = None if served is None else served.get(key)
        groups[key] = StratumSums.from_indicators(satisfied[rows], valid[rows], n_served)
    return CompositeSums(items, groups)


#: Relative rounding floor of the quadratic form (generous multiple of machine epsilon).
_NOISE = 64 * float(np.finfo(float).eps)


def _scatter_matrices(strata: Sequence[StratumSums]) -> np.ndarray:
    """Per stratum, the 2k×2k scatter Σ_i (s_i − s̄)(s_i − s̄)ᵀ of s_i = (y_i, r_i).

    Centring the integer cross-products before the quadratic form keeps the result
    exact for homogeneous strata (then every entry is an exact 0).
    """
    blocks = []
    for s in strata:
        n = max(s.n, 1)
        cyy = s.yy - np.outer(s.y, s.y) / n
        cyr = s.yr - np.outer(s.y, s.r) / n
        crr = s.rr - np.outer(s.r, s.r) / n
        blocks.append(np.block([[cyy, cyr], [cyr.T, crr]]))
    return np.stack(blocks)


def composite_from_sums(
    sums: CompositeSums, dimensions: Mapping[str, Sequence[str]], level: float = 0.95
) -> CompositeResult:
    """The composite index, its dimensions and items from per-stratum sums.

    Gives exactly what :func:`composite_index` gives on the underlying answers:
    weighted with FPC (df = n − H) when every stratum has N, otherwise all strata
    pooled into one unweighted stratum (df = n − 1). Pass a subset of dimensions
    (e.g. ``{"A": ["a1", "a2"]}`` or ``{"a1": ["a1"]}``) to get that dimension's or
    item's own index and SE as the composite. Strata with n = 0 are ignored.
    """
    level = check_level(level)
    strata = [s for s in sums.strata.values() if s.n > 0]
    k = len(sums.items)
    weighted = bool(strata) and all(s.N is not None for s in strata)
    if not weighted and strata:
        pooled = strata[0]
        for extra in strata[1:]:
            pooled = pooled + extra
        strata = [pooled]
    elif not strata:
        empty = np.zeros((k, k))
        strata = [StratumSums(0, None, np.zeros(k), np.zeros(k), empty, empty, empty)]
    n_h = np.array([s.n for s in strata], dtype=np.int64)
    if weighted:
        weight, fpc, _ = design_weights(n_h, [s.N for s in strata])
    else:
        weight, fpc = np.ones(1), np.ones(1)
    y = np.stack([s.y for s in strata])
    r = np.stack([s.r for s in strata])
    counts = StratifiedCounts(sums.items, n_h, weight, fpc, y, r, weighted)
    scatter = _scatter_matrices(strata)
    factor = counts.spread_factor

    def variance(a: np.ndarray, b: np.ndarray) -> float:
        # Σ(z − z̄)² = vᵀ C v with v = (a, −b) and C the within-stratum scatter of (y, r).
        v = np.concatenate([a, -b])
        centred = np.einsum("j,hjk,k->h", v, scatter, v)
        noise = _NOISE * np.einsum("j,hjk,k->h", np.abs(v), np.abs(scatter), np.abs(v))
        # Rounding can leave ±1e−20 where the true spread is 0 (e.g. two respondents
        # with mirror-image answers); below the rounding floor it *is* 0.
        centred = np.where(centred > noise, centred, 0.0)
        return float(factor @ centred)

    return build_result(counts, dimensions, level, variance)
