"""The satisfaction index table: ``index_table(session, IndexQuery(period, unit, by))``.

SQL counts responses and answer patterns per unit (and service or channel);
:mod:`survey.analysis` turns the per-stratum sums into estimates, linearized
standard errors, logit intervals and target verdicts. Method: docs/methodology.md.
"""
from __future__ import annotations

import collections
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
from ...timeutil import local_tz
from .served import Served, imported_counts, issued_table, served_by_unit
from .strata import StrataPlan, UnitTree, plan_strata

if TYPE_CHECKING:  # scipy loads with the first index computed, not with the app
    from ...analysis import CompositeResult, DesignEstimate, StratumSums, Verdict
    from .aggregates import Accumulator, ItemKeys, PsuBlock


class Breakdown(StrEnum):
    """What the rows of the table are: child units, services, channels, dimensions, items,
    or the fact indicators (shares of yes/no and trips answers, not satisfaction)."""

    UNIT = "unit"
    SERVICE = "service"
    CHANNEL = "channel"
    DIMENSION = "dimension"
    ITEM = "item"
    FACT = "fact"


BREAKDOWNS = tuple(b.value for b in Breakdown)


class VerdictCode(StrEnum):
    """A row's verdict against the target (:func:`survey.analysis.target_verdict`)."""

    MET = "met"
    NOT_MET = "not_met"
    INCONCLUSIVE = "inconclusive"
    INSUFFICIENT = "insufficient"
    #: A fact indicator: a share with its interval, not judged against the target.
    NO_TARGET = "no_target"

    @property
    def label(self) -> Any:
        """The verdict as people read it (a lazy string)."""
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    VerdictCode.MET: _l("met"),
    VerdictCode.NOT_MET: _l("not met"),
    VerdictCode.INCONCLUSIVE: _l("not enough evidence to conclude"),
    VerdictCode.INSUFFICIENT: _l("sample too small"),
    VerdictCode.NO_TARGET: _l("no target"),
}


class Method(StrEnum):
    """The interval a row shows (:mod:`survey.analysis.design`): ``logit``, its
    ``clopper_pearson`` fallback at 0 %/100 % or df < 1, or ``census`` (only with the
    finite population correction switched on, when every stratum was counted whole)."""

    LOGIT = "logit"
    CLOPPER_PEARSON = "clopper_pearson"
    CENSUS = "census"

    @property
    def label(self) -> Any:
        """The method in words (a lazy string)."""
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.LOGIT: _l("Logit (design-based)"),
    Method.CLOPPER_PEARSON: _l("Clopper–Pearson (Korn–Graubard, n* = n)"),
    Method.CENSUS: _l("Census: no sampling error"),
}


class Design(StrEnum):
    """How responses are taken to have been drawn (docs/methodology.md)."""

    #: Counter × day clusters within unit strata, no finite population correction.
    CLUSTERED = "clustered"
    #: Each response drawn on its own within unit strata, with the finite population
    #: correction: only for a centre that draws a real probability sample.
    ELEMENT_FPC = "element_fpc"

    @property
    def label(self) -> Any:
        return DESIGN_LABELS[self]


DESIGN_LABELS = {
    Design.CLUSTERED: _l(
        "Design: responses clustered by counter and day (primary sampling units) within "
        "unit strata; no finite population correction, because respondents choose "
        "themselves and are no random sample of the people served. Design effect: the "
        "variance over that of the same weights without clustering."),
    Design.ELEMENT_FPC: _l(
        "Design: each response drawn on its own within unit strata, with finite population "
        "correction (set for a centre that draws a probability sample of the people it "
        "serves); no design effect is computed."),
}
WEIGHTED_NOTE = _l("Weighted by the number of claimants served in each unit (N_h/n_h).")
DEFAULT_WEIGHT_NOTE = _l(
    "Responses from units without a served count for the period carry the average weight "
    "of the counted units (their total served over their responses).")
UNWEIGHTED_NOTE = _l("Unweighted: no unit in the row has a served count for this period, so "
                     "every response counts equally.")
