"""/admin/dashboard: the satisfaction index of the user's scope for a chosen period.

Five pages share the filters in the URL (``?unit=NA-VINH&period=2026-Q3``), so that a
link shows the same figures to whoever may see them: the overview (headline, funnel
plot, unit table), the drill-down (dimensions, items, services, channels), the trend,
the sample-size planner and data quality. The tables come from
:mod:`survey.services.reporting.dashboard`; charts from :mod:`survey.io.charts`.
Everything is server-rendered and works without JavaScript.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from flask import abort, current_app, g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import utcnow
from ..services.errors import NotFound, ServiceError
from ..services.reporting import dashboard as board
from ..services.reporting.cache import AggregateCache, data_version
from ..services.reporting.index import VerdictCode, configured
from ..services.reporting.periods import Period, custom_range, parse_period
from ..services.reporting.reliability import Reason
from ..services.reporting.strata import UnitTree
from ..services.reporting.tables import Kind, format_value
from ..services.reporting.trend import containing, shifted, trend_note
from ..timeutil import format_date, local_date
from . import bp
from . import dashboard_charts as charts
from .permissions import can, requires

T = TypeVar("T")
PAGES = ("overview", "drill", "trend", "plan", "quality")
#: ``?period=`` value of the filter form's "custom range" choice: the dates ``from`` and
#: ``to`` give the period. Links use the range's code (``2026-07-15..2026-08-31``).
CUSTOM = "custom"


@dataclass(frozen=True)
class Filters:
    """The filters of every dashboard page, checked against the user's scope."""

    unit: str
    unit_id: int
    unit_label: str
    period: Period
    members: tuple[int, ...]

    def args(self, **extra: Any) -> dict[str, Any]:
        values = {"unit": self.unit, "period": self.period.code,
                  "lang": request.args.get("lang")}
        values.update(extra)
        return {k: v for k, v in values.items() if v is not None}


def _locale() -> str:
    return str(get_locale() or "vi")


def _tree() -> UnitTree:
    return UnitTree.load(current_session())


def default_period(today: dt.date) -> Period:
    """The quarter of ``today`` (Vietnam's date)."""
    return containing(today.year, today.month, "quarter")


def scope_roots(tree: UnitTree) -> list[int]:
    """The top units of the user's scope (an admin: the roots of the tree)."""
    scope = g.scope
    return [unit_id for unit_id in sorted(tree.nodes, key=lambda i: tree.nodes[i].code)
            if unit_id in scope and (tree.nodes[unit_id].parent_id is None
                                     or tree.nodes[unit_id].parent_id not in scope)]


def read_filters(tree: UnitTree) -> Filters:
    """The unit and period of the request; a unit outside the scope → 404 (as on every
    admin page), a period that cannot be read → :class:`ServiceError` (400)."""
    roots = scope_roots(tree)
    if not roots:
        abort(404)
    code = (request.args.get("unit") or "").strip() or tree.nodes[roots[0]].code
    node = tree.by_code(code)
    if node is None or node.id not in g.scope:
        abort(404)
    period = read_period(request.args)
    return Filters(node.code, node.id, node.name(_locale()), period,
                   tuple(tree.subtree(node.id)))


def read_period(args: Any) -> Period:
    """The period of the filters: ``period`` (a month, quarter, year or a range's code
    ``2026-07-15..2026-08-31``), or, when it is ``custom`` (or absent while dates are
    given), the dates ``from`` and ``to`` (Vietnam's calendar days, both included);
    the current quarter when nothing is given. :class:`ServiceError` otherwise."""
    text = (args.get("period") or "").strip()
    first, last = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if text.lower() == CUSTOM or (not text and (first or last)):
        if not first or not last:
            raise ServiceError(_l("Give both the first and the last day of the custom range."))
        return custom_range(first, last)
    if text:
        return parse_period(text, ranges=True)
    return default_period(local_date(utcnow()))


def cache() -> AggregateCache:
    found = current_app.extensions.get("dashboard_cache")
    if found is None:
        found = current_app.extensions["dashboard_cache"] = AggregateCache()
    return found


