"""``GET /api/v1/trend``: a unit's index over its last periods, with the trend test and
the p-chart, as JSON (API token required)."""
from __future__ import annotations

import math
from typing import Any, Optional

from flask import current_app, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..services.errors import NotFound, ServiceError
from ..services.reporting.index import configured
from ..services.reporting.strata import ServedCountError
from ..services.reporting.trend import (DEFAULT_PERIODS, TrendPoint, TrendQuery, TrendTable,
                                        check_every, trend_report, trend_table)
from . import bp
from .auth import require_api_token
from .errors import ApiProblem, field_error
from .openapi import ok, operation, problems
from .schemas import TrendParameters, TrendReport, parse_query


def _number(value: Optional[float]) -> Optional[float]:
    """JSON has no NaN: missing figures are null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def point_json(point: TrendPoint) -> dict[str, Any]:
    """One period of the series as plain JSON; shares in [0, 1], missing figures null."""
    has_data = point.n > 0 and math.isfinite(point.estimate)
    return {
        "period": point.period.code, "period_start": point.period.start_utc.isoformat(),
        "period_end": point.period.end_utc.isoformat(), "n": point.n,
        "estimate": _number(point.estimate), "se": _number(point.se) if has_data else None,
        "low": _number(point.low) if has_data else None,
        "high": _number(point.high) if has_data else None,
        "method": point.method.value if has_data else None,
        "verdict": point.verdict.value, "verdict_label": str(point.verdict.label),
        "n_eff": point.n_eff, "x_eff": point.x_eff,
        "lower_limit": _number(point.lower), "upper_limit": _number(point.upper),
        "exact_limits": point.exact, "out_of_control": point.out_of_control,
    }


def trend_json(table: TrendTable) -> dict[str, Any]:
    """The trend table as JSON: what it is about, the trend test, the periods (oldest
    first) and the notes, in the active locale."""
    trend = table.trend
    return {
        "unit": table.unit_code, "unit_label": table.unit_label, "to": table.to.code,
        "every": table.every, "periods": table.periods, "level": table.level,
        "min_n": table.min_n,
        "measure": _("share satisfied or very satisfied (answers 4–5)"),
        "centre": _number(table.centre),
        "trend": {"direction": table.direction.value,
                  "chi_square": _number(trend.chi_square), "p_value": _number(trend.p_value),
                  "slope": _number(trend.slope), "se": _number(trend.se),
                  "wald_p": _number(trend.wald_p), "odds_ratio": _number(trend.odds_ratio),
                  "converged": bool(trend.converged)},
        "points": [point_json(point) for point in table.points],
        "notes": [str(note.text) for note in trend_report(table).notes],
    }


@bp.get("/trend")
@operation(_l("The satisfaction index of a unit over its last periods"), tag="index",
           description=_l("One point per period (oldest first) with n, the index and its "
                          "confidence interval, the effective sample size and the p-chart "
                          "control limits; the Cochran–Armitage trend test over the "
                          "periods."),
           query=TrendParameters,
           replies=[ok(TrendReport, _l("The series and its trend test.")),
                    problems("conflict")])
@require_api_token
def trend():
    """?unit=NA&to=2026-Q3[&periods=8][&every=quarter][&lang=en]"""
    params = parse_query(TrendParameters, session=current_session())
    try:
        kind = check_every(params.every, params.to)
        settings = configured(current_app.config)
        table = trend_table(current_session(), TrendQuery(
            params.unit, params.to,
            DEFAULT_PERIODS[kind] if params.periods is None else params.periods, kind,
            min_n=settings.pop("min_n"), locale=str(get_locale() or "vi"),
            targets=settings.pop("targets"), index_options=settings))
    except NotFound as exc:  # the unit went away since the query was checked
        raise ApiProblem("validation_failed", str(exc.message),
                         fields=field_error("unit", "unknown_unit", exc.message)) from None
    except ServedCountError as exc:  # stored data, not the request, is wrong
        raise ApiProblem("conflict", str(exc.message)) from None
    except ServiceError as exc:  # e.g. a series that would start before the year 2000
        raise ApiProblem("validation_failed", str(exc.message)) from None
    return jsonify(trend_json(table))
