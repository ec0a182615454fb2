"""``GET /api/v1/index``: the satisfaction index as JSON (API token required)."""
from __future__ import annotations

import math
from typing import Any, Optional

from flask import current_app, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..services.errors import NotFound, ServiceError
from ..services.reporting.index import (Breakdown, IndexQuery, IndexTable, configured,
                                        index_table)
from ..services.reporting.tables import ReportRow, ReportTable, index_report
from ..services.reporting.strata import ServedCountError
from . import bp
from .auth import require_api_token
from .errors import ApiProblem, field_error
from .openapi import ok, operation, problems
from .schemas import IndexParameters, IndexReport, parse_query


def _number(value: Optional[float]) -> Optional[float]:
    """JSON has no NaN: missing figures are null."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


def row_json(row: ReportRow) -> dict[str, Any]:
    """One row of the report table as plain JSON; shares in [0, 1], withheld cells null."""
    low, high = row["interval"] or (None, None)
    method, verdict = row["method"], row["verdict"]
    return {
        "key": row["key"], "label": str(row["label"]), "n": row["n"],
        "estimate": _number(row["estimate"]), "se": _number(row["se"]),
        "low": _number(low), "high": _number(high), "df": row["df"],
        "method": method.value if method else None, "weighted": row["weighted"],
        "verdict": verdict.value, "verdict_label": str(verdict.label),
        "verdict_bound": _number(row["verdict_bound"]), "p_value": _number(row["p_value"]),
        "deff": _number(row["deff"]), "adjusted": row["adjusted"],
        "responses": row["responses"], "served": row["served"],
        "response_rate": _number(row["response_rate"]),
        "default_weighted": row["default_weighted"], "lonely": row["lonely"],
        "level": row["level"],
    }


def report_json(report: ReportTable) -> dict[str, Any]:
    """The index report table as JSON (what it is about, the rows, the notes); the
    verdict rule is stated by ``level`` and ``min_n`` rather than as a note."""
    meta = report.meta
    period = meta["period"]
    assert report.total is not None
    return {
        "period": period.code,
        "period_start": period.start_utc.isoformat(),
        "period_end": period.end_utc.isoformat(),
        "unit": meta["unit"], "unit_label": meta["unit_label"], "by": meta["by"].value,
        "target": meta["target"], "level": meta["level"], "min_n": meta["min_n"],
        "design": meta["design"].value, "fdr": meta["fdr"],
        "verified": meta.get("verified", False),
        "measure": _("share satisfied or very satisfied (answers 4–5)"),
        "total": row_json(report.total), "rows": [row_json(row) for row in report.rows],
        "notes": [str(note.text) for note in report.notes if not note.rule],
    }


def table_json(table: IndexTable) -> dict[str, Any]:
    """:func:`report_json` of the table's report (:func:`index_report`)."""
    return report_json(index_report(table))


@bp.get("/index")
@operation(_l("The satisfaction index of a unit in a period"), tag="index",
           description=_l("One total row and one row per child unit, service, channel, "
                          "dimension or item, each with n, its confidence interval (95 %) and "
                          "a verdict against the target."),
           query=IndexParameters,
           replies=[ok(IndexReport, _l("The index table.")), problems("conflict")])
@require_api_token
def index():
    """?period=2026-Q3&unit=NA&by=unit[&target=0.9][&fdr=false][&verified=true][&lang=en]"""
    params = parse_query(IndexParameters, session=current_session())
    try:
        table = index_table(current_session(), IndexQuery(
            params.period, params.unit, Breakdown(params.by), params.target,
            locale=str(get_locale() or "vi"), fdr=params.fdr, depth=params.depth,
            verified=params.verified,
            **configured(current_app.config)))
    except NotFound as exc:  # the unit went away since the query was checked
        raise ApiProblem("validation_failed", str(exc.message),
                         fields=field_error("unit", "unknown_unit", exc.message)) from None
    except ServedCountError as exc:  # stored data, not the request, is wrong
        raise ApiProblem("conflict", str(exc.message)) from None
    except ServiceError as exc:
        raise ApiProblem("validation_failed", str(exc.message)) from None
    return jsonify(table_json(table))
