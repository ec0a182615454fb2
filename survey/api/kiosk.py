"""Kiosk API: pairing, the questionnaire a kiosk shows, and batches of responses."""
from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import metrics
from ..extensions import current_session
from ..models import Questionnaire
from ..models.questionnaires import NEED
from ..services import catalogue
from ..services.devices import kiosks
from ..services.devices.throttle import PairingLimiter
from ..services.errors import NotFound
from . import bp
from .auth import require_device
from .errors import ApiProblem, problem
from .openapi import RETRY_AFTER, empty, ok, operation, problems
from .schemas import (BatchProblem, BatchResult, BatchSizeProblem,
                      KioskBatch, PairRequest, Pairing, QuestionnaireOut, QuestionnaireQuery,
                      parse_body, parse_query)


@bp.post("/kiosk/pair")
@operation(_l("Pair a kiosk"), tag="kiosk",
           description=_l("Exchange a one-time pairing code for the kiosk's device token."),
           body=PairRequest,
           replies=[ok(Pairing, _l("The kiosk is paired; keep the token.")),
                    problems("invalid_code"),
                    problems("too_many_requests", headers=[RETRY_AFTER])])
def pair_kiosk():
    limiter, client = pairing_limiter(), request.remote_addr or "unknown"
    wait = limiter.wait(client)
    if wait:
        current_app.logger.warning("kiosk pairing refused: too many wrong pairing codes")
        raise ApiProblem("too_many_requests", _(
            "Too many wrong pairing codes. Wait %(n)s seconds, then try again.", n=wait),
            headers={"Retry-After": str(wait)})
    asked = parse_body(PairRequest)
    try:
        device, token = kiosks.pair_device(current_session(), asked.code)
    except NotFound:
        current_session().rollback()
        # Logged without the address or the code: the count shows guessing going on.
        current_app.logger.warning("kiosk pairing: wrong code (%d from this client within "
                                   "the window)", limiter.failed(client))
        raise ApiProblem("invalid_code") from None
    current_session().commit()
    unit = device.unit
    return jsonify(token=token, device=device.name, device_id=device.id, unit=unit.code,
                   unit_name={"vi": unit.name("vi"), "en": unit.name("en")})


def pairing_limiter() -> PairingLimiter:
    """The app's limiter of wrong pairing codes, created on first use."""
    limiter = current_app.extensions.get("pairing_limiter")
    if limiter is None:
        config = current_app.config
        key = config["SECRET_KEY"]
        limiter = PairingLimiter(int(config["KIOSK_PAIR_CLIENT_FAILURES"]),
                                 int(config["KIOSK_PAIR_TOTAL_FAILURES"]),
                                 int(float(config["KIOSK_PAIR_WINDOW_MINUTES"]) * 60),
                                 config["RATELIMIT_STORAGE"],
                                 key if isinstance(key, bytes) else str(key).encode())
        current_app.extensions["pairing_limiter"] = limiter
    return limiter


@bp.get("/questionnaire")
@operation(_l("The current questionnaire"), tag="kiosk",
           description=_l("The newest published questionnaire with the services and reasons "
                          "a kiosk shows. Send If-None-Match with the last ETag to get 304 "
                          "when nothing changed."),
           query=QuestionnaireQuery,
           replies=[ok(QuestionnaireOut, _l("The questionnaire."),
                       headers=[("ETag", _l("Version tag for If-None-Match."), True)]),
                    empty(304, _l("Not modified since the ETag sent.")),
                    problems("no_questionnaire")])
def questionnaire():
    """The current published questionnaire with what a kiosk needs to show it."""
    # Kiosks that ask the coverage items (after the service) say so; an older kiosk copy
    # would not know their kind, so it is not given them.
    with_need = parse_query(QuestionnaireQuery).kinds == NEED
    try:
        current = catalogue.current_questionnaire(current_session())
    except NotFound:
        raise ApiProblem("no_questionnaire") from None
    response = jsonify(questionnaire_payload(current, with_need=with_need))
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def questionnaire_payload(current: Questionnaire, with_need: bool = False) -> dict[str, Any]:
    """The version as the kiosk shows it: the kiosk draws the items of each claimant
    itself (``matrix_sampling``) and puts rated aspects under ``stem``. The coverage
    items (kind ``need``, each with the ``services`` whose claimants it asks) only
    ``with_need``: a kiosk asks them after the service."""
    definition = current.definition
    return {
        "version": current.version,
        "title": definition.get("title", {}),
        "scale": definition.get("scale", [1, 2, 3, 4, 5]),
        "matrix_sampling": current.matrix_sampling,
        "stem": definition.get("stem"),
        "dimensions": definition.get("dimensions", []),
        "items": [{"code": item.code, "dimension": item.dimension, "required": item.required,
                   "kind": item.kind, "vi": item.text_vi, "en": item.text_en,
                   **({"services": list(item.services)} if item.services else {})}
                  for item in current.items if with_need or item.kind != NEED],
        "services": [{"code": s.code, "vi": s.name_vi, "en": s.name_en}
                     for s in catalogue.active_services(current_session())],
        "reasons": definition.get("reasons", []),
    }


@bp.post("/responses")
@operation(_l("Upload kiosk responses"), tag="kiosk",
           description=_l("Stores a batch item by item: a bad item is refused with its error "
                          "codes and does not stop the others; ids already stored are "
                          "acknowledged as duplicates. An empty batch says the kiosk is "
                          "still there."),
           body=KioskBatch,
           replies=[ok(BatchResult, _l("What was stored, already stored or refused.")),
                    problems("batch_too_large", schema=BatchSizeProblem),
                    problems("all_rejected", schema=BatchProblem)])
@require_device
def post_responses():
    """Store a batch of kiosk responses; answers which ids were stored, known or refused."""
    items = parse_body(KioskBatch).responses
    limit = current_app.config["KIOSK_MAX_BATCH"]
    if len(items) > limit:
        raise ApiProblem("batch_too_large", _(
            "At most %(n)s responses can be sent at once. Nothing was saved.", n=limit),
            max_batch=limit)
    result = kiosks.ingest_batch(current_session(), g.device, items,
                                 min_interval=current_app.config["KIOSK_MIN_INTERVAL"])
    current_session().commit()
    try:
        count_batch(result)
    except Exception:  # stored is stored: the kiosk must hear so whatever the metrics do
        current_app.logger.exception("kiosk batch metrics failed")
    payload = result.as_dict()
    if result.rejected and not (result.accepted or result.duplicates):
        return problem("all_rejected", **payload)
    return jsonify(payload)


def count_batch(result: kiosks.BatchResult) -> None:
    """The batch in the metrics, once committed: one upload, the responses stored, and
    those of them stored as flagged (too fast), by reason."""
    metrics.kiosk_upload()
    metrics.submission_stored("kiosk", len(result.accepted))
    for reason, count in result.flagged.items():
        metrics.submission_flagged(reason, count)
