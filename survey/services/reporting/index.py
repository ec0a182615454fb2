"""The satisfaction index table: ``index_table(session, IndexQuery(period, unit, by))``.

SQL counts responses and answer patterns per unit (and service or channel);
:mod:`survey.analysis` turns the per-stratum sums into estimates, linearized
standard errors, logit intervals and target verdicts. Method: docs/methodology.md.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Mapping, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Channel, Questionnaire, Service
from ..errors import NotFound, ServiceError
from .periods import Period, default_target, parse_period
from .served import Served, imported_counts, issued_table, served_by_unit
from .strata import UnitTree, plan_strata

if TYPE_CHECKING:  # numpy and scipy load with the first index computed, not with the app
    from ...analysis import DesignEstimate, StratumSums
    from .aggregates import Accumulator, ItemKeys


class Breakdown(StrEnum):
    """What the rows of the table are: child units, services, channels, dimensions, items."""

    UNIT = "unit"
    SERVICE = "service"
    CHANNEL = "channel"
    DIMENSION = "dimension"
    ITEM = "item"


BREAKDOWNS = tuple(b.value for b in Breakdown)


class VerdictCode(StrEnum):
    """A row's verdict against the target (:func:`survey.analysis.target_verdict`)."""

    MET = "met"
    NOT_MET = "not_met"
    INCONCLUSIVE = "inconclusive"
    INSUFFICIENT = "insufficient"

    @property
    def label(self) -> Any:
        """The verdict as people read it (a lazy string)."""
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    VerdictCode.MET: _l("met"),
    VerdictCode.NOT_MET: _l("not met"),
    VerdictCode.INCONCLUSIVE: _l("not enough evidence to conclude"),
    VerdictCode.INSUFFICIENT: _l("sample too small"),
}


class Method(StrEnum):
    """The interval a row shows. A design-based row (:mod:`survey.analysis.design`) has
    ``logit``, its ``clopper_pearson`` fallback at 0 %/100 % or df < 1, or ``census``;
    an unweighted single item has ``wilson``."""

    LOGIT = "logit"
    CLOPPER_PEARSON = "clopper_pearson"
    CENSUS = "census"
    WILSON = "wilson"

    @property
    def label(self) -> Any:
        """The method in words (a lazy string)."""
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.LOGIT: _l("Logit (design-based)"),
    Method.CLOPPER_PEARSON: _l("Clopper–Pearson (Korn–Graubard, n* = n)"),
    Method.CENSUS: _l("Census: no sampling error"),
    Method.WILSON: _l("Wilson (simple share)"),
}
WEIGHTED_NOTE = _l("Weighted by the number of claimants served in each unit (N_h/n_h), "
                   "with finite population correction.")
UNWEIGHTED_NOTE = _l("Unweighted: some units have no served count for this period, so every "
                     "response counts equally.")
CHANNELS = {"qr": _l("QR code"), "receipt": _l("Receipt code"), "kiosk": _l("Kiosk"),
            "web": _l("Web")}
#: Key of the row for responses that named no service.
NO_SERVICE = "-"
#: ``group`` value meaning "every service and channel".
ALL = ("all",)


@dataclass(frozen=True)
class IndexRow:
    """One line of the table. ``estimate``, ``low``, ``high`` are shares in [0, 1]
    (NaN estimate: no data). ``n`` is what the verdict counts (responses, or answers
    for an item); ``responses`` is the number of valid responses behind the row."""

    key: str
    label: Any
    n: int
    estimate: float
    se: float
    low: float
    high: float
    df: Optional[int]
    method: Method
    weighted: bool
    verdict: VerdictCode
    responses: int
    served: Optional[int]
    #: The one-sided bound (at the verdict level) the verdict rests on.
    bound: Optional[float] = None
    p_value: Optional[float] = None

    @property
    def response_rate(self) -> Optional[float]:
        """Responses / served, when the served count is known and positive."""
        return self.responses / self.served if self.served else None


@dataclass(frozen=True)
class IndexTable:
    """A total row (the scope's composite index) and the breakdown rows."""

    period: Period
    unit_code: str
    unit_label: str
    by: Breakdown
    target: float
    level: float
    min_n: int
    total: IndexRow
    rows: list[IndexRow]
    notes: list[Any]


