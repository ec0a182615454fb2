"""``GET /api/v1/index``: the satisfaction index as JSON (API token required)."""
from __future__ import annotations

import math
from typing import Any, Optional

from flask import current_app, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import db
from ..services.errors import NotFound, ServiceError
from ..services.reporting.index import VERDICTS, IndexRow, IndexTable, index_table
from ..services.reporting.strata import ServedCountError
from . import bp
from .auth import require_api_token


def _number(value: Optional[float]) -> Optional[float]:
    """JSON has no NaN: missing figures are null."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


def row_json(row: IndexRow) -> dict[str, Any]:
    """One row as plain JSON; shares in [0, 1]."""
    return {
        "key": row.key, "label": str(row.label), "n": row.n,
        "estimate": _number(row.estimate), "se": _number(row.se),
        "low": _number(row.low), "high": _number(row.high), "df": row.df,
        "method": row.method, "weighted": row.weighted, "verdict": row.verdict,
        "verdict_label": str(VERDICTS[row.verdict]), "verdict_bound": _number(row.bound),
        "p_value": _number(row.p_value), "responses": row.responses, "served": row.served,
        "response_rate": _number(row.response_rate),
    }


def table_json(table: IndexTable) -> dict[str, Any]:
    return {
        "period": table.period.code,
        "period_start": table.period.start_utc.isoformat(),
        "period_end": table.period.end_utc.isoformat(),
        "unit": table.unit_code, "unit_label": table.unit_label, "by": table.by,
        "target": table.target, "level": table.level, "min_n": table.min_n,
        "measure": _("share satisfied or very satisfied (answers 4–5)"),
        "total": row_json(table.total), "rows": [row_json(row) for row in table.rows],
        "notes": [str(note) for note in table.notes],
    }


def bad_request(message: Any):
    response = jsonify(error="bad_request", message=str(message))
    response.status_code = 400
    return response


@bp.get("/index")
@require_api_token
def index():
    """?period=2026-Q3&unit=NA&by=unit[&target=0.9][&lang=en]"""
    args = request.args
    target: Optional[float] = None
    if args.get("target"):
        try:
            target = float(args["target"])
        except ValueError:
            return bad_request(_("The target must be a share between 0 and 1, such as 0.9."))
        if not math.isfinite(target):
            return bad_request(_("The target must be a share between 0 and 1, such as 0.9."))
    if not args.get("period") or not args.get("unit"):
        return bad_request(_("Give period (e.g. 2026-Q3) and unit (e.g. NA)."))
    try:
        table = index_table(db.session, args["period"], args["unit"], args.get("by", "unit"),
                            target, locale=str(get_locale() or "vi"),
                            min_n=current_app.config["MIN_N"],
                            targets=current_app.config["TARGETS"])
    except NotFound as exc:
        return bad_request(exc.message)
    except ServedCountError as exc:  # stored data, not the request, is wrong
        response = jsonify(error="conflict", message=str(exc.message))
        response.status_code = 409
        return response
    except ServiceError as exc:
        return bad_request(exc.message)
    return jsonify(table_json(table))
