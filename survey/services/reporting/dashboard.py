"""The manager's dashboard, as plain data: the tables of :func:`.index.index_table` and
:func:`.trend.trend_table` for one scope and period (the very tables ``flask survey
index`` and ``GET /api/v1/index`` lay out), with the NCHS presentation rules of
:mod:`.reliability` applied to every figure, secondary suppression included.

Views only lay these out (survey/admin/dashboard.py); charts draw them
(survey/admin/charts.py). Aggregates are cached per (scope, period, data version):
:mod:`.dashboard_cache`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Hashable, Mapping, Optional, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..errors import ServiceError
from .index import Breakdown, IndexQuery, IndexRow, IndexTable, Method, VerdictCode, index_table
from .periods import GOVERNMENT_TARGETS, Period, default_target
from .reliability import Assessment, Node, Reliability, assess, assess_row, protect, protect_flat
from .tables import Disclosure, disclosure
from .trend import TrendQuery, TrendTable, containing, shifted, trend_table

#: Columns the unit table may be sorted by (``?sort=``; ``-`` in front: descending).
SORTS = ("name", "n", "served", "rate", "index", "change", "verdict")
#: z for the funnel plot's two pairs of control limits (95 % and 99.8 %, two-sided).
FUNNEL_LEVELS = (0.95, 0.998)


@dataclass(frozen=True)
class Judged:
    """One row of a report table and what of it may be shown."""

    row: IndexRow
    assessment: Assessment
    min_n: int
    #: The target the row's gap is measured against.
    target: float = 0.0

    @property
    def shown(self) -> bool:
        return self.assessment.shown and not math.isnan(self.row.estimate)

    @property
    def flagged(self) -> bool:
        return self.assessment.status is Reliability.FLAGGED

    @property
    def estimate(self) -> Optional[float]:
        return self.row.estimate if self.shown else None

    @property
    def interval(self) -> Optional[tuple[float, float]]:
        return (self.row.low, self.row.high) if self.shown else None

    @property
    def verdict(self) -> Optional[VerdictCode]:
        """The verdict, or ``None`` when the figure is suppressed (a verdict would give
        away which side of the target it lies); ``insufficient`` below the minimum n."""
        if not self.shown:
            return None
        if disclosure(self.row.n, self.row.estimate, self.min_n) != Disclosure.FULL:
            return VerdictCode.INSUFFICIENT
        return VerdictCode(self.row.verdict)

    @property
    def gap(self) -> Optional[float]:
        """Index minus the target (negative: below it), when shown."""
        return None if self.estimate is None else self.estimate - self.target


@dataclass(frozen=True)
class Change:
    """The change of a row's index since the previous period, with its interval (the
    two periods' responses are independent: SE = √(SE₁² + SE₂²), normal interval)."""

    value: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class UnitLine:
    """A unit of the scope in the unit table and the funnel plot."""

    now: Judged
    before: Optional[Judged]
    change: Optional[Change]


@dataclass(frozen=True)
class Milestone:
    """The total's verdict against one milestone target (85 % by 2025, 90 % by 2030)."""

    year: int
    target: float
    verdict: Optional[VerdictCode]
    in_force: bool


@dataclass(frozen=True)
class Overview:
    table: IndexTable
    previous: IndexTable
    total: Judged
    previous_total: Judged
    total_change: Optional[Change]
    units: list[UnitLine]
    milestones: list[Milestone]

    @property
    def response_rate(self) -> Optional[float]:
        return self.total.row.response_rate


def change_between(now: Judged, before: Optional[Judged], level: float) -> Optional[Change]:
    """The change now − before with its interval at ``level``, when both are shown."""
    if before is None or not now.shown or not before.shown:
        return None
    se_now, se_before = now.row.se, before.row.se
    if not (math.isfinite(se_now) and math.isfinite(se_before)):
        return None
    from scipy import stats

    z = float(stats.norm.isf((1 - level) / 2))
    value = now.row.estimate - before.row.estimate
    half = z * math.sqrt(se_now ** 2 + se_before ** 2)
    return Change(value, value - half, value + half)


def judged_tree(table: IndexTable, parents: Optional[Mapping[str, str]] = None,
                target: Optional[float] = None) -> tuple[Judged, list[Judged]]:
    """The total and the rows of ``table``, each assessed (:func:`~.reliability.assess_row`)
    and protected together: the total is the parent of every row, or of the rows whose
    key ``parents`` does not map to another row (an item under its dimension)."""
    root = ("total",)
    nodes = [Node(root, None, table.total.responses, assess_row(table.total))]
    keys = {row.key for row in table.rows}
    for row in table.rows:
        if row.n <= 0:
            continue  # nothing to hide and nothing it could give away: not in the tree
        parent = (parents or {}).get(row.key)
        nodes.append(Node(row.key, parent if parent in keys else root,
                          row.n, assess_row(row)))
    final = protect(nodes)
    for row in table.rows:
        final.setdefault(row.key, assess_row(row))
    goal = table.target if target is None else target
    total = Judged(table.total, final[root], table.min_n, goal)
    return total, [Judged(row, final[row.key], table.min_n, goal) for row in table.rows]


