"""The dashboard's charts with their words: what :mod:`survey.io.charts` draws, fed from
the dashboard's tables (suppressed figures are never drawn)."""
from __future__ import annotations

import math
from typing import Optional

from flask_babel import get_locale
from flask_babel import gettext as _

from ..io import charts
from ..services.reporting.dashboard import Funnel, Overview, TrendView, funnel_limits
from ..services.reporting.tables import Kind, format_value


def _pct(value: Optional[float]) -> str:
    """A share as people write it: 0.85 → "85 %", 0.998 → "99,8 %"."""
    return format_value(value, Kind.PERCENT, str(get_locale() or "vi"), digits=None)


def _targets(view_targets) -> list[tuple[str, float]]:
    return [(_("Target %(share)s (%(year)s)", share=_pct(share), year=year), share)
            for year, share in view_targets]


def headline(view: Overview) -> Optional[str]:
    total = view.total
    if not total.shown:
        return None
    low, high = total.interval  # type: ignore[misc]
    targets = [(m.year, m.target) for m in view.milestones]
    labels = charts.Labels(
        _("The satisfaction index and its %(level)s interval",
          level=_pct(view.table.level)),
        _("%(level)s interval: %(low)s to %(high)s; index %(index)s; targets %(targets)s.",
          level=_pct(view.table.level), low=_pct(low), high=_pct(high),
          index=_pct(total.estimate),
          targets=", ".join(_pct(share) for _y, share in targets)))
    return charts.headline("chart-headline", labels, total.row.estimate, low, high,
                           _targets(targets))


def funnel(found: Funnel) -> str:
    largest = max(point.n_eff for point in found.points)
    smallest = min(point.n_eff for point in found.points)
    start, stop = max(5.0, smallest / 2), max(largest * 2, 50.0)
    grid = [start * (stop / start) ** (i / 80) for i in range(81)]
    limits = funnel_limits(found.centre, grid)
    outside = sum(1 for p in found.points if p.outside)
    labels = charts.Labels(
        _("Funnel plot: units against the index of the whole scope"),
        _("%(count)s units drawn at their effective sample size; centre line %(centre)s; "
          "%(outside)s outside the 95 %% control limits.", count=len(found.points),
          centre=_pct(found.centre), outside=outside),
        _("Effective sample size (logarithmic scale)"), _("Satisfaction index"))
    points = [(p.key, p.n_eff, p.estimate, p.outside) for p in found.points]
    return charts.funnel("chart-funnel", labels, found.centre, points, limits, grid,
                         {0.95: _("Control limits at 95 %"), 0.998: _("Control limits at 99.8 %")},
                         _("Index of the scope"))


def trend(view: TrendView, every: str) -> dict[str, str]:
    table = view.table
    periods = [p.period.code for p in table.points]
    shown = [a.shown for a in view.assessments]

    def only(values):
        return [v if ok and v is not None and math.isfinite(v) else None
                for v, ok in zip(values, shown)]
    estimates = only([p.estimate for p in table.points])
    lows = only([p.low for p in table.points])
    highs = only([p.high for p in table.points])
    drawn = [p for p, ok in zip(periods, estimates) if ok is not None]
    kind = _("quarters") if every == "quarter" else _("months")
    index_chart = charts.trend(
        f"chart-trend-{every}",
        charts.Labels(_("The index over the last %(count)s %(kind)s", count=len(periods),
                        kind=kind),
                      _("Index per period with its %(level)s interval as a band and the "
                        "target lines; %(count)s periods with a figure shown.",
                        level=_pct(table.level), count=len(drawn)),
                      "", _("Satisfaction index")),
        periods, estimates, lows, highs, _targets(view.targets),
        _("%(level)s interval", level=_pct(table.level)), _("Index"))
    shares = only([p.x_eff / p.n_eff if p.n_eff else None for p in table.points])
    lower = [p.lower if ok else None for p, ok in zip(table.points, shown)]
    upper = [p.upper if ok else None for p, ok in zip(table.points, shown)]
    out = [p.out_of_control and ok for p, ok in zip(table.points, shown)]
    flagged = [period for period, o in zip(periods, out) if o]
    pchart = charts.p_chart(
        f"chart-pchart-{every}",
        charts.Labels(_("p-chart of the index over the %(kind)s", kind=kind),
                      _("Centre line %(centre)s; points outside the control limits: "
                        "%(out)s.", centre=_pct(table.centre),
                        out=", ".join(flagged) or _("none")),
                      "", _("Share satisfied (effective counts)")),
        periods, shares, lower, upper, out, table.centre,
        {"limits": _("Control limits (3 sigma)"), "centre": _("Centre line"),
         "share": _("Share in the period"), "out": _("Outside the limits")})
    return {"index": index_chart, "pchart": pchart}
