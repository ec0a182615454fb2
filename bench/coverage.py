"""Simulation study: coverage of the composite index's interval and verdict error rates.

    .venv/bin/python bench/coverage.py                  # 2000 simulated quarters per scenario
    .venv/bin/python bench/coverage.py --quick          # 200 per scenario (make bench)
    .venv/bin/python bench/coverage.py --write-docs     # also update docs/methodology.md
    .venv/bin/python bench/coverage.py --only base,icc-0.10 --reps 500

Each simulated quarter is a province of units (strata) of very different sizes, each
with counters open on up to 60 working days. Every claimant served has a latent
satisfaction η = μ_unit + b_(counter × day) + e (Var η = 1, latent ICC = Var b) and
answers all 12 items of 5 dimensions: item j's answer is η + δ_j + 0.7·ε cut into 1–5,
so that the true top-2-box shares lie near 0.80–0.92. Claimants respond with a
probability of 20–60 % (per unit, varying between counter-days), either independently
of their satisfaction (MCAR) or not (informative nonresponse).

Truth: the superpopulation value (expected composite of the units, averaged over
counter-day effects and claimants), which the index estimates (no finite population
correction on self-selected respondents, docs/methodology.md §3); coverage is also
reported against the quarter's finite-population composite, computed from the answers
of *all* claimants served (everyone has answers in the simulation, respondent or not),
the quantity the old design was built for.

Methods, side by side on the same simulated responses:

* OLD = ``composite_index``: strata = units, each response its own PSU, weights
  N_h/n_h with finite population correction, a one-response stratum contributes 0;
* NEW = ``ClusterSums.from_answers`` + ``clustered_composite``, as the app computes it:
  PSU = counter × day in unit strata, weights N_h/n_h, no FPC, lonely PSU "adjust",
  df = PSUs − strata, items with fewer than 5 answers left out of the composite, and a
  unit without a served count weighted by ΣN/Σn of the counted units (OLD: the whole
  row unweighted).

Verdicts (``target_verdict``, one-sided 95 %) are judged against targets 2 points
above / below the truth and at the truth itself (the boundary, where the error rate is
largest); a 40-unit comparison table with every unit exactly on target counts false
verdicts with and without Benjamini–Hochberg (``adjust_verdicts``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
import time
import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy import special, stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey.analysis import (  # noqa: E402
    ClusterSums,
    CompositeResult,
    adjust_verdicts,
    clustered_composite,
    composite_index,
    target_verdict,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "methodology.md"
BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"
SEED = 20240917
DAYS = 60
LEVEL = 0.95
SHIFT = 0.02  # targets at truth ± 2 points

# The questionnaire: 5 dimensions (SIPAS style), 2–3 items each.
DIMENSIONS = {
    "access": ["a1", "a2", "a3"],
    "procedure": ["p1", "p2"],
    "staff": ["s1", "s2", "s3"],
    "result": ["r1", "r2"],
    "feedback": ["f1", "f2"],
}
ITEMS = tuple(code for codes in DIMENSIONS.values() for code in codes)
ITEM_SHIFT = np.array([0.10, 0.0, -0.05, -0.10, 0.05, 0.15, 0.10, 0.05, 0.0, -0.05, -0.15, -0.10])
ITEM_NOISE = 0.7
#: Answer = 1 + number of cuts below η + δ_j + 0.7 ε; "4 or 5" ⇔ above 0.
CUTS = np.array([-1.6, -0.9, 0.0, 1.5])
ITEM_SD = math.sqrt(1.0 + ITEM_NOISE**2)
#: Column positions of each dimension's items.
DIM_COLUMNS = [[ITEMS.index(c) for c in codes] for codes in DIMENSIONS.values()]


@dataclass(frozen=True)
class Unit:
    """A stratum: claimants served in the quarter, counters, days open, μ, response rate."""

    code: str
    served: int
    counters: int
    days: int
    level: float
    response: float
    exactly_one: bool = False  # exactly one claimant responds (the one-response stratum)


def province_units(count: int = 12, low: int = 30, high: int = 3000) -> tuple[Unit, ...]:
    """Units from ``low`` to ``high`` served a quarter; small ones are weekly reception points."""
    served = np.round(np.geomspace(low, high, count)).astype(int)
    # Fixed scrambles, so that size, satisfaction and response rate are unrelated.
    levels = np.linspace(1.10, 1.60, count)[np.argsort(np.sin(np.arange(count) * 2.3))]
    rates = np.linspace(0.20, 0.60, count)[np.argsort(np.cos(np.arange(count) * 1.7))]
    units = []
    for i, n in enumerate(served):
        counters = 1 if n < 200 else 2 if n < 800 else 3 if n < 2000 else 4
        days = 12 if n < 100 else DAYS
        units.append(Unit(f"u{i + 1:02d}", int(n), counters, days, float(levels[i]),
                          float(rates[i])))
    return tuple(units)


PROVINCE = province_units()
LONELY_PSU = Unit("mobile-point", 40, 1, 1, 1.30, 0.40)
ONE_RESPONSE = Unit("tiny-point", 6, 1, 6, 1.30, 0.40, exactly_one=True)


@dataclass(frozen=True)
class Scenario:
    """One simulated setting; ``rows`` are unit-index subsets whose composite is estimated."""

    name: str
    description: str
    icc: float = 0.05
    response_sd: float = 0.5  # SD of the counter-day shift of logit(response probability)
    informative: float = 0.0  # slope of logit(response probability) on η − μ_unit
    planned: bool = False
    patchy: float = 0.0  # share of counter-days without any survey offered
    response: float | None = None  # one response rate for every unit (else per unit)
    extra: tuple[Unit, ...] = ()
    holds: bool = True  # do the interval's assumptions (MCAR response) hold?
    rows: dict[str, tuple[int, ...]] = field(default_factory=dict)
    uncounted: tuple[int, ...] = ()  # units whose served count is not known

    @property
    def units(self) -> tuple[Unit, ...]:
        base = PROVINCE if self.response is None else tuple(
            replace(u, response=self.response) for u in PROVINCE)
        return base + self.extra

    def row_units(self) -> dict[str, tuple[int, ...]]:
        return {"province": tuple(range(len(self.units))), **self.rows}


#: The special unit (appended after the province's units) and the two smallest regular
#: units: the row of a small office and its reception points.
DISTRICT: dict[str, tuple[int, ...]] = {"district": (len(PROVINCE), 0, 1)}
#: The same small office without a special point.
SMALL: dict[str, tuple[int, ...]] = {"small office": (0, 1)}
#: Units by size: the smallest with a high response rate, a middle one with a low rate.
BY_RATE = sorted(range(len(PROVINCE)), key=lambda h: PROVINCE[h].response)


SCENARIOS = (
    Scenario("base", "ICC 0.05, response 20–60 % by unit, MCAR", rows=SMALL),
    Scenario("icc-0.02", "as base, ICC 0.02", icc=0.02),
    Scenario("icc-0.10", "as base, ICC 0.10", icc=0.10),
    Scenario("planned-missing", "as base, 1 item per dimension unasked with prob. 0.5",
             planned=True),
    Scenario("bernoulli", "as base, response rate constant within a unit (no counter-day "
             "variation)", response_sd=0.0),
    Scenario("high-response", "ICC 0.10, response 60 % everywhere", icc=0.10, response=0.60),
    Scenario("patchy", "ICC 0.10, survey offered on half of the counter-days only "
             "(MCAR by day)", icc=0.10, patchy=0.5),
    Scenario("lonely-psu", "as base + a mobile point: 40 served, 1 counter, 1 day "
             "(stratum with one PSU)", extra=(LONELY_PSU,),
             rows={**DISTRICT, "mobile point": (len(PROVINCE),)}),
    Scenario("one-response", "as base + a point that served 6, exactly 1 responds "
             "(stratum of one response)", extra=(ONE_RESPONSE,), rows=DISTRICT),
    Scenario("uncounted-typical", "as base, one unit's served count is missing; its "
             "response rate is the province's median", uncounted=(BY_RATE[6],)),
    Scenario("uncounted-low-rate", "as base, the served count of the unit with the lowest "
             "response rate (20 %) is missing: the default weight undercounts it",
             uncounted=(BY_RATE[0],), holds=False),
    Scenario("informative-low", "as base, the dissatisfied respond more (logit of the "
             "response probability −0.3 per SD of satisfaction)", informative=-0.3, holds=False),
    Scenario("informative-high", "as base, the satisfied respond more (+0.3 per SD)",
             informative=0.3, holds=False),
    Scenario("informative-mild", "as base, the satisfied respond slightly more (+0.1 per SD)",
             informative=0.1, holds=False),
)


@dataclass(frozen=True)
class Layout:
    """Index arrays of a set of units: claimants, their unit, the units' clusters."""

    units: tuple[Unit, ...]
    unit_of: np.ndarray  # (N,) unit index of each claimant
    served: np.ndarray  # (H,)
    level: np.ndarray
    response: np.ndarray
    counters: np.ndarray
    days: np.ndarray
    cluster_base: np.ndarray  # (H,) first cluster id of each unit
    clusters: int
    exactly_one: tuple[int, ...]

    @classmethod
    def of(cls, units: Sequence[Unit]) -> Layout:
        served = np.array([u.served for u in units])
        per_unit = np.array([u.counters * u.days for u in units])
        return cls(tuple(units), np.repeat(np.arange(len(units)), served), served,
                   np.array([u.level for u in units]), np.array([u.response for u in units]),
                   np.array([u.counters for u in units]), np.array([u.days for u in units]),
                   np.concatenate([[0], np.cumsum(per_unit)[:-1]]), int(per_unit.sum()),
                   tuple(h for h, u in enumerate(units) if u.exactly_one))