def cached(kind: str, filters: Filters, start: dt.datetime, end: dt.datetime,
           compute: Callable[[], T], *extra: Any, also: tuple = ()) -> T:
    """``compute()``'s value for this scope, period and data version (with ``also``:
    more that the value depends on, read by the caller)."""
    settings = configured(current_app.config)
    key = (kind, filters.unit, filters.period.code, _locale(), repr(sorted(settings.items())),
           *extra)
    version = (data_version(current_session(), filters.members, start, end), *also)
    return cache().get(key, version, compute)


def _settings() -> dict[str, Any]:
    return configured(current_app.config)


def _page(template: str, filters: Optional[Filters], tree: UnitTree, page: str,
          status: int = 200, **context: Any):
    return render_template(template, filters=filters, page=page, pages=PAGES,
                           choices=unit_choices(tree), periods=period_choices(filters),
                           locale=_locale(), **context), status


def unit_choices(tree: UnitTree) -> list[tuple[str, str, int]]:
    """(code, name, depth) of every unit in the scope, in tree order."""
    out: list[tuple[str, str, int]] = []

    def walk(unit_id: int, depth: int) -> None:
        node = tree.nodes[unit_id]
        out.append((node.code, node.name(_locale()), depth))
        for child in tree.children.get(unit_id, ()):
            walk(child, depth + 1)
    for root in scope_roots(tree):
        walk(root, 0)
    return out


def period_choices(filters: Optional[Filters]) -> list[tuple[str, list[str]]]:
    """Recent quarters, months and years to pick from (the chosen period always in)."""
    today = local_date(utcnow())
    quarter = default_period(today)
    month = containing(today.year, today.month, "month")
    groups = [("quarter", [shifted(quarter, i).code for i in range(8)]),
              ("month", [shifted(month, i).code for i in range(12)]),
              ("year", [str(today.year - i) for i in range(4)])]
    if filters is not None:
        for kind, codes in groups:
            if kind == filters.period.kind and filters.period.code not in codes:
                codes.insert(0, filters.period.code)
    return groups


def guarded(page: str, template: str, body: Callable[[Filters, UnitTree], dict[str, Any]]):
    """Run a page: filters read and checked, a bad value answered 400 with the form."""
    tree = _tree()
    try:
        filters = read_filters(tree)
        context = body(filters, tree)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        current_session().rollback()
        return _page("admin/dashboard/overview.html", None, tree, page, 400,
                     problem=str(exc))
    return _page(template, filters, tree, page, **context)


@bp.get("/dashboard")
@requires("index.read")
def dashboard():
    return guarded("overview", "admin/dashboard/overview.html", overview_context)


def overview_context(filters: Filters, tree: UnitTree) -> dict[str, Any]:
    column, descending = board.parse_sort(request.args.get("sort"))
    before = shifted(filters.period, 1)

    def compute() -> dict[str, Any]:
        view = board.overview(current_session(), filters.unit, filters.period.code,
                              _settings(), _locale())
        funnel = board.funnel(view)
        # The charts are cached with the figures they draw (same data version).
        return {"view": view, "funnel": funnel, "headline_svg": charts.headline(view),
                "funnel_svg": charts.funnel(funnel) if funnel and funnel.points else None}
    found = cached("overview", filters, before.start_utc, filters.period.end_utc, compute)
    view = found["view"]
    return {**found, "coverage": _coverage(filters), "Kind": Kind,
            "cell": lambda value, kind: format_value(value, kind, _locale()),
            "units": board.sorted_units(view.units, column, descending),
            "sort": column, "descending": descending, "previous": before,
            "children": {code for code, _n, _d in unit_choices(tree)}}