@dataclass(frozen=True)
class _Data:
    """Everything fetched from the database for one table."""

    period: Period
    tree: UnitTree
    keys: ItemKeys
    n: dict[tuple, int]
    sums: dict[tuple, Accumulator]
    counted: dict[Optional[int], dict[int, Served]]


@dataclass(frozen=True)
class _Spec:
    """What one row covers and which figure it shows."""

    key: str
    label: Any
    root: int
    members: list[int]
    group: Any = ALL
    own: bool = False
    pick: Optional[tuple[str, str]] = None  # ("dimensions" | "items", code)


@dataclass(frozen=True)
class IndexQuery:
    """What table to build: ``unit``'s subtree in ``period`` (``2026-09``, ``2026-Q3``,
    ``2026``), one row per ``by``. Without ``target`` the target in force in the
    period's year is used (``targets``: milestone year → share, default the government's
    85 % by 2025 and 90 % by 2030). Rows with fewer than ``min_n`` responses (answers,
    for an item) get no verdict; ``locale`` names the rows. ``by`` may be given as text
    (``"unit"``): :func:`index_table` checks it."""

    period: str
    unit: str
    by: Breakdown = Breakdown.UNIT
    target: Optional[float] = None
    level: float = 0.95
    min_n: int = 10
    locale: str = "vi"
    targets: Optional[Mapping] = None


def index_table(session: Session, query: IndexQuery) -> IndexTable:
    """The satisfaction index of ``query.unit``'s subtree in ``query.period``.

    Returns an :class:`IndexTable`: a total row (the composite of the whole scope)
    and one row per child unit / service / channel / dimension / item. Raises
    :class:`ServiceError` for a bad period, breakdown, target, level or minimum sample
    or for served counts below the responses, and :class:`NotFound` for an unknown unit.
    """
    unit, level, min_n, locale = query.unit, query.level, query.min_n, query.locale
    parsed, by, target = check_arguments(query.period, query.by, query.target, query.targets)
    if not 0.5 < level < 1 or min_n < 0:
        raise ServiceError(_l("The confidence level must be between 0.5 and 1 (such as "
                              "0.95) and the minimum sample at least 0."))
    from . import aggregates

    tree = UnitTree.load(session)
    scope = tree.by_code(unit or "")
    if scope is None:
        raise NotFound(_l("Unknown unit code %(code)s.", code=repr(unit)))
    members = tree.subtree(scope.id)
    where = aggregates.period_filter(
        parsed, None if len(members) == len(tree.nodes) else members)
    qids = aggregates.answered_questionnaires(session, where)
    group_by = by.value if by in (Breakdown.SERVICE, Breakdown.CHANNEL) else "unit"
    data = _fetch(session, tree, parsed, where, qids, group_by, composite=True)
    judge = (target, level, min_n)
    total = _row(data, _Spec("total", _l("Satisfaction index"), scope.id, members), *judge)
    if by == Breakdown.ITEM:
        data = _fetch(session, tree, parsed, where, qids, "unit", composite=False)
    specs = _specs(session, data, scope.id, by, qids, locale)
    rows = [_row(data, spec, *judge) for spec in specs]
    return IndexTable(parsed, scope.code, scope.name(locale), by, target, level, min_n,
                      total, rows, _notes(total))


def check_arguments(period: str, by: Breakdown | str, target: Optional[float],
                    targets: Optional[Mapping] = None) -> tuple[Period, Breakdown, float]:
    """Parse the period and check the breakdown and target (default: the year's target)."""
    parsed = parse_period(period)
    if by not in BREAKDOWNS:
        raise ServiceError(_l("Breakdown %(by)s is not known; use one of %(choices)s.",
                              by=repr(str(by)), choices=", ".join(BREAKDOWNS)))
    if target is None:
        target = default_target(parsed, targets)
    if isinstance(target, bool) or not isinstance(target, (int, float)) \
            or not 0 < target < 1:
        raise ServiceError(_l("The target must be a share between 0 and 1, such as 0.9."))
    return parsed, Breakdown(by), float(target)


