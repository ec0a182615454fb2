"""Kiosk API: pairing, the questionnaire a kiosk shows, and batches of responses."""
from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..models import Questionnaire
from ..services import catalogue
from ..services.devices import kiosks
from ..services.errors import NotFound
from . import bp
from .auth import require_device


def json_error(status: int, error: str, message: str, **extra: Any):
    response = jsonify(error=error, message=message, **extra)
    response.status_code = status
    return response


def json_body() -> tuple[Any, Any]:
    """The parsed JSON body, or an error response for a missing/malformed one."""
    if not request.is_json:
        return None, json_error(415, "unsupported_media_type",
                                _("Send JSON with Content-Type: application/json."))
    body = request.get_json(silent=True)
    if body is None:
        return None, json_error(400, "malformed_json",
                                _("The request body is not valid JSON. Nothing was saved."))
    if not isinstance(body, dict):
        return None, json_error(400, "not_an_object",
                                _("The request body must be a JSON object. Nothing was saved."))
    return body, None


@bp.post("/kiosk/pair")
def pair_kiosk():
    body, error = json_body()
    if error is not None:
        return error
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        return json_error(400, "code_required", _("Enter the pairing code."))
    try:
        device, token = kiosks.pair_device(db.session, code)
    except NotFound:
        db.session.rollback()
        return json_error(404, "invalid_code", _(
            "This pairing code is wrong, already used or expired. Ask the IT officer for "
            "a new one."))
    db.session.commit()
    unit = device.unit
    return jsonify(token=token, device=device.name, device_id=device.id, unit=unit.code,
                   unit_name={"vi": unit.name("vi"), "en": unit.name("en")})


@bp.get("/questionnaire")
def questionnaire():
    """The current published questionnaire with what a kiosk needs to show it."""
    try:
        current = catalogue.current_questionnaire(db.session)
    except NotFound:
        return json_error(404, "no_questionnaire", _("No questionnaire has been published yet."))
    response = jsonify(questionnaire_payload(current))
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def questionnaire_payload(current: Questionnaire) -> dict[str, Any]:
    definition = current.definition
    return {
        "version": current.version,
        "title": definition.get("title", {}),
        "scale": definition.get("scale", [1, 2, 3, 4, 5]),
        "dimensions": definition.get("dimensions", []),
        "items": [{"code": item.code, "dimension": item.dimension, "required": item.required,
                   "vi": item.text_vi, "en": item.text_en} for item in current.items],
        "services": [{"code": s.code, "vi": s.name_vi, "en": s.name_en}
                     for s in catalogue.active_services(db.session)],
        "reasons": definition.get("reasons", []),
    }


@bp.post("/responses")
@require_device
def post_responses():
    """Store a batch of kiosk responses; answers which ids were stored, known or refused."""
    body, error = json_body()
    if error is not None:
        return error
    items = body.get("responses")
    if not isinstance(items, list):
        return json_error(400, "responses_required", _(
            'The body must have a "responses" list. Nothing was saved.'))
    limit = current_app.config["KIOSK_MAX_BATCH"]
    if len(items) > limit:
        return json_error(413, "batch_too_large", _(
            "At most %(n)s responses can be sent at once. Nothing was saved.", n=limit),
            max_batch=limit)
    result = kiosks.ingest_batch(db.session, g.device, items,
                                 min_interval=current_app.config["KIOSK_MIN_INTERVAL"])
    db.session.commit()
    payload = result.as_dict()
    if result.rejected and not (result.accepted or result.duplicates):
        return json_error(422, "all_rejected", _(
            "None of the responses could be stored; see the errors of each one."), **payload)
    return jsonify(payload)
