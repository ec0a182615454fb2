"""The composite index under a stratified cluster design (reference §2b).

Claimants served at one counter on one day answer alike (same officer, same queue),
so responses are not independent draws: the primary sampling unit (PSU) is the
counter × local day, nested in the unit strata. Because the linearized influence
value of a respondent is linear in their 0/1 indicators,

    u_hk = Σ_{i∈k} w_i z_i = w_h (a·Y_hk − b·R_hk)      (a = c/X, b = c·p/X),

the PSU totals need only, per PSU, the number satisfied with (Y) and the number who
answered (R) each item; SQL groups by PSU and item. Then, with m_h PSUs in stratum h,

    Var(I) = Σ_h m_h/(m_h − 1) · Σ_k (u_hk − ū_h)²

and df = (number of PSUs) − (number of strata), as R ``degf()``. No finite population
correction: respondents select themselves, they are no random sample of the people
served (an FPC would narrow the interval as if they were). A stratum with a single
PSU is centred on the grand mean of all PSU totals instead of contributing nothing
(R ``options(survey.lonely.psu = "adjust")``); for a linearized ratio the PSU totals
sum to 0, so its contribution is u_hk².

R equivalent (one row per response, ``w`` = the stratum's weight)::

    options(survey.lonely.psu = "adjust")
    d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = responses)
    # composite via svytotal of the y_j and r_j indicators + svycontrast, logit
    # interval on degf(d) degrees of freedom

The design effect reported beside each estimate is the ratio of this variance to the
variance of the same strata and weights with each response its own PSU (reference
§4.4), which needs the within-stratum cross-products of :mod:`.sums`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ._validation import AnalysisError, check_level
from .composite import StratifiedCounts, build_result, check_dimensions
from .design import CompositeResult, DesignEstimate
from .sums import StratumSums, _scatter_matrices

#: What a stratum with one PSU contributes: centred on the grand mean (R "adjust"),
#: or nothing (R "certainty", the behaviour before clustering was modelled).
LONELY = ("adjust", "certainty")


@dataclass(frozen=True)
class ClusterSums:
    """Per-PSU counts for a fixed item order.

    Attributes:
        items: item codes, the column order of ``y`` and ``r``.
        stratum: (m,) the stratum key of each PSU.
        n: (m,) responses in each PSU (all of them, answered or not).
        y: (m, k) respondents satisfied (4–5) with each item.
        r: (m, k) respondents who answered (1–5) each item.
    """

    items: tuple[str, ...]
    stratum: tuple[Hashable, ...]
    n: np.ndarray
    y: np.ndarray
    r: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "stratum", tuple(self.stratum))
        m, k = len(self.stratum), len(self.items)
        for name, shape in {"n": (m,), "y": (m, k), "r": (m, k)}.items():
            value = np.asarray(getattr(self, name), dtype=float).reshape(shape) \
                if np.size(getattr(self, name)) == m * (k if name != "n" else 1) else None
            if value is None:
                raise AnalysisError(f"ClusterSums.{name} must have shape {shape}")
            if np.any(value < 0) or np.any(value != np.floor(value)):
                raise AnalysisError(f"ClusterSums.{name} must hold non-negative whole counts")
            object.__setattr__(self, name, value)
        if np.any(self.y > self.r) or np.any(self.r > self.n[:, None]):
            raise AnalysisError("ClusterSums needs y <= r <= n in every PSU")

    @classmethod
    def from_answers(cls, satisfied: np.ndarray, answered: np.ndarray,
                     strata: Sequence[Hashable], psus: Sequence[Hashable],
                     items: Sequence[str]) -> ClusterSums:
        """Sum 0/1 matrices (respondents × items) by PSU (a PSU belongs to one stratum)."""
        keys = list(dict.fromkeys(zip(strata, psus)))
        if len({psu for _stratum, psu in keys}) != len(keys):
            raise AnalysisError("a PSU must lie within one stratum")
        position = {key: k for k, key in enumerate(keys)}
        member = np.array([position[key] for key in zip(strata, psus)], dtype=np.int64)
        m = len(keys)
        y = np.zeros((m, len(items)))
        r = np.zeros((m, len(items)))
        np.add.at(y, member, satisfied)
        np.add.at(r, member, answered)
        return cls(tuple(items), tuple(s for s, _p in keys),
                   np.bincount(member, minlength=m).astype(float), y, r)


def clustered_composite(
    clusters: ClusterSums,
    dimensions: Mapping[str, Sequence[str]],
    weights: Mapping[Any, float] | None = None,
    level: float = 0.95,
    lonely: str = "adjust",
    elements: Mapping[Any, StratumSums] | None = None,
    min_answers: int = 1,
) -> CompositeResult:
    """The composite, its dimensions and items under the stratified cluster design.

    Args:
        clusters: per-PSU counts.
        dimensions: dimension code → item codes.
        weights: stratum → weight w_h of each of its responses (N_h/n_h, or a default
            weight); None = every response weighs 1.
        level: two-sided confidence level.
        lonely: ``"adjust"`` (default) or ``"certainty"`` for strata with one PSU.
        elements: stratum → the within-stratum cross-products of the same responses;
            when given, every estimate carries its design effect of clustering.
        min_answers: items answered by fewer respondents stay out of their dimension
            (see :func:`.composite.build_result`).

    ``weighted`` on the result is True when ``weights`` were given; ``method`` names
    the interval (``logit`` or the ``clopper_pearson`` fallback).
    """
    level = check_level(level)
    check_dimensions(dimensions, clusters.items)
    if lonely not in LONELY:
        raise AnalysisError(f"lonely must be one of {', '.join(LONELY)}, got {lonely!r}")
    keys = list(dict.fromkeys(clusters.stratum))
    position = {key: h for h, key in enumerate(keys)}
    member = np.array([position[s] for s in clusters.stratum], dtype=np.int64)
    weight = _stratum_weights(keys, weights)
    counts = _counts(clusters, keys, member, weight, weights is not None)
    variance = _cluster_variance(clusters, member, weight, lonely)
    result = build_result(counts, dimensions, level, variance, min_answers)
    if elements is None:
        return result
    element_counts = dataclasses.replace(counts, design_df=int(counts.n.sum()) - len(keys))
    element = build_result(element_counts, dimensions, level,
                           _element_variance([elements[key] for key in keys], weight,
                                             np.ones(len(keys)), lonely), min_answers)
    return with_design_effects(result, element)


def element_composite(
    elements: Mapping[Any, StratumSums],
    dimensions: Mapping[str, Sequence[str]],
    items: Sequence[str],
    weights: Mapping[Any, float] | None = None,
    level: float = 0.95,
    lonely: str = "adjust",
    min_answers: int = 1,
) -> CompositeResult:
    """The composite under a stratified element design: each response its own PSU.

    For a centre that draws a real probability sample of the people it serves. A
    stratum's ``N`` (when known) gives the finite population correction 1 − n_h/N_h; a
    stratum without it has none. ``weights`` as in :func:`clustered_composite`; df =
    n − H. A stratum with one response is handled as ``lonely`` says (R multiplies
    the "adjust" contribution by the stratum's FPC factor too). R::

        svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N)

    (``N`` = ``Inf`` for strata without a count).
    """
    level = check_level(level)
    check_dimensions(dimensions, items)
    if lonely not in LONELY:
        raise AnalysisError(f"lonely must be one of {', '.join(LONELY)}, got {lonely!r}")
    keys = [key for key, sums in elements.items() if sums.n > 0]
    strata = [elements[key] for key in keys]
    if any(len(s.y) != len(items) for s in strata):
        raise AnalysisError("every stratum needs sums for the given items")
    weight = _stratum_weights(keys, weights)
    n = np.array([s.n for s in strata], dtype=np.int64)
    fpc = np.array([1.0 - s.n / s.N if s.N else 1.0 for s in strata])
    k = len(items)
    y = np.stack([s.y for s in strata]) if strata else np.zeros((0, k))
    r = np.stack([s.r for s in strata]) if strata else np.zeros((0, k))
    counts = StratifiedCounts(tuple(items), n, weight, fpc, y, r, weights is not None,
                              design_df=int(n.sum()) - len(keys))
    return build_result(counts, dimensions, level,
                        _element_variance(strata, weight, fpc, lonely), min_answers)


def _stratum_weights(keys: list[Hashable], weights: Mapping[Any, float] | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(keys))
    missing = [key for key in keys if key not in weights]
    if missing:
        raise AnalysisError(f"no weight for stratum {missing[0]!r}")
    values = np.array([float(weights[key]) for key in keys])
    if np.any(~np.isfinite(values)) or np.any(values <= 0):
        raise AnalysisError("weights must be positive numbers")
    return values


def _counts(clusters: ClusterSums, keys: list[Hashable], member: np.ndarray,
            weight: np.ndarray, weighted: bool) -> StratifiedCounts:
    h = len(keys)
    n = np.bincount(member, weights=clusters.n, minlength=h).astype(np.int64)
    y = np.zeros((h, len(clusters.items)))
    r = np.zeros((h, len(clusters.items)))
    np.add.at(y, member, clusters.y)
    np.add.at(r, member, clusters.r)
    return StratifiedCounts(clusters.items, n, weight, np.ones(h), y, r, weighted,
                            design_df=len(clusters.stratum) - h)


def _cluster_variance(clusters: ClusterSums, member: np.ndarray, weight: np.ndarray,
                      lonely: str):
    h = len(weight)
    psus = np.bincount(member, minlength=h).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(psus >= 2, psus / (psus - 1.0), 0.0)
    lonely_psu = psus[member] == 1

    def variance(a: np.ndarray, b: np.ndarray) -> float:
        u = weight[member] * (clusters.y @ a - clusters.r @ b)
        mean = np.bincount(member, weights=u, minlength=h) / np.maximum(psus, 1.0)
        spread = (u - mean[member]) ** 2
        total = float(scale @ np.bincount(member, weights=spread, minlength=h))
        if lonely == "adjust" and lonely_psu.any():
            grand = u.sum() / len(u)
            total += float(((u[lonely_psu] - grand) ** 2).sum())
        return total

    return variance


def _element_variance(strata: list[StratumSums], weight: np.ndarray, fpc: np.ndarray,
                      lonely: str):
    """The given strata and weights with each response its own PSU; ``fpc`` holds the
    factors 1 − n_h/N_h (1: no correction)."""
    if not strata:
        return lambda a, b: 0.0
    scatter = _scatter_matrices(strata)
    n = np.array([s.n for s in strata], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n >= 2, n / (n - 1.0), 0.0) * weight**2 * fpc
    single = [h for h, s in enumerate(strata) if s.n == 1]

    def variance(a: np.ndarray, b: np.ndarray) -> float:
        v = np.concatenate([a, -b])
        total = float(factor @ np.einsum("j,hjk,k->h", v, scatter, v))
        if lonely == "adjust":
            # The linearized totals sum to 0 over all responses: the grand mean is 0.
            total += sum(fpc[h] * float(weight[h] * (strata[h].y @ a - strata[h].r @ b)) ** 2
                         for h in single)
        return max(total, 0.0)

    return variance


Estimate = TypeVar("Estimate", bound=DesignEstimate)


def with_design_effects(clustered: CompositeResult, element: CompositeResult) -> CompositeResult:
    """``clustered`` with ``deff`` = its variance over ``element``'s on every estimate."""
    def deff(c: Estimate, e: DesignEstimate) -> Estimate:
        ratio = (c.se / e.se) ** 2 if e.se > 0 and math.isfinite(c.se) else None
        return dataclasses.replace(c, deff=ratio)

    top = deff(clustered, element)
    return dataclasses.replace(
        top,
        dimensions={k: deff(v, element.dimensions[k]) for k, v in clustered.dimensions.items()},
        items={k: deff(v, element.items[k]) for k, v in clustered.items.items()})