def milestones(table: IndexTable, targets: Optional[Mapping] = None,
               shown: Optional[bool] = None) -> list[Milestone]:
    """The total's verdict against every milestone target, the one in force marked;
    ``None`` verdicts when the total is not shown (``shown``: after secondary
    suppression; default: by the primary rule alone)."""
    from ...analysis import target_verdict

    total, period = table.total, table.period
    in_force = default_target(period, targets)
    if shown is None:
        shown = assess_row(total).shown and not math.isnan(total.estimate)
    figure = SimpleNamespace(estimate=total.estimate, se=total.se, df=total.df or 0,
                             n=total.n, census=total.method == Method.CENSUS)
    found = []
    for year, share in sorted((int(y), float(s))
                              for y, s in (targets or GOVERNMENT_TARGETS).items()):
        verdict = None
        if shown:
            verdict = VerdictCode(target_verdict(figure, share, table.level, table.min_n).verdict)
        found.append(Milestone(year, share, verdict, math.isclose(share, in_force)))
    return found


def overview(session: Session, unit: str, period: str, settings: Mapping[str, Any],
             locale: str = "vi") -> Overview:
    """The headline figures and the unit table of ``unit``'s subtree in ``period`` and
    the period before it (for the change), every figure assessed for reliability."""
    table = index_table(session, IndexQuery(period, unit, Breakdown.UNIT, locale=locale,
                                            **settings))
    before = shifted(table.period, 1)
    previous = index_table(session, IndexQuery(before.code, unit, Breakdown.UNIT,
                                               locale=locale, **settings))
    total, rows = judged_tree(table)
    previous_total, previous_rows = judged_tree(previous)
    earlier = {judged.row.key: judged for judged in previous_rows}
    units = [UnitLine(row, earlier.get(row.row.key),
                      change_between(row, earlier.get(row.row.key), table.level))
             for row in rows]
    return Overview(table, previous, total, previous_total,
                    change_between(total, previous_total, table.level), units,
                    milestones(table, settings.get("targets"), total.shown))


# --- sorting the unit table -------------------------------------------------------------

VERDICT_ORDER = {VerdictCode.NOT_MET: 0, VerdictCode.INCONCLUSIVE: 1, VerdictCode.MET: 2,
                 VerdictCode.INSUFFICIENT: 3, None: 4}


def parse_sort(text: Optional[str]) -> tuple[str, bool]:
    """``name`` (default), ``-index`` … → (column, descending); ServiceError otherwise."""
    value = (text or "name").strip()
    descending = value.startswith("-")
    column = value.lstrip("-")
    if column not in SORTS:
        raise ServiceError(_l("The table cannot be sorted by %(sort)s; use one of "
                              "%(choices)s.", sort=repr(value), choices=", ".join(SORTS)))
    return column, descending


def sorted_units(units: Sequence[UnitLine], column: str, descending: bool) -> list[UnitLine]:
    """The unit lines sorted by ``column``; rows without a value (suppressed, no data)
    always last, whatever the direction, so that a hidden figure's rank is not shown."""
    keys: dict[str, Callable[[UnitLine], Any]] = {
        "name": lambda u: str(u.now.row.label).casefold(),
        "n": lambda u: u.now.row.n,
        "served": lambda u: u.now.row.served,
        "rate": lambda u: u.now.row.response_rate if u.now.shown else None,
        "index": lambda u: u.now.estimate,
        "change": lambda u: u.change.value if u.change else None,
        "verdict": lambda u: VERDICT_ORDER[u.now.verdict] if u.now.shown else None,
    }
    key = keys[column]
    present = [u for u in units if key(u) is not None]
    missing = [u for u in units if key(u) is None]
    return sorted(present, key=key, reverse=descending) + missing


# --- the funnel plot ----------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelPoint:
    key: str
    label: Any
    n_eff: float
    estimate: float
    #: 0: inside the 95 % limits, 1: between the 95 % and 99.8 % limits, 2: outside both.
    outside: int


@dataclass(frozen=True)
class Funnel:
    centre: float
    points: list[FunnelPoint]
    #: Units with data whose figure is suppressed: named, not drawn.
    hidden: list[Any]


def funnel(view: Overview) -> Optional[Funnel]:
    """Units against the scope's index: each shown unit at its effective sample size
    (the n of a simple random sample with the same variance, so that clustering and
    weighting count), with binomial control limits p₀ ± z √(p₀(1 − p₀)/n*)."""
    centre = view.total.estimate
    if centre is None:
        return None
    from scipy import stats

    zs = [float(stats.norm.isf((1 - level) / 2)) for level in FUNNEL_LEVELS]
    points, hidden = [], []
    for line in view.units:
        judged = line.now
        if not judged.shown:
            if judged.row.responses:
                hidden.append(judged.row.label)
            continue
        n_eff = judged.assessment.n_eff or float(judged.row.n)
        spread = math.sqrt(centre * (1 - centre) / n_eff) if n_eff > 0 else math.inf
        distance = abs(judged.row.estimate - centre)
        outside = sum(1 for z in zs if distance > z * spread)
        points.append(FunnelPoint(judged.row.key, judged.row.label, n_eff,
                                  judged.row.estimate, outside))
    return Funnel(centre, points, hidden)