def superpopulation(layout: Layout, units: Sequence[int]) -> float:
    """Expected composite of the given units (served counts fixed, everything else averaged)."""
    idx = np.asarray(units)
    share = stats.norm.cdf((layout.level[idx, None] + ITEM_SHIFT) / ITEM_SD)
    item = layout.served[idx] @ share / layout.served[idx].sum()
    return float(np.mean([item[cols].mean() for cols in DIM_COLUMNS]))


def composite_of(top2_share: np.ndarray) -> float:
    """Mean over dimensions of the mean of their item shares."""
    return float(np.mean([top2_share[cols].mean() for cols in DIM_COLUMNS]))


@dataclass
class Quarter:
    """One simulated quarter: every claimant's answers, cluster, and who responded."""

    answers: np.ndarray  # (N, items) 1–5, all claimants
    cluster: np.ndarray  # (N,) cluster id
    responded: np.ndarray  # (N,) bool
    asked: np.ndarray  # (N, items) bool: planned missingness (False = unasked)


def simulate(layout: Layout, sc: Scenario, rng: np.random.Generator) -> Quarter:
    """Draw one quarter (vectorised over claimants)."""
    unit = layout.unit_of
    n = len(unit)
    counter = rng.integers(0, layout.counters[unit])
    day = rng.integers(0, layout.days[unit])
    cluster = layout.cluster_base[unit] + counter * layout.days[unit] + day
    effect = rng.standard_normal(layout.clusters) * math.sqrt(sc.icc)
    spread = rng.standard_normal(n) * math.sqrt(1.0 - sc.icc)
    eta = layout.level[unit] + effect[cluster] + spread
    latent = eta[:, None] + ITEM_SHIFT + ITEM_NOISE * rng.standard_normal((n, len(ITEMS)))
    answers = np.searchsorted(CUTS, latent) + 1
    responded = respond(layout, sc, rng, cluster, eta - layout.level[unit])
    asked = np.ones((n, len(ITEMS)), dtype=bool)
    if sc.planned:
        for cols in DIM_COLUMNS:
            drop = rng.random(n) < 0.5
            pick = np.asarray(cols)[rng.integers(0, len(cols), size=n)]
            asked[np.flatnonzero(drop), pick[drop]] = False
    return Quarter(answers, cluster, responded, asked)