def _coverage(filters: Filters) -> Any:
    """The plan's coverage indicators for the same unit and period (exact counts from
    the case software, shown beside the index, never mixed with it), for those who may
    see them; None otherwise."""
    from ..services.coverage import coverage_report
    from ..services.coverage.indicators import configured_targets

    if not can("coverage.read"):
        return None
    if filters.period.kind == "range" and not filters.period.parts():
        return None  # counts are monthly: a range that cuts a month has no coverage
    from ..services.coverage.counts import counts_version
    from ..services.reporting.index import configured

    targets = configured_targets(current_app.config)
    session = current_session()

    def compute() -> Any:
        return coverage_report(session, filters.period, filters.unit, targets=targets,
                               locale=_locale(), options=configured(current_app.config))
    # Cached like the figures above: the survey rows are an index of their own (a pass
    # over the period's answers), the counts change only when imported.
    return cached("coverage", filters, filters.period.start_utc, filters.period.end_utc,
                  compute, repr(targets), local_date(utcnow()),
                  also=(counts_version(session, filters.members),))


@bp.get("/dashboard/drill")
@requires("index.read")
def dashboard_drill():
    return guarded("drill", "admin/dashboard/drill.html", drill_context)


def drill_context(filters: Filters, tree: UnitTree) -> dict[str, Any]:
    from ..services.reporting import quality

    session = current_session()
    period = filters.period

    def compute() -> dict[str, Any]:
        dims = quality.item_dimensions(session)
        return {"tables": board.breakdowns(session, filters.unit, period.code, _settings(),
                                           dims, _locale()),
                "distribution": quality.spreads(
                    quality.distribution(session, period, filters.members)),
                "reasons": quality.low_reasons(session, period, filters.members)}
    found = cached("drill", filters, period.start_utc, period.end_utc, compute)
    return {**found, "reason_labels": quality.reason_labels(session, _locale()),
            "small": quality.SMALL_COUNT}


@bp.get("/dashboard/trend")
@requires("index.read")
def dashboard_trend():
    return guarded("trend", "admin/dashboard/trend.html", trend_context)


def trend_context(filters: Filters, tree: UnitTree) -> dict[str, Any]:
    views = {}
    for every in ("quarter", "month"):
        end = containing(filters.period.last_day.year, filters.period.last_day.month, every)
        first = shifted(end, 7 if every == "quarter" else 11)

        def compute(every: str = every) -> dict[str, Any]:
            view = board.trend(current_session(), filters.unit, filters.period, every,
                               _settings(), _locale())
            return {"view": view, "svgs": charts.trend(view, every)}
        views[every] = cached("trend", filters, first.start_utc, end.end_utc, compute, every)
    return {"trends": {every: found["view"] for every, found in views.items()},
            "svgs": {every: found["svgs"] for every, found in views.items()}}


@bp.get("/dashboard/plan")
@requires("index.read")
def dashboard_plan():
    return guarded("plan", "admin/dashboard/plan.html", plan_context)


def plan_context(filters: Filters, tree: UnitTree) -> dict[str, Any]:
    from ..services.reporting.planner import plan

    view = cached("plan", filters, shifted(filters.period, 1).start_utc,
                  filters.period.end_utc,
                  lambda: board.overview(current_session(), filters.unit, filters.period.code,
                                         _settings(), _locale()))
    result = plan(request.args.get("expected"), request.args.get("target"),
                  request.args.get("power"), view, _settings())
    return {"view": view, "plan": result}


@bp.get("/dashboard/quality")
@requires("index.read")
def dashboard_quality():
    return guarded("quality", "admin/dashboard/quality.html", quality_context)


def quality_context(filters: Filters, tree: UnitTree) -> dict[str, Any]:
    from ..services.reporting import quality

    heartbeat = current_app.config["KIOSK_HEARTBEAT_SECONDS"]
    found = quality.quality(current_session(), filters.period, filters.members, tree,
                            _locale(), heartbeat, utcnow())
    return {"quality": found}


@bp.get("/methodology")
@requires("index.read")
def methodology():
    from .methodology import methodology_html

    return render_template("admin/methodology.html", body=methodology_html(_locale()))


def sort_url(filters: Filters, column: str, current: str, descending: bool) -> str:
    """The overview sorted by ``column`` (again: the other way round)."""
    flip = column == current and not descending
    return url_for("admin.dashboard", **filters.args(sort=("-" if flip else "") + column)) \
        + "#units"