def funnel_limits(centre: float, n_values: Sequence[float]) -> dict[float, tuple[list, list]]:
    """The control limits at each n of ``n_values``, clipped to [0, 1], per level."""
    from scipy import stats

    limits = {}
    for level in FUNNEL_LEVELS:
        z = float(stats.norm.isf((1 - level) / 2))
        low, high = [], []
        for n in n_values:
            half = z * math.sqrt(centre * (1 - centre) / n) if n > 0 else 1.0
            low.append(max(0.0, centre - half))
            high.append(min(1.0, centre + half))
        limits[level] = (low, high)
    return limits


# --- drill-down -------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdowns:
    total: Judged
    dimensions: list[Judged]
    items: list[Judged]
    services: list[Judged]
    channels: list[Judged]
    target: float
    #: item code → dimension code (latest version answered)
    item_dimension: dict[str, str] = field(default_factory=dict)


def by_gap(rows: Sequence[Judged]) -> list[Judged]:
    """Rows sorted by their gap to the target, the furthest below first; suppressed rows
    last (in their own order)."""
    shown = [r for r in rows if r.shown]
    return sorted(shown, key=lambda r: r.row.estimate) + [r for r in rows if not r.shown]


def breakdowns(session: Session, unit: str, period: str, settings: Mapping[str, Any],
               item_dimension: Mapping[str, str], locale: str = "vi") -> Breakdowns:
    """Dimension, item, service and channel tables, each protected under the total
    (items under their dimension, so that a hidden dimension hides its items)."""
    def table(by: Breakdown) -> IndexTable:
        return index_table(session, IndexQuery(period, unit, by, locale=locale, **settings))

    dimensions = table(Breakdown.DIMENSION)
    items = table(Breakdown.ITEM)
    total, dimension_rows = judged_tree(dimensions)
    # Items sit under their dimension: protect dimensions and items as one tree.
    merged = IndexTable(items.period, items.unit_code, items.unit_label, items.by,
                        items.target, items.level, items.min_n, dimensions.total,
                        [dataclass_key(r, "dim:") for r in dimensions.rows] + items.rows,
                        items.notes)
    parents = {code: "dim:" + dim for code, dim in item_dimension.items()}
    _total, both = judged_tree(merged, parents)
    item_rows = [j for j in both if not j.row.key.startswith("dim:")]
    services = _flat(table(Breakdown.SERVICE), total)
    channels = _flat(table(Breakdown.CHANNEL), total)
    return Breakdowns(total, by_gap(dimension_rows), by_gap(item_rows), services, channels,
                      dimensions.target, dict(item_dimension))


def dataclass_key(row: IndexRow, prefix: str) -> IndexRow:
    import dataclasses

    return dataclasses.replace(row, key=prefix + row.key)


def _flat(table: IndexTable, total: Judged) -> list[Judged]:
    """A table of siblings under the (already judged) total."""
    rows: dict[Hashable, tuple[int, Assessment]] = {
        row.key: (row.responses, assess_row(row)) for row in table.rows if row.n > 0}
    final = protect_flat(rows, total.assessment if total.shown else
                         Assessment(Reliability.SUPPRESSED))
    for row in table.rows:
        final.setdefault(row.key, assess_row(row))
    return [Judged(row, final[row.key], table.min_n, table.target) for row in table.rows]


# --- trend ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrendView:
    table: TrendTable
    #: Per point: its assessment (a suppressed point is neither drawn nor listed).
    assessments: list[Assessment]
    targets: list[tuple[int, float]]


def trend(session: Session, unit: str, period: Period, every: str,
          settings: Mapping[str, Any], locale: str = "vi") -> TrendView:
    """The index over the last 8 quarters (or 12 months) ending with ``period``, with the
    p-chart and the trend test; each point assessed like any figure."""
    end = containing(period.last_day.year, period.last_day.month, every)
    count = 8 if every == "quarter" else 12
    options = {k: v for k, v in settings.items() if k not in ("min_n", "targets")}
    table = trend_table(session, TrendQuery(
        unit, end.code, count, every, min_n=settings.get("min_n", 10), locale=locale,
        targets=settings.get("targets"), index_options=options))
    assessments = [assess(p.n, p.estimate, p.se, p.low, p.high, None) for p in table.points]
    targets = sorted((int(y), float(s)) for y, s in
                     (settings.get("targets") or GOVERNMENT_TARGETS).items())
    return TrendView(table, assessments, targets)


# --- helpers shared by views --------------------------------------------------------------

def keyed(rows: Sequence[Judged]) -> dict[Hashable, Judged]:
    return {r.row.key: r for r in rows}