def respond(layout: Layout, sc: Scenario, rng: np.random.Generator, cluster: np.ndarray,
            deviation: np.ndarray) -> np.ndarray:
    """Who responds: per-unit rate, counter-day shift, optional dependence on satisfaction."""
    unit = layout.unit_of
    base = layout.response[unit]
    if sc.patchy:
        offered = rng.random(layout.clusters) >= sc.patchy
        base = np.where(offered[cluster], np.minimum(base / (1.0 - sc.patchy), 0.9), 0.0)
    with np.errstate(divide="ignore"):
        logit = special.logit(base)
    logit = logit + sc.response_sd * rng.standard_normal(layout.clusters)[cluster]
    logit = logit + sc.informative * deviation
    responded = rng.random(len(unit)) < special.expit(logit)
    for h in layout.exactly_one:
        members = np.flatnonzero(unit == h)
        responded[members] = False
        responded[rng.choice(members)] = True
    return responded


@dataclass
class Estimates:
    """Per method, per replicate: estimate, SE, interval, one-sided bounds, verdicts."""

    est: list[float] = field(default_factory=list)
    se: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    df: list[float] = field(default_factory=list)
    lower1: list[float] = field(default_factory=list)  # one-sided 95 % bounds
    upper1: list[float] = field(default_factory=list)
    met_above: list[bool] = field(default_factory=list)  # "met" with target = truth + 2 pts
    notmet_below: list[bool] = field(default_factory=list)  # "not met", target = truth − 2

    def add(self, result: CompositeResult, truth: float) -> None:
        self.est.append(result.estimate)
        self.se.append(result.se)
        self.low.append(result.low)
        self.high.append(result.high)
        self.df.append(result.df)
        above = target_verdict(result, min(truth + SHIFT, 0.999), LEVEL)
        below = target_verdict(result, max(truth - SHIFT, 0.001), LEVEL)
        # One-sided bounds do not depend on the target; None when n < min_n.
        self.lower1.append(math.nan if above.lower is None else above.lower)
        self.upper1.append(math.nan if above.upper is None else above.upper)
        self.met_above.append(above.verdict == "met")
        self.notmet_below.append(below.verdict == "not_met")


