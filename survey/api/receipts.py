"""``POST /api/v1/receipts``: issue single-use receipt codes for case-handling software."""
from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..services import catalogue
from ..io import qr
from ..services.intake import receipts
from ..services.errors import ServiceError
from . import bp
from .auth import require_api_token
from .errors import ApiProblem
from .openapi import ok, operation
from .schemas import ReceiptBatch, ReceiptRequest, parse_body


@bp.post("/receipts")
@operation(_l("Issue receipt codes"), tag="integration",
           description=_l("Single-use codes bound to a unit and a service, each with its "
                          "survey URL, expiry and an SVG QR code to print on the receipt."),
           body=ReceiptRequest, replies=[ok(ReceiptBatch, _l("The codes issued."), 201)])
@require_api_token
def issue_receipts():
    """Issue ``count`` codes: each with its URL, expiry and an SVG QR code."""
    asked = parse_body(ReceiptRequest, session=current_session(), detail=_(
        "Some of what was sent is not valid. Nothing was issued."))
    unit = catalogue.unit_by_code(current_session(), asked.unit)
    service = catalogue.service_by_code(current_session(), asked.service)
    assert unit is not None and service is not None  # checked by ReceiptRequest
    count = asked.count
    days = receipts.receipt_days(current_app.config)
    try:
        rows = receipts.issue_receipt_codes(current_session(), unit, service, count, days=days)
    except ServiceError as exc:
        current_session().rollback()
        nothing = _("Nothing was issued.")
        raise ApiProblem("validation_failed", f"{exc.message} {nothing}",
                         fields={f"/{name}": [(code, str(exc.message)) for code in codes]
                                 for name, codes in exc.errors.items()}) from None
    current_session().commit()
    public = current_app.config["PUBLIC_URL"]
    codes = []
    for row in rows:
        url = qr.receipt_url(public, row.code)
        codes.append({"code": row.code, "url": url,
                      "expires_at": row.expires_at.isoformat(timespec="seconds"),
                      "qr_svg": qr.qr_svg(url)})
    return jsonify(unit=unit.code, service=service.code,
                   issued_on=rows[0].issued_on.isoformat(), codes=codes), 201