def _fetch(session: Session, tree: UnitTree, period: Period, where: list, qids: list[int],
           group_by: str, composite: bool) -> _Data:
    from . import aggregates

    keys = aggregates.item_keys(session, qids, composite)
    n = aggregates.response_counts(session, where, group_by)
    sums = aggregates.pattern_sums(session, keys, where, group_by)
    imported, issued = imported_counts(session, period), issued_table(session, period)
    subtrees = {unit_id: tree.subtree(unit_id) for unit_id in tree.nodes}
    services = {None} | ({key[1] for key in n if key[1] is not None}
                         if group_by == "service" else set())
    counted = {sid: served_by_unit(imported, issued, sid, subtrees) for sid in services}
    return _Data(period, tree, keys, n, sums, counted)


def _counted_for(data: _Data, group: Any) -> dict[int, Served]:
    """Served counts that apply to a row: all services, one service, or none (channel)."""
    if group == ALL:
        return data.counted[None]
    if isinstance(group, int):
        return data.counted.get(group, {})
    return {}  # a channel, or responses without a service: no population known


def _row(data: _Data, spec: _Spec, target: float, level: float, min_n: int) -> IndexRow:
    """Estimate one row: strata from the served counts, figures from the sums."""
    from ...analysis import target_verdict
    from .aggregates import Accumulator

    n_by_unit, sums_by_unit = _unit_slices(data, spec.group)
    plan = plan_strata(data.tree, spec.root, spec.members, n_by_unit,
                       _counted_for(data, spec.group), own_only=spec.own)
    k = len(data.keys.keys)
    strata: dict[int, StratumSums] = {}
    for unit_id, stratum in plan.stratum_of.items():
        piece = (sums_by_unit.get(unit_id) or Accumulator(k)).stratum(n_by_unit[unit_id])
        strata[stratum] = strata[stratum] + piece if stratum in strata else piece
    if plan.population is not None:
        strata = {h: dataclasses.replace(s, N=float(plan.population[h]))
                  for h, s in strata.items()}
    responses = sum(n_by_unit[u] for u in plan.stratum_of)
    figure = _figure(data.keys, strata, spec.pick, level)
    verdict_input, fields = _single_item(data.keys, strata, spec.pick, figure, level)
    verdict = target_verdict(verdict_input, target, level, min_n)
    bound = verdict.upper if verdict.verdict == "not_met" else verdict.lower
    return IndexRow(spec.key, spec.label, verdict.n, weighted=figure.weighted,
                    verdict=VerdictCode(verdict.verdict), responses=responses,
                    served=plan.served, bound=bound, p_value=verdict.p_value, **fields)


def _unit_slices(data: _Data, group: Any) -> tuple[dict[int, int], dict[int, Accumulator]]:
    """Responses and sums per unit, for one service/channel or for all of them."""
    n_by_unit: dict[int, int] = {}
    sums: dict[int, Accumulator] = {}
    for key, count in data.n.items():
        if group == ALL or key[1:] == (group,):
            n_by_unit[key[0]] = n_by_unit.get(key[0], 0) + count
    for key, acc in data.sums.items():
        if group == ALL or key[1:] == (group,):
            sums[key[0]] = sums[key[0]].merged(acc) if key[0] in sums else acc
    return n_by_unit, sums


def _figure(keys: ItemKeys, strata: dict[int, StratumSums], pick: Optional[tuple[str, str]],
            level: float) -> DesignEstimate:
    """The composite, or the picked dimension or item, from the per-stratum sums."""
    from ...analysis import AnalysisError, CompositeSums, composite_from_sums

    dimensions: dict[str, list[str]] = dict(keys.dimensions)
    if pick is not None and pick[0] == "items":
        dimensions = {pick[1]: [pick[1]]} if pick[1] in keys.keys else {}
    n = sum(s.n for s in strata.values())
    if not strata or not dimensions:
        return _empty(level, n)
    try:
        result = composite_from_sums(CompositeSums(keys.keys, strata), dimensions, level)
    except AnalysisError as exc:  # impossible sums would be a bug in the SQL side
        raise RuntimeError(f"index aggregation is inconsistent: {exc}") from exc
    if pick is not None and pick[0] == "dimensions":
        return result.dimensions.get(pick[1]) or _empty(level, n)
    return result


def _empty(level: float, n: int) -> DesignEstimate:
    from ...analysis import DesignEstimate

    return DesignEstimate(math.nan, math.nan, 0.0, 1.0, max(n - 1, 0), n, "logit", False,
                          level)