def estimate_old(answers: np.ndarray, unit: np.ndarray,
                 served: dict[int, int | None]) -> CompositeResult:
    """composite_index: strata = units, each response its own PSU, weights with FPC;
    one unit without a served count makes the whole row unweighted."""
    columns = {code: answers[:, j].tolist() for j, code in enumerate(ITEMS)}
    counts: dict[Hashable, float | None] = {
        h: None if n is None else float(n) for h, n in served.items()}
    return composite_index(columns, DIMENSIONS, strata=unit.tolist(), served=counts, level=LEVEL)


def estimate_new(answers: np.ndarray, unit: np.ndarray, cluster: np.ndarray,
                 served: dict[int, int | None]) -> CompositeResult:
    """As the app: ClusterSums + clustered_composite, PSU = counter × day, no FPC, lonely
    PSU adjust, items with fewer than 5 answers out of the composite; a unit without a
    served count weighs ΣN/Σn of the counted ones."""
    answered = ~np.isnan(answers)
    satisfied = answered & (np.nan_to_num(answers) >= 4)
    sums = ClusterSums.from_answers(satisfied.astype(float), answered.astype(float),
                                    unit.tolist(), cluster.tolist(), ITEMS)
    n_h = {h: int(c) for h, c in enumerate(np.bincount(unit)) if c}
    counted = [h for h in n_h if served.get(h) is not None]
    average = sum(served[h] for h in counted) / sum(n_h[h] for h in counted)  # type: ignore
    weights = {h: served[h] / n if served.get(h) is not None else average  # type: ignore
               for h, n in n_h.items()}
    return clustered_composite(sums, DIMENSIONS, weights, level=LEVEL, min_answers=5)


@dataclass
class RowResult:
    truth: list[float] = field(default_factory=list)
    superpop: float = math.nan
    n: list[int] = field(default_factory=list)
    old: Estimates = field(default_factory=Estimates)
    new: Estimates = field(default_factory=Estimates)