LONELY_NOTE = _l(
    "A stratum with a single counter-day (or a single response) has no spread of its own; "
    "its variance is taken around the overall mean (R: lonely.psu = \"adjust\"). With one "
    "primary sampling unit in the whole row the interval is Clopper–Pearson and ignores "
    "clustering.")
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
    #: The p-value of the test that decided the verdict (BH-adjusted when ``adjusted``).
    p_value: Optional[float] = None
    #: Variance over that of the same weights without clustering (clustered design).
    deff: Optional[float] = None
    #: Strata of the row with a single primary sampling unit.
    lonely: int = 0
    #: Responses that carry the default weight (their unit has no served count).
    default_weighted: int = 0
    #: Dimensions left out of the composite for too few answers.
    excluded: tuple[str, ...] = ()
    #: True when the verdict was adjusted for multiple comparisons.
    adjusted: bool = False
    #: Depth below the scope (unit rows with ``depth`` > 1; 1 otherwise).
    level: int = 1
    #: The target test behind the verdict (both one-sided p-values), for adjustment.
    test: Optional[Verdict] = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def response_rate(self) -> Optional[float]:
        """Responses / served, when the served count is known, positive and not below the
        responses (a rate over 100 % would only mean the count is wrong)."""
        if not self.served or self.responses > self.served:
            return None
        return self.responses / self.served


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
    design: Design = Design.CLUSTERED
    #: True when the rows' verdicts were adjusted for multiple comparisons.
    fdr: bool = False
    #: True when only verified responses (receipt codes, kiosks) were counted.
    verified: bool = False


@dataclass(frozen=True)
class _Data:
    """Everything fetched from the database for one table, and the results so far."""

    period: Period
    tree: UnitTree
    keys: ItemKeys
    n: dict[tuple, int]
    sums: dict[tuple, Accumulator]
    psus: dict[tuple, PsuBlock]
    counted: dict[Optional[int], dict[int, Served]]
    #: Results per (root, own, group): one design computation serves several rows.
    cache: dict[tuple, tuple] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class _Spec:
    """What one row covers and which figure it shows."""

    key: str
    label: Any
    root: int
    members: list[int]
    group: Any = ALL
    own: bool = False
    pick: Optional[tuple[str, str]] = None  # ("dimensions" | "items" | "facts", code)
    level: int = 1


@dataclass(frozen=True)
class IndexQuery:
    """What table to build: ``unit``'s subtree in ``period`` (``2026-09``, ``2026-Q3``,
    ``2026``, or a custom range ``2026-07-15..2026-08-31``), one row per ``by``. Without ``target`` the target in force in the
    period's year is used (``targets``: milestone year → share, default the government's
    85 % by 2025 and 90 % by 2030). Rows with fewer than ``min_n`` responses (answers,
    for an item) get no verdict; items answered by fewer than ``min_answers`` in a row
    stay out of its composite (and a dimension with no item left); ``locale`` names the
    rows. ``by`` may be given as text (``"unit"``):
    :func:`index_table` checks it.

    ``fdr``: adjust the rows' verdicts for multiple comparisons (Benjamini–Hochberg);
    ``None`` = on for a table of units, off otherwise. ``fpc``: the element design with
    finite population correction instead of the clustered design (``SURVEY_INDEX_FPC``).
    ``receipts_for_all``: unit codes that give a receipt code to every claimant, so
    that codes issued there may stand in for a served count (``SURVEY_RECEIPTS_FOR_ALL``).
    """

    period: str
    unit: str
    by: Breakdown = Breakdown.UNIT
    target: Optional[float] = None
    level: float = 0.95
    min_n: int = 10
    locale: str = "vi"
    targets: Optional[Mapping] = None
    fdr: Optional[bool] = None
    fpc: bool = False
    receipts_for_all: tuple[str, ...] = ()
    min_answers: int = 5
    #: Levels of units below the scope shown by ``by=unit`` (1: the children only).
    depth: int = 1
    #: Count only verified responses: those of a receipt code or a kiosk.
    verified: bool = False
    #: ``by=fact``: the indicators named under this key of the items' definitions
    #: (``indicator``: the facts; ``coverage``: the plan's claimant-reported coverage).
    facts: str = "indicator"
    #: ``False`` (``by=fact`` only): no composite total — the total row is left empty
    #: (NaN, n 0) — for callers that read only the facts' rows; saves a pass over the
    #: period's responses.
    total: bool = True