def _single_item(keys: ItemKeys, strata: dict[int, StratumSums],
                 pick: Optional[tuple[str, str]], figure: DesignEstimate,
                 level: float) -> tuple[Any, dict[str, Any]]:
    """Figures shown and judged. An unweighted single item is a plain x/n share:
    Wilson interval, exact binomial verdict (statistics reference §5)."""
    from ...analysis import proportion_interval

    fields = dict(estimate=figure.estimate, se=figure.se, low=figure.low, high=figure.high,
                  df=figure.df, method=Method(figure.method))
    if pick is None or pick[0] != "items" or figure.weighted or pick[1] not in keys.keys:
        return figure, fields
    j = keys.keys.index(pick[1])
    x = int(sum(s.y[j] for s in strata.values()))
    n = int(sum(s.r[j] for s in strata.values()))
    interval = proportion_interval(x, n, level, method="wilson")
    se = math.sqrt(interval.estimate * (1 - interval.estimate) / n) if n else math.nan
    fields.update(estimate=interval.estimate, se=se, low=interval.low, high=interval.high,
                  df=None, method=Method.WILSON)
    return interval, fields


def _specs(session: Session, data: _Data, root: int, by: Breakdown, qids: list[int],
           locale: str) -> list[_Spec]:
    """The rows of the breakdown, in display order."""
    members = data.tree.subtree(root)
    if by == Breakdown.UNIT:
        return _unit_specs(data, root, locale)
    if by == Breakdown.SERVICE:
        return [_Spec(code, label, root, members, group=sid)
                for sid, code, label in _service_keys(session, data, locale)]
    if by == Breakdown.CHANNEL:
        return [_Spec(c.value, CHANNELS[c.value], root, members, group=c.value)
                for c in Channel]
    kind = "dimensions" if by == Breakdown.DIMENSION else "items"
    labels = _labels(session, qids, locale, kind)
    codes = list(data.keys.dimensions) if by == Breakdown.DIMENSION else list(data.keys.keys)
    return [_Spec(code, labels.get(code, code), root, members, pick=(kind, code))
            for code in codes]


def _unit_specs(data: _Data, root: int, locale: str) -> list[_Spec]:
    """One row per child subtree, plus the scope's own responses when it has any."""
    tree = data.tree
    n_by_unit = _unit_slices(data, ALL)[0]
    specs = []
    if n_by_unit.get(root):
        node = tree.nodes[root]
        specs.append(_Spec(node.code, _l("%(name)s (own responses)", name=node.name(locale)),
                           root, [root], own=True))
    for child in tree.children.get(root, ()):
        subtree = tree.subtree(child)
        node = tree.nodes[child]
        if node.active or any(n_by_unit.get(u) for u in subtree):
            specs.append(_Spec(node.code, node.name(locale), child, subtree))
    return specs


def _service_keys(session: Session, data: _Data, locale: str) -> list[tuple[Any, str, Any]]:
    """(service_id, code, label) for active services and any service with responses."""
    answered = {key[1] for key in data.n}
    services = session.scalars(sa.select(Service).order_by(Service.position, Service.code))
    keys: list[tuple[Any, str, Any]] = [
        (s.id, s.code, s.name(locale)) for s in services if s.active or s.id in answered]
    if None in answered:
        keys.append((None, NO_SERVICE, _l("Service not given")))
    return keys


def _labels(session: Session, qids: list[int], locale: str, kind: str) -> dict[str, str]:
    """Dimension or item names, the newest answered version's wording winning."""
    labels: dict[str, str] = {}
    versions = session.scalars(sa.select(Questionnaire).where(Questionnaire.id.in_(qids))
                               .order_by(Questionnaire.version))
    for questionnaire in versions:
        if kind == "dimensions":
            for dim in questionnaire.definition.get("dimensions", []):
                labels[dim["code"]] = dim.get(locale) or dim.get("vi") or dim["code"]
        else:
            for item in questionnaire.items:
                labels[item.code] = item.text(locale)
    return labels


def _notes(total: IndexRow) -> list[Any]:
    """Plain-language notes on how the figures were computed."""
    return [WEIGHTED_NOTE if total.weighted else UNWEIGHTED_NOTE]
