"""Views of the claimant's phone survey. Thin: parse, call a service, render."""
from __future__ import annotations

import uuid
from typing import Optional

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from ..extensions import csrf, current_session
from ..forms.survey_form import body_is_utf8, build_survey_form, item_field_name, tampering_errors
from ..models import Channel, Service, Unit
from ..services import catalogue
from ..services.errors import ServiceError
from ..services.intake.responses import NewResponse, submit_response
from ..services.intake.sampling import asked_items
from . import bp


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@bp.before_request
def refuse_bad_bodies():
    """Public pages take HTML form posts only; check the raw body before anything parses
    it (the form parser silently keeps bytes that are not UTF-8)."""
    if request.method != "POST":
        return None
    if request.mimetype not in FORM_TYPES:
        return render_template("errors/bad_request.html", fields=["content-type"]), 415
    if request.mimetype == FORM_TYPES[0] and not body_is_utf8(request.get_data(cache=True)):
        return render_template("errors/bad_request.html", fields=["encoding"]), 400
    return None


@bp.get("/")
def home():
    return render_template("public/home.html", points=catalogue.service_points(current_session()),
                           locale=str(get_locale()))


@bp.route("/s/<unit_code>", methods=["GET", "POST"])
@bp.route("/s/<unit_code>/<counter_code>", methods=["GET", "POST"])
@csrf.exempt  # the form validates its own token so that a stale one keeps the answers
def survey(unit_code: str, counter_code: Optional[str] = None):
    unit = catalogue.unit_by_code(current_session(), unit_code)
    if unit is not None and counter_code:
        unit = catalogue.resolve_counter(current_session(), unit, counter_code)
    if unit is None:
        abort(404)
    preset = request.args.get("svc")
    return survey_page(unit, channel=Channel.qr, preset_service=preset)


def survey_page(unit: Unit, channel: Channel, preset_service: Optional[str] = None,
                fixed_service: Optional[Service] = None, receipt=None,
                on_stored=None):
    """Render or accept the survey for ``unit``; shared with receipt-code pages.

    ``on_stored(response)`` runs inside the same transaction after a new response is
    flushed (the receipt flow consumes its code there) and may raise ServiceError.
    """
    questionnaire = (catalogue.current_questionnaire(current_session()) if request.method == "GET" else
                     catalogue.answered_questionnaire(current_session(), request.form.get("version")))
    services = catalogue.active_services(current_session())
    locale = str(get_locale())
    # The items asked follow from the submission id (planned missingness): the same on
    # every render and post of one page.
    submission_id = (str(uuid.uuid4()) if request.method == "GET"
                     else request.form.get("submission_id", ""))
    items = asked_items(questionnaire, submission_id)
    page = dict(unit=unit, questionnaire=questionnaire, fixed_service=fixed_service,
                items=items, item_field_name=item_field_name)
    if request.method == "POST":
        # A service withdrawn while the claimant answered is not tampering: the form
        # showed it, so it is asked again (422, answers kept) rather than refused.
        bad = tampering_errors(request.form, questionnaire, items,
                               catalogue.all_services(current_session()),
                               fixed_service is not None)
        if bad:
            return render_template("errors/bad_request.html", fields=bad), 400
    form = build_survey_form(questionnaire, services, locale, items, submission_id,
                             fixed_service=fixed_service is not None)
    if request.method == "GET":
        if preset_service and hasattr(form, "service") and preset_service in {
                s.code for s in services}:
            form.service.data = preset_service
        form.lang.data = locale
        return render_template("public/survey.html", form=form, **page)
    if not form.validate():
        stale = "csrf_token" in form.errors
        form.csrf_token.errors = []
        if stale:
            # A new token is rendered; answers are kept and nothing is stored.
            form.csrf_token.data = None
        status = 400 if stale else 422
        return render_template("public/survey.html", form=form, stale=stale, **page), status
    service = fixed_service or catalogue.service_by_code(current_session(), form.service.data)
    new = NewResponse(id=uuid.UUID(form.submission_id.data), unit=unit,
                      questionnaire=questionnaire, channel=channel, locale=locale,
                      answers=form.answers(items), service=service,
                      comment=form.comment.data or "", contact=form.contact_details(),
                      reasons=form.reasons.data or (), receipt_code=receipt)
    try:
        response, created = submit_response(current_session(), new)
        if created and on_stored is not None:
            on_stored(response)
    except ServiceError as exc:
        current_session().rollback()
        current_app.logger.info("survey rejected: %s %s", exc.message, exc.errors)
        return render_template("errors/bad_request.html", fields=sorted(exc.errors),
                               message=exc.message), 422 if exc.errors else 409
    current_session().commit()
    return redirect(url_for("public.thanks", unit_code=unit.code, lang=locale), code=303)


@bp.get("/s/<unit_code>/thanks")
def thanks(unit_code: str):
    unit = catalogue.unit_by_code(current_session(), unit_code, active_only=False)
    if unit is None:
        abort(404)
    return render_template("public/thanks.html", unit=unit)