def run_scenario(sc: Scenario, reps: int, seed: int) -> dict[str, RowResult]:
    rng = np.random.default_rng([seed, zlib.crc32(sc.name.encode())])
    layout = Layout.of(sc.units)
    rows = sc.row_units()
    results = {name: RowResult(superpop=superpopulation(layout, units))
               for name, units in rows.items()}
    for _ in range(reps):
        q = simulate(layout, sc, rng)
        top2 = q.answers >= 4
        observed = np.where(q.asked, q.answers, np.nan)
        for name, units in rows.items():
            in_row = np.isin(layout.unit_of, units)
            truth = composite_of(top2[in_row].mean(axis=0))
            pick = in_row & q.responded
            answers, unit, cluster = observed[pick], layout.unit_of[pick], q.cluster[pick]
            served = {h: None if h in sc.uncounted else int(layout.served[h]) for h in units}
            res = results[name]
            res.truth.append(truth)
            res.n.append(int(pick.sum()))
            res.old.add(estimate_old(answers, unit, served), truth)
            res.new.add(estimate_new(answers, unit, cluster, served), truth)
    return results


# ---------------------------------------------------------------------------------------
# Summaries


@dataclass(frozen=True)
class Summary:
    cover: float
    cover_sp: float
    width: float
    met_above: float
    notmet_below: float
    met_at: float  # P(lower one-sided bound ≥ truth): "met" at a target just above truth
    notmet_at: float  # P(upper one-sided bound < truth)
    met_at_sp: float
    notmet_at_sp: float
    mean_se: float
    df: float


def summarise(e: Estimates, truth: np.ndarray, superpop: float) -> Summary:
    low, high = np.array(e.low), np.array(e.high)
    lower1, upper1 = np.array(e.lower1), np.array(e.upper1)
    return Summary(
        cover=float(np.mean((low <= truth) & (truth <= high))),
        cover_sp=float(np.mean((low <= superpop) & (superpop <= high))),
        width=float(np.mean(high - low)),
        met_above=float(np.mean(e.met_above)),
        notmet_below=float(np.mean(e.notmet_below)),
        met_at=float(np.mean(lower1 >= truth)),
        notmet_at=float(np.mean(upper1 < truth)),
        met_at_sp=float(np.mean(lower1 >= superpop)),
        notmet_at_sp=float(np.mean(upper1 < superpop)),
        mean_se=float(np.sqrt(np.mean(np.square(e.se)))),
        df=float(np.median(e.df)),
    )


def pct(p: float, reps: int | None = None) -> str:
    """A share in %, with its Monte Carlo standard error when ``reps`` is given."""
    text = f"{100 * p:.1f}"
    if reps:
        text += f" ± {100 * math.sqrt(p * (1 - p) / reps):.1f}"
    return text