def configured(config: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`IndexQuery` fields an app's configuration sets: ``MIN_N``,
    ``TARGETS``, ``MIN_ITEM_ANSWERS``, ``INDEX_FPC`` and ``RECEIPTS_FOR_ALL``."""
    return {"min_n": config["MIN_N"], "targets": config["TARGETS"],
            "min_answers": config.get("MIN_ITEM_ANSWERS", 5),
            "fpc": bool(config.get("INDEX_FPC", False)),
            "receipts_for_all": tuple(config.get("RECEIPTS_FOR_ALL") or ())}


@dataclass(frozen=True)
class _Judge:
    target: float
    level: float
    min_n: int
    design: Design
    min_answers: int


def index_table(session: Session, query: IndexQuery) -> IndexTable:
    """The satisfaction index of ``query.unit``'s subtree in ``query.period``.

    Returns an :class:`IndexTable`: a total row (the composite of the whole scope)
    and one row per child unit / service / channel / dimension / item. Raises
    :class:`ServiceError` for a bad period, breakdown, target, level or minimum sample
    or for served counts below the responses, and :class:`NotFound` for an unknown unit.
    """
    unit, level, min_n, locale = query.unit, query.level, query.min_n, query.locale
    parsed, by, target = check_arguments(query.period, query.by, query.target, query.targets)
    if not 1 <= query.depth <= 6:
        raise ServiceError(_l("The depth must be a whole number from 1 to 6."))
    if not 0.5 < level < 1 or min_n < 0 or query.min_answers < 1:
        raise ServiceError(_l("The confidence level must be between 0.5 and 1 (such as "
                              "0.95) and the minimum sample at least 0."))
    from . import aggregates

    tree = UnitTree.load(session)
    scope = tree.by_code(unit or "")
    if scope is None:
        raise NotFound(_l("Unknown unit code %(code)s.", code=repr(unit)))
    members = tree.subtree(scope.id)
    where = aggregates.period_filter(
        parsed, None if len(members) == len(tree.nodes) else members, query.verified)
    qids = aggregates.answered_questionnaires(session, where)
    group_by = by.value if by in (Breakdown.SERVICE, Breakdown.CHANNEL) else "unit"
    receipt_units = _receipt_units(tree, query.receipts_for_all)
    items = None
    judge = _Judge(target, level, min_n, Design.ELEMENT_FPC if query.fpc else Design.CLUSTERED,
                   query.min_answers)
    label = _l("Satisfaction index")
    if by is Breakdown.FACT and not query.total:
        total = IndexRow("total", label, 0, math.nan, math.nan, math.nan, math.nan, None,
                         Method.LOGIT, False, VerdictCode.INSUFFICIENT, 0, None)
    else:
        if by is Breakdown.ITEM:
            # One pass over the answers: the composite's keys are a subset of the items'.
            items = _fetch(session, tree, parsed, where, qids, "unit", False, receipt_units)
            data = _composite_from_items(session, items, qids) or _fetch(
                session, tree, parsed, where, qids, group_by, True, receipt_units)
        else:
            data = _fetch(session, tree, parsed, where, qids, group_by, True, receipt_units)
        total = _row(data, _Spec("total", label, scope.id, members), judge)
    if items is not None:
        data = items
    elif by is Breakdown.FACT:
        data = _fetch(session, tree, parsed, where, qids, "unit", False, receipt_units,
                      facts=True, source=query.facts)
    specs = _specs(session, data, scope.id, by, qids, locale, query.depth, query.facts)
    rows = [dataclasses.replace(_row(data, spec, judge), level=spec.level) for spec in specs]
    fdr = (by == Breakdown.UNIT) if query.fdr is None else query.fdr
    if fdr:
        rows = _adjusted(rows, level)
    notes = _notes(total, rows, judge, fdr, data.keys)
    return IndexTable(parsed, scope.code, scope.name(locale), by, target, level, min_n,
                      total, rows, notes, judge.design, fdr, query.verified)


def _receipt_units(tree: UnitTree, codes: tuple[str, ...]) -> frozenset[int]:
    """Units (with their subtrees) configured to give a receipt code to every claimant."""
    found: set[int] = set()
    for code in codes:
        node = tree.by_code(code)
        if node is not None:
            found.update(tree.subtree(node.id))
    return frozenset(found)


def check_arguments(period: str, by: Breakdown | str, target: Optional[float],
                    targets: Optional[Mapping] = None) -> tuple[Period, Breakdown, float]:
    """Parse the period and check the breakdown and target (default: the year's target)."""
    parsed = parse_period(period, ranges=True)
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
           group_by: str, composite: bool, receipt_units: frozenset[int],
           facts: bool = False, source: str = "indicator") -> _Data:
    from . import aggregates

    keys = aggregates.item_keys(session, qids, composite, facts, source)
    offset = local_tz().utcoffset(period.start_utc.replace(tzinfo=None))
    day = aggregates.day_expression(session, int(offset.total_seconds()) if offset else 0)
    # One pass over the answers gives the element sums and the per-day (PSU) counts.
    found = aggregates.pattern_pass(session, keys, where, group_by, day)
    sums, day_sums = found.sums, found.days
    if found.responses is not None:  # counted by the same pass
        n = {key: sum(per_day.values()) for key, per_day in found.responses.items()}
        psus = aggregates.blocks(found.responses, len(keys.keys), day_sums)
    else:
        n = aggregates.response_counts(session, where, group_by)
        psus = aggregates.psu_blocks(session, len(keys.keys), where, group_by, day, day_sums)
    imported, issued = imported_counts(session, period), issued_table(session, period)
    subtrees = {unit_id: tree.subtree(unit_id) for unit_id in tree.nodes}
    services: set[Optional[int]] = {None}
    if group_by == "service":
        # Every service with responses or with a served count of its own.
        services |= {key[1] for key in n if key[1] is not None}
        services |= {sid for (_unit, sid) in imported if sid is not None}
    counted = {sid: served_by_unit(imported, issued, sid, subtrees, receipt_units)
               for sid in services}
    return _Data(period, tree, keys, n, sums, psus, counted)


def _composite_from_items(session: Session, items: _Data, qids: list[int]) -> Optional[_Data]:
    """The composite's data taken from the items' (same responses, same filter): the
    composite keys ``dimension:code`` are columns of the item keys ``code``, unless an
    item changed dimension between the versions answered (then None: fetch it apart)."""
    import numpy as np

    from . import aggregates

    keys = aggregates.item_keys(session, qids, True)
    codes = [key.split(":", 1)[1] for key in keys.keys]
    if len(set(codes)) != len(codes) or not set(codes) <= set(items.keys.keys):
        return None
    index = np.array([items.keys.keys.index(code) for code in codes], dtype=np.int64)
    sums = {group: acc.columns(index) for group, acc in items.sums.items()}
    psus = {group: dataclasses.replace(block, y=block.y[:, index], r=block.r[:, index])
            for group, block in items.psus.items()}
    return _Data(items.period, items.tree, keys, items.n, sums, psus, items.counted)


def _counted_for(data: _Data, group: Any) -> dict[int, Served]:
    """Served counts that apply to a row: all services, one service, or none (channel)."""
    if group == ALL:
        return data.counted[None]
    if isinstance(group, int):
        return data.counted.get(group, {})
    return {}  # a channel, or responses without a service: no population known


def _row(data: _Data, spec: _Spec, judge: _Judge) -> IndexRow:
    """Estimate one row (the design computed once for all rows that share it)."""
    from ...analysis import target_verdict

    cache_key = (spec.root, spec.own, spec.group)
    if cache_key not in data.cache:
        data.cache[cache_key] = _design(data, spec, judge)
    plan, result, facts = data.cache[cache_key]
    figure = _pick(result, spec.pick, judge.level, facts["responses"])
    verdict = target_verdict(figure, judge.target, judge.level, judge.min_n)
    bound = verdict.upper if verdict.verdict == "not_met" else verdict.lower
    if spec.pick is not None and spec.pick[0] == "facts":
        return IndexRow(
            spec.key, spec.label, figure.n, estimate=figure.estimate,
            se=figure.se if figure.df >= 1 else math.nan, low=figure.low, high=figure.high,
            df=figure.df, method=Method(figure.method), weighted=figure.weighted,
            verdict=VerdictCode.NO_TARGET if figure.n >= judge.min_n
            else VerdictCode.INSUFFICIENT, responses=facts["responses"], served=plan.served,
            deff=figure.deff, lonely=facts["lonely"],
            default_weighted=facts["default_weighted"])
    excluded = tuple(result.excluded_dimensions) if result is not None and \
        spec.pick is None else ()
    return IndexRow(
        spec.key, spec.label, figure.n, estimate=figure.estimate,
        se=figure.se if figure.df >= 1 else math.nan, low=figure.low, high=figure.high,
        df=figure.df, method=Method(figure.method), weighted=figure.weighted,
        verdict=VerdictCode(verdict.verdict), responses=facts["responses"],
        served=plan.served, bound=bound, p_value=verdict.p_value, deff=figure.deff,
        lonely=facts["lonely"], default_weighted=facts["default_weighted"],
        excluded=excluded if not math.isnan(figure.estimate) else (), test=verdict)


def _pick(result: Optional[CompositeResult], pick: Optional[tuple[str, str]], level: float,
          responses: int) -> DesignEstimate:
    """The composite, or the picked dimension or item (an item's n: its answers)."""
    if result is None:
        return _empty(level, responses)
    if pick is None:
        return result
    found = (result.dimensions if pick[0] == "dimensions" else result.items).get(pick[1])
    return found if found is not None else _empty(level, 0 if pick[0] != "dimensions"
                                                  else responses)


def _design(data: _Data, spec: _Spec, judge: _Judge
            ) -> tuple[StrataPlan, Optional[CompositeResult], dict[str, int]]:
    """Strata, weights and PSUs of the responses a row covers, and their estimates."""
    import numpy as np

    from ...analysis import ClusterSums, clustered_composite, element_composite
    from .aggregates import Accumulator

    n_by_unit, sums_by_unit, psus_by_unit = _unit_slices(data, spec.group)
    plan = plan_strata(data.tree, spec.root, spec.members, n_by_unit,
                       _counted_for(data, spec.group), own_only=spec.own)
    units = list(plan.stratum_of)
    responses = sum(n_by_unit[u] for u in units)
    k = len(data.keys.keys)
    n_h: dict[int, int] = {}
    for unit_id in units:
        n_h[plan.stratum_of[unit_id]] = n_h.get(plan.stratum_of[unit_id], 0) \
            + n_by_unit[unit_id]
    weights = _weights(plan, n_h)
    default_weighted = sum(n for h, n in n_h.items() if h not in plan.population) \
        if weights is not None else 0
    facts = {"responses": responses, "lonely": 0, "default_weighted": default_weighted}
    dimensions = _dimensions(data.keys)
    if not units or not dimensions:
        return plan, None, facts
    elements: dict[int, StratumSums] = {}
    for unit_id in units:
        piece = (sums_by_unit.get(unit_id) or Accumulator(k)).stratum(n_by_unit[unit_id])
        h = plan.stratum_of[unit_id]
        elements[h] = elements[h] + piece if h in elements else piece
    if judge.design == Design.ELEMENT_FPC:
        elements = {h: dataclasses.replace(s, N=float(plan.population[h]))
                    if h in plan.imported else s for h, s in elements.items()}
        facts["lonely"] = sum(1 for s in elements.values() if s.n == 1)
        result = element_composite(elements, dimensions, data.keys.keys, weights,
                                   judge.level, "adjust", judge.min_answers)
        return plan, result, facts
    blocks = [(plan.stratum_of[u], psus_by_unit[u]) for u in units if u in psus_by_unit]
    clusters = ClusterSums(
        data.keys.keys, tuple(h for h, block in blocks for _day in block.days),
        np.concatenate([block.n for _h, block in blocks]),
        np.vstack([block.y for _h, block in blocks]),
        np.vstack([block.r for _h, block in blocks]))
    per_stratum = collections.Counter(clusters.stratum)
    facts["lonely"] = sum(1 for count in per_stratum.values() if count == 1)
    result = clustered_composite(clusters, dimensions, weights, judge.level, "adjust",
                                 elements, judge.min_answers)
    return plan, result, facts


def _dimensions(keys: ItemKeys) -> dict[str, list[str]]:
    """The composite's dimensions (composite keys), or each item alone (item keys)."""
    if keys.dimensions:
        return dict(keys.dimensions)
    return {key: [key] for key in keys.keys}


def _weights(plan: StrataPlan, n_h: Mapping[int, int]) -> Optional[dict[int, float]]:
    """N_h/n_h for counted strata; the counted strata's ΣN/Σn for the others; None when
    nothing in the row is counted (every response weighs the same)."""
    counted = [h for h in n_h if h in plan.population]
    if not counted:
        return None
    average = sum(plan.population[h] for h in counted) / sum(n_h[h] for h in counted)
    return {h: plan.population[h] / n if h in plan.population else average
            for h, n in n_h.items()}


def _unit_slices(data: _Data, group: Any
                 ) -> tuple[dict[int, int], dict[int, Accumulator], dict[int, PsuBlock]]:
    """Responses, sums and PSUs per unit, for one service/channel or for all of them."""
    n_by_unit: dict[int, int] = {}
    sums: dict[int, Accumulator] = {}
    blocks: dict[int, list[PsuBlock]] = {}
    for key, count in data.n.items():
        if group == ALL or key[1:] == (group,):
            n_by_unit[key[0]] = n_by_unit.get(key[0], 0) + count
    for key, acc in data.sums.items():
        if group == ALL or key[1:] == (group,):
            sums[key[0]] = sums[key[0]].merged(acc) if key[0] in sums else acc
    for key, block in data.psus.items():
        if group == ALL or key[1:] == (group,):
            blocks.setdefault(key[0], []).append(block)
    return n_by_unit, sums, {unit: _merge_days(parts) for unit, parts in blocks.items()}


def _merge_days(parts: list[PsuBlock]) -> PsuBlock:
    """One unit's PSUs from its per-service (or per-channel) pieces: a day is one PSU."""
    if len(parts) == 1:
        return parts[0]
    import numpy as np

    from .aggregates import PsuBlock

    days = sorted({d for part in parts for d in part.days})
    index = {d: i for i, d in enumerate(days)}
    k = parts[0].y.shape[1]
    n, y, r = np.zeros(len(days)), np.zeros((len(days), k)), np.zeros((len(days), k))
    for part in parts:
        rows = [index[d] for d in part.days]
        np.add.at(n, rows, part.n)
        np.add.at(y, rows, part.y)
        np.add.at(r, rows, part.r)
    return PsuBlock(days, n, y, r)


def _empty(level: float, n: int) -> DesignEstimate:
    from ...analysis import DesignEstimate

    return DesignEstimate(math.nan, math.nan, 0.0, 1.0, 0, n, "logit", False, level)


def _adjusted(rows: list[IndexRow], level: float) -> list[IndexRow]:
    """The rows with their verdicts adjusted together (Benjamini–Hochberg)."""
    from ...analysis import adjust_verdicts

    judged = [i for i, row in enumerate(rows)
              if row.test is not None and row.verdict != VerdictCode.INSUFFICIENT]
    adjusted = adjust_verdicts([rows[i].test for i in judged], level)  # type: ignore[misc]
    out = list(rows)
    for i, verdict in zip(judged, adjusted):
        bound = verdict.upper if verdict.verdict == "not_met" else verdict.lower
        out[i] = dataclasses.replace(rows[i], verdict=VerdictCode(verdict.verdict),
                                     p_value=verdict.p_value, bound=bound, adjusted=True,
                                     test=verdict)
    return out


def _specs(session: Session, data: _Data, root: int, by: Breakdown, qids: list[int],
           locale: str, depth: int = 1, source: str = "indicator") -> list[_Spec]:
    """The rows of the breakdown, in display order."""
    members = data.tree.subtree(root)
    if by == Breakdown.UNIT:
        return _unit_specs(data, root, locale, depth)
    if by == Breakdown.SERVICE:
        return [_Spec(code, label, root, members, group=sid)
                for sid, code, label in _service_keys(session, data, locale)]
    if by == Breakdown.CHANNEL:
        return [_Spec(c.value, CHANNELS[c.value], root, members, group=c.value)
                for c in Channel]
    if by == Breakdown.FACT:
        names = _labels(session, qids, locale, "indicators", source)
        return [_Spec(code, names.get(code, code), root, members, pick=("facts", code))
                for code in data.keys.keys]
    kind = "dimensions" if by == Breakdown.DIMENSION else "items"
    labels = _labels(session, qids, locale, kind)
    codes = list(data.keys.dimensions) if by == Breakdown.DIMENSION else list(data.keys.keys)
    return [_Spec(code, labels.get(code, code), root, members, pick=(kind, code))
            for code in codes]


def _unit_specs(data: _Data, root: int, locale: str, depth: int = 1,
                level: int = 1) -> list[_Spec]:
    """One row per child subtree, plus the scope's own responses when it has any; with
    ``depth`` > 1 each child's rows follow it, one level deeper."""
    tree = data.tree
    n_by_unit = _unit_slices(data, ALL)[0]
    specs = []
    if n_by_unit.get(root) and (level == 1 or tree.children.get(root)):
        node = tree.nodes[root]
        # Below the scope the unit has a row of its own already: ``<code>:own``.
        key = node.code if level == 1 else f"{node.code}:own"
        specs.append(_Spec(key, _l("%(name)s (own responses)", name=node.name(locale)),
                           root, [root], own=True, level=level))
    for child in tree.children.get(root, ()):
        subtree = tree.subtree(child)
        node = tree.nodes[child]
        if node.active or any(n_by_unit.get(u) for u in subtree):
            specs.append(_Spec(node.code, node.name(locale), child, subtree, level=level))
            if level < depth:
                specs += _unit_specs(data, child, locale, depth, level + 1)
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


def _labels(session: Session, qids: list[int], locale: str, kind: str,
            source: str = "indicator") -> dict[str, str]:
    """Dimension or item names, the newest answered version's wording winning."""
    labels: dict[str, str] = {}
    versions = session.scalars(sa.select(Questionnaire).where(Questionnaire.id.in_(qids))
                               .order_by(Questionnaire.version))
    for questionnaire in versions:
        if kind == "dimensions":
            for dim in questionnaire.definition.get("dimensions", []):
                labels[dim["code"]] = dim.get(locale) or dim.get("vi") or dim["code"]
        elif kind == "indicators":
            for item in questionnaire.definition.get("items", []):
                indicator = item.get(source)
                if indicator:
                    labels[item["code"]] = indicator.get(locale) or indicator.get("vi")
        else:
            for item in questionnaire.items:
                labels[item.code] = item.text(locale)
    return labels


def _notes(total: IndexRow, rows: list[IndexRow], judge: _Judge, fdr: bool,
           keys: ItemKeys) -> list[Any]:
    """Plain-language notes on how the figures were computed."""
    every = [total] + rows
    notes: list[Any] = [judge.design.label]
    if total.weighted:
        notes.append(WEIGHTED_NOTE)
    if any(row.default_weighted for row in every):
        notes.append(DEFAULT_WEIGHT_NOTE)
    if fdr and any(row.adjusted for row in rows):
        notes.append(_l("Verdicts of the rows are adjusted for comparing many units at once "
                        "(Benjamini–Hochberg false discovery rate, %(alpha)s %%); the total "
                        "row is not.", alpha=_Share(1 - judge.level)))
    excluded = sorted({d for row in every for d in row.excluded})
    if excluded:
        notes.append(_l("Left out of the composite where too few answered (fewer than "
                        "%(count)s answers to each of its items): %(dimensions)s.",
                        count=judge.min_answers, dimensions=", ".join(excluded)))
    return notes


@dataclass(frozen=True)
class _Share:
    """A share shown as a percentage inside a lazy string (0.05 → "5")."""

    value: float

    def __str__(self) -> str:
        return f"{100 * self.value:g}"