@bp.app_template_global("dashboard_url")
def dashboard_url(page: str, filters: Optional[Filters], **extra: Any) -> str:
    endpoint = "admin.dashboard" if page == "overview" else f"admin.dashboard_{page}"
    args: dict[str, Any] = filters.args(**extra) if filters is not None else {
        "lang": request.args.get("lang")}
    return url_for(endpoint, **{k: v for k, v in args.items() if v is not None})


@bp.app_template_global("method_url")
def method_url(anchor: str) -> str:
    """A link to the methodology page's section ``anchor``."""
    return url_for("admin.methodology", lang=request.args.get("lang")) + "#" + anchor


bp.add_app_template_global(sort_url, "sort_url")


# --- formatting for the templates --------------------------------------------------------

@bp.app_template_filter("pct")
def pct_filter(value: Optional[float], digits: int = 1) -> str:
    return format_value(value, Kind.PERCENT, _locale(), digits)


@bp.app_template_filter("period_label")
def period_label_filter(period: Period) -> str:
    """A period as people read it: its code, or a custom range's two dates
    (``15/07/2026–31/08/2026``)."""
    if period.kind != "range":
        return period.code
    return f"{format_date(period.first_day)}–{format_date(period.last_day)}"


@bp.app_template_filter("count")
def count_filter(value: Optional[int]) -> str:
    return format_value(value, Kind.COUNT, _locale())


@bp.app_template_filter("span")
def span_filter(value: Optional[tuple[float, float]]) -> str:
    return format_value(value, Kind.INTERVAL, _locale())


@bp.app_template_filter("points")
def points_filter(value: Optional[float]) -> str:
    """A change in percentage points, signed: "+2,1" / "−0,4"."""
    if value is None:
        return "—"
    text = format_value(abs(value), Kind.PERCENT, _locale()).replace(" %", "")
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


@bp.app_context_processor
def dashboard_words() -> dict[str, Any]:
    return {"reason_words": REASON_WORDS, "verdict_meaning": VERDICT_MEANING,
            "status_reason_words": STATUS_REASON_WORDS, "trend_sentence": trend_note}


#: Why a response was flagged or excluded, by the code stored with it.
STATUS_REASON_WORDS: dict[Optional[str], Any] = {
    "too_fast": _l("given too fast after the kiosk's previous response"),
}


REASON_WORDS: dict[Any, Any] = {
    Reason.NO_DATA: _l("no responses"),
    Reason.SMALL_EFFECTIVE_N: _l("effective sample size under 30"),
    Reason.WIDE_INTERVAL: _l("interval 30 points wide or more"),
    Reason.RELATIVE_WIDTH: _l("interval wider than 1.3 times the figure"),
    Reason.FEW_DF: _l("fewer than 8 degrees of freedom"),
    Reason.PARENT: _l("hidden with the row above it"),
    Reason.COMPLEMENT: _l("hidden so that a hidden figure beside it cannot be worked out"),
    Reason.SOLE_CHILD: _l("hidden with its only part"),
}
VERDICT_MEANING: dict[Any, Any] = {
    VerdictCode.MET: _l("The data show that the index is above the target (confidence "
                        "level 95 %)."),
    VerdictCode.NOT_MET: _l("The data show that the index is below the target (confidence "
                            "level 95 %)."),
    VerdictCode.INCONCLUSIVE: _l("The interval contains the target: the index may be above "
                                 "or below it; more responses are needed to tell."),
    VerdictCode.INSUFFICIENT: _l("Too few responses to judge against the target; the figure "
                                 "is only indicative."),
}


@bp.app_template_filter("reasons")
def reasons_filter(assessment: Any) -> str:
    """Why a figure is flagged or hidden, in words."""
    return "; ".join(str(REASON_WORDS[reason]) for reason in assessment.reasons)


@bp.app_template_filter("ratio")
def ratio_filter(value: Optional[float]) -> str:
    """A design effect: "1,18" / "1.18"."""
    return format_value(value, Kind.RATIO, _locale())