def coverage_tables(results: dict[str, dict[str, RowResult]], reps: int) -> list[str]:
    """Markdown: coverage and width; verdict error rates; diagnostics."""
    t1 = ["| scenario | row | MCAR? | coverage OLD | coverage NEW | vs superpop. OLD "
          "| vs superpop. NEW | width OLD (pt) | width NEW (pt) |",
          "|---|---|---|---|---|---|---|---|---|"]
    t2 = ["| scenario | row | met ∣ target = truth + 2 pt: OLD | NEW "
          "| not met ∣ target = truth − 2 pt: OLD | NEW "
          "| met ∣ target ↓ truth: OLD | NEW | not met ∣ target ↑ truth: OLD | NEW |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    t3 = ["| scenario | row | mean n | bias (pt) | SD(est − truth) (pt) | SE OLD (pt) "
          "| SE NEW (pt) | SD(est − superpop.) (pt) | median df OLD / NEW "
          "| vs superpop.: met ∣ target ↓ OLD / NEW | not met ∣ target ↑ OLD / NEW |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, rows in results.items():
        sc = next(s for s in SCENARIOS if s.name == name)
        for row, res in rows.items():
            truth = np.array(res.truth)
            old = summarise(res.old, truth, res.superpop)
            new = summarise(res.new, truth, res.superpop)
            est = np.array(res.new.est)
            ok = "yes" if sc.holds else "**no**"
            t1.append(f"| {name} | {row} | {ok} | {pct(old.cover, reps)} | {pct(new.cover, reps)} "
                      f"| {pct(old.cover_sp, reps)} | {pct(new.cover_sp, reps)} "
                      f"| {100 * old.width:.2f} | {100 * new.width:.2f} |")
            t2.append(f"| {name} | {row} | {pct(old.met_above)} | {pct(new.met_above)} "
                      f"| {pct(old.notmet_below)} | {pct(new.notmet_below)} "
                      f"| {pct(old.met_at)} | {pct(new.met_at)} "
                      f"| {pct(old.notmet_at)} | {pct(new.notmet_at)} |")
            t3.append(f"| {name} | {row} | {np.mean(res.n):.0f} "
                      f"| {100 * np.mean(est - truth):+.2f} | {100 * np.std(est - truth):.2f} "
                      f"| {100 * old.mean_se:.2f} | {100 * new.mean_se:.2f} "
                      f"| {100 * np.std(est - res.superpop):.2f} "
                      f"| {old.df:.0f} / {new.df:.0f} "
                      f"| {pct(old.met_at_sp)} / {pct(new.met_at_sp)} "
                      f"| {pct(old.notmet_at_sp)} / {pct(new.notmet_at_sp)} |")
    return (["**Coverage** of the two-sided 95 % interval (± Monte Carlo SE) against the "
             "quarter's finite-population composite (the truth) and against the "
             "superpopulation value; mean width in percentage points.", ""] + t1
            + ["", "**Verdict error rates** against the truth (one-sided 95 %; a rate near 5 % "
               f"has a Monte Carlo SE of {100 * math.sqrt(0.0475 / reps):.1f} points). "
               "\"target ↓ truth\": target just above the truth (truth below target), the "
               "worst case for a false \"met\" (= P(one-sided lower bound ≥ truth)); "
               "\"target ↑ truth\": target just below it, the worst case for a false "
               "\"not met\".", ""] + t2
            + ["", "**Diagnostics**: mean number of responses; bias of the estimate (OLD and "
               "NEW share the point estimate); its SD around the truth; root mean square SE "
               "of each method; SD around the superpopulation value; median degrees of "
               "freedom; worst-case verdict error rates against the superpopulation value.",
               ""] + t3)


# ---------------------------------------------------------------------------------------
# The 40-unit comparison table


COMPARISON = Scenario("comparison", "40 units, ICC 0.05, MCAR, each unit its own row")


def comparison_units(count: int = 40) -> tuple[Unit, ...]:
    return province_units(count, 60, 1500)


def run_comparison(reps: int, seed: int) -> dict[str, dict[str, list[int]]]:
    """Per table: false "not met" / "met" verdicts among 40 units exactly on target."""
    rng = np.random.default_rng([seed, zlib.crc32(b"comparison")])
    units = comparison_units()
    layout = Layout.of(units)
    superpop = [superpopulation(layout, [h]) for h in range(len(units))]
    counts: dict[str, dict[str, list[int]]] = {
        f"{m} {t}": {k: [] for k in ("not_met", "not_met_bh", "met", "met_bh")}
        for m in ("OLD", "NEW") for t in ("truth", "superpop")}
    for _ in range(reps):
        q = simulate(layout, COMPARISON, rng)
        top2 = q.answers >= 4
        verdicts: dict[str, list] = {key: [] for key in counts}
        for h in range(len(units)):
            in_unit = layout.unit_of == h
            truth = composite_of(top2[in_unit].mean(axis=0))
            pick = in_unit & q.responded
            answers, unit = q.answers[pick].astype(float), layout.unit_of[pick]
            served: dict[int, int | None] = {h: int(layout.served[h])}
            results = {"OLD": estimate_old(answers, unit, served),
                       "NEW": estimate_new(answers, unit, q.cluster[pick], served)}
            for method, result in results.items():
                verdicts[f"{method} truth"].append(target_verdict(result, truth, LEVEL))
                verdicts[f"{method} superpop"].append(
                    target_verdict(result, superpop[h], LEVEL))
        for key, table in verdicts.items():
            adjusted = adjust_verdicts(table, LEVEL)
            for label, vs in (("", table), ("_bh", adjusted)):
                counts[key]["not_met" + label].append(sum(v.verdict == "not_met" for v in vs))
                counts[key]["met" + label].append(sum(v.verdict == "met" for v in vs))
    return counts


def comparison_table(counts: dict[str, dict[str, list[int]]], reps: int) -> list[str]:
    def mean(values: list[int]) -> str:
        a = np.asarray(values, dtype=float)
        return f"{a.mean():.2f} ± {a.std(ddof=1) / math.sqrt(len(a)):.2f}" if len(a) > 1 \
            else f"{a.mean():.2f}"

    def share(values: list[int]) -> str:
        return pct(float(np.mean(np.asarray(values) > 0)))

    lines = ["40 units (served 60–1 500 a quarter, ICC 0.05, MCAR), each judged against a "
             "target equal to its own true value; false verdicts per table (± Monte Carlo "
             "SE) and the share of tables with at least one.", "",
             "| method | unit \"on target\" means | false not met | with BH | false met "
             "| with BH | tables with ≥ 1 false not met | with BH |",
             "|---|---|---|---|---|---|---|---|"]
    for key, c in counts.items():
        method, target = key.split()
        what = "finite-population truth" if target == "truth" else "superpopulation value"
        lines.append(f"| {method} | {what} | {mean(c['not_met'])} | {mean(c['not_met_bh'])} "
                     f"| {mean(c['met'])} | {mean(c['met_bh'])} | {share(c['not_met'])} "
                     f"| {share(c['not_met_bh'])} |")
    return lines


# ---------------------------------------------------------------------------------------
# Running and reporting


def scenario_list() -> list[str]:
    lines = ["| scenario | setting |", "|---|---|"]
    lines += [f"| {s.name} | {s.description} |" for s in SCENARIOS]
    return lines


def report(results: dict[str, dict[str, RowResult]], counts, reps: int, comparison_reps: int,
           seed: int, seconds: float) -> str:
    today = dt.date.today().isoformat()
    header = (f"Seed {seed}, {reps} simulated quarters per scenario, {comparison_reps} "
              f"comparison tables; run {today}, {seconds / 60:.1f} min on one core "
              f"(`bench/coverage.py`).")
    parts = [header, ""] + scenario_list() + [""] + coverage_tables(results, reps)
    if counts is not None:
        parts += [""] + comparison_table(counts, comparison_reps)
    return "\n".join(parts) + "\n"


def write_docs(block: str, path: Path) -> None:
    """Replace what lies between the markers in ``path`` (the rest is left as it is)."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: markers {BEGIN} … {END} not found")
    path.write_text(pattern.sub(lambda _m: f"{BEGIN}\n{block}{END}", text, count=1),
                    encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2000, help="quarters per scenario")
    parser.add_argument("--quick", action="store_true", help="200 quarters per scenario")
    parser.add_argument("--comparison-reps", type=int, default=None,
                        help="40-unit comparison tables (default: a quarter of --reps; "
                        "each table is 80 calls of the analysis functions)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", default="", help="comma-separated scenario names "
                        "(and/or 'comparison')")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the {BEGIN} … {END} block of --docs")
    parser.add_argument("--docs", type=Path, default=DOCS, help="default: docs/methodology.md")
    args = parser.parse_args(argv)
    reps = 200 if args.quick else args.reps
    comparison_reps = args.comparison_reps or max(reps // 4, 1)
    only = {s for s in args.only.split(",") if s}
    known = {s.name for s in SCENARIOS} | {"comparison"}
    if only - known:
        parser.error(f"unknown scenario(s): {', '.join(sorted(only - known))}")
    start = time.perf_counter()
    results = {}
    for sc in SCENARIOS:
        if only and sc.name not in only:
            continue
        t0 = time.perf_counter()
        results[sc.name] = run_scenario(sc, reps, args.seed)
        print(f"# {sc.name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    counts = None
    if not only or "comparison" in only:
        t0 = time.perf_counter()
        counts = run_comparison(comparison_reps, args.seed)
        print(f"# comparison: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    block = report(results, counts, reps, comparison_reps, args.seed, seconds)
    print(block)
    if args.write_docs:
        write_docs(block, args.docs)
        print(f"wrote {args.docs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
