"""``POST /api/v1/receipts``: issue single-use receipt codes for case-handling software."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..services import catalogue
from ..io import qr
from ..services.intake import receipts
from ..services.errors import ServiceError
from . import bp
from .auth import require_api_token


def _invalid(message: str, errors: dict[str, list[str]], status: int = 422):
    return jsonify(error="invalid", message=message, errors=errors), status


def _parse_request():
    """``(unit, service, count)`` from the JSON body, or an error response."""
    if not request.is_json:
        return None, (jsonify(error="unsupported_media_type",
                              message=_("Send JSON with Content-Type: application/json.")), 415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, _invalid(_("The body is not a valid JSON object. Nothing was issued."),
                              {"": ["malformed_json"]}, 400)
    errors: dict[str, list[str]] = {}
    unit = catalogue.unit_by_code(db.session, body["unit"]) if isinstance(
        body.get("unit"), str) else None
    if unit is None:
        errors["unit"] = ["unknown_unit"]
    service = catalogue.service_by_code(db.session, body["service"]) if isinstance(
        body.get("service"), str) else None
    if service is None:
        errors["service"] = ["unknown_service"]
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not (
            1 <= count <= receipts.MAX_COUNT):
        errors["count"] = ["out_of_range"]
    if errors:
        return None, _invalid(_("Unknown unit or service, or a count outside 1–1000. "
                                "Nothing was issued."), errors)
    return (unit, service, count), None


@bp.post("/receipts")
@require_api_token
def issue_receipts():
    """Issue ``count`` codes: each with its URL, expiry and an SVG QR code."""
    parsed, error = _parse_request()
    if error is not None:
        return error
    unit, service, count = parsed
    days = int(current_app.config.get("RECEIPT_DAYS", receipts.DEFAULT_DAYS))
    try:
        rows = receipts.issue_receipt_codes(db.session, unit, service, count, days=days)
    except ServiceError as exc:
        db.session.rollback()
        return _invalid(_("Nothing was issued."), exc.errors)
    db.session.commit()
    public = current_app.config["PUBLIC_URL"]
    codes = []
    for row in rows:
        url = qr.receipt_url(public, row.code)
        codes.append({"code": row.code, "url": url,
                      "expires_at": row.expires_at.isoformat(timespec="seconds"),
                      "qr_svg": qr.qr_svg(url)})
    return jsonify(unit=unit.code, service=service.code,
                   issued_on=rows[0].issued_on.isoformat(), codes=codes), 201
