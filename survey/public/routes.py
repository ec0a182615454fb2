"""Views of the claimant's phone survey. Thin: parse, call a service, render."""
from __future__ import annotations

import time
import uuid
from typing import Callable, NamedTuple, Optional

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from .. import metrics
from ..errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from ..extensions import csrf, current_session
from ..forms.survey_form import (QuickPost, body_is_utf8, build_survey_form, item_field_name,
                                 quick_accept, submission_token, tampering_errors)
from ..models import Channel, ResponseStatus
from ..services import catalogue
from ..services.catalogue import parse_version, snapshot
from ..services.catalogue.snapshot import Catalogue, QuestionnaireView, ServiceView, UnitView
from ..services.errors import ServiceError
from ..services.inbox.codes import display_code, looks_valid, normalise_code, reference_code
from ..services.inbox.openness import all_published
from ..services.intake.consent import REPLY, WORDINGS
from ..services.intake.ratelimit import SubmissionLimiter
from ..services.intake.responses import NewResponse, store_response
from ..microcache import MARK as MICROCACHE_MARK
from ..services.intake.sampling import asked_items, for_service, not_asked
from . import bp
from .pages import (cached_page, cut_mark, cut_page, fill, gzipped, gzipped_fill, join_parts,
                    page_cache, punch)


@bp.context_processor
def consent_wording() -> dict:
    """The informed wording said before the reply tick box (rendered into cached pages
    only when a page is first rendered)."""
    days = int(current_app.config.get("CONTACT_RETENTION_DAYS", 30))
    return {"consent_points": lambda: WORDINGS[REPLY].shown(days)}


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
    cat = snapshot.current(current_session)
    unit = cat.unit(unit_code)
    if unit is not None and counter_code:
        unit = cat.counter(unit, counter_code)
    if unit is None:
        abort(404)
    return survey_page(cat, unit, channel=Channel.qr, preset_service=request.args.get("svc"))


def survey_page(cat: Catalogue, unit: UnitView, channel: Channel,
                preset_service: Optional[str] = None,
                fixed_service: Optional[ServiceView] = None, receipt=None,
                on_stored: Optional[Callable[[uuid.UUID], None]] = None):
    """Render or accept the survey for ``unit``; shared with receipt-code pages.

    ``on_stored(response_id)`` runs inside the same transaction after a new response is
    inserted (the receipt flow consumes its code there) and may raise ServiceError.
    """
    if request.method == "GET":
        return _form_page(cat, unit, preset_service, fixed_service)
    post = read_post(cat, request.form, fixed_service, bool(request.files))
    questionnaire, submission_id, items, quick = (post.questionnaire, post.submission_id,
                                                  post.items, post.quick)
    locale = str(get_locale())
    page = dict(unit=unit, questionnaire=questionnaire, fixed_service=fixed_service,
                items=items, item_field_name=item_field_name)
    if post.bad:
        return render_template("errors/bad_request.html", fields=post.bad), 400
    form = None
    if quick is not None:  # the common case, checked without binding the form
        answers, service_code = quick.answers, quick.service
        comment, contact, chosen = quick.comment, None, quick.reasons
    else:
        form = _bound_form(questionnaire, cat, locale, items, submission_id, fixed_service)
        if not form.validate():
            stale = "csrf_token" in form.errors
            form.csrf_token.errors = []
            if stale:
                # A new token is rendered; answers are kept and nothing is stored.
                form.csrf_token.data = None
            status = 400 if stale else 422
            return render_template("public/survey.html", form=form, stale=stale, **page), status
        answers = form.answers(items)
        service_code = None if fixed_service else form.service.data
        contact = form.contact_details(
            locale, int(current_app.config.get("CONTACT_RETENTION_DAYS", 30)))
        comment, chosen = form.comment.data or "", list(form.reasons.data or ())
    new = claimant_response(cat, unit, questionnaire, items, channel, locale, submission_id,
                            answers, service_code, comment, contact, chosen, fixed_service,
                            receipt)
    # A receipt code is single-use proof already; other posts are counted per client and
    # per unit, and beyond either limit stored flagged (never dropped). The fast lane
    # (:mod:`.fastlane`) may have counted this post already before handing it over.
    flag = (request.environ.pop(COUNTED, None) if COUNTED in request.environ
            else None if receipt is not None
            else submission_limiter().check(request.remote_addr or "unknown", unit.id))
    try:
        save(new, flag, on_stored)
    except ServiceError as exc:
        current_session().rollback()
        current_app.logger.info("survey rejected: %s %s", exc.message, exc.errors)
        return render_template("errors/bad_request.html", fields=sorted(exc.errors),
                               message=exc.message), 422 if exc.errors else 409
    except DATABASE_UNAVAILABLE:
        # Not stored (the transaction is undone): say so, keep the answers on the page so
        # that one tap sends them again, with the same submission id (never twice).
        current_session().rollback()
        current_app.logger.warning("survey not stored: database unavailable", exc_info=True)
        if form is None:
            form = _bound_form(questionnaire, cat, locale, items, submission_id,
                               fixed_service)
        return (render_template("public/survey.html", form=form, unsent=True, **page), 503,
                {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return redirect(url_for("public.thanks", unit_code=unit.code, lang=locale,
                            ref=feedback_reference(new)), code=303)


#: Set in the WSGI environ by the fast lane when it has counted a post against the limits
#: (the flag it found, or None) and then handed the post to Flask.
COUNTED = "survey.submission_flag"


def claimant_response(cat: Catalogue, unit: UnitView, questionnaire: QuestionnaireView,
                      items: list, channel: Channel, locale: str, submission_id: str,
                      answers: dict[str, Optional[int]], service_code: Optional[str],
                      comment: str, contact, reasons: list[str],
                      fixed_service: Optional[ServiceView] = None,
                      receipt=None) -> NewResponse:
    """The response a checked post gives (shared with the fast lane)."""
    service = fixed_service or cat.service(service_code or "")
    # A coverage item answered, then another service chosen (the page hid the item but
    # the browser still sends it): not asked of this claimant, so not kept.
    dropped = not_asked(items, answers,
                        service.code if service is not None else None)
    if dropped:
        answers = {code: value for code, value in answers.items() if code not in dropped}
    return NewResponse(id=uuid.UUID(submission_id), unit=unit, questionnaire=questionnaire,
                       channel=channel, locale=locale, answers=answers, service=service,
                       comment=comment, contact=contact, reasons=reasons,
                       receipt_code=receipt)


def save(new: NewResponse, flag: Optional[str],
         on_stored: Optional[Callable[[uuid.UUID], None]] = None) -> bool:
    """Store ``new`` (flagged when ``flag``) and commit; True when stored now, False when
    it was already. Raises ServiceError or DATABASE_UNAVAILABLE after a rollback is due
    (the caller rolls back). Shared with the fast lane."""
    if flag is not None:
        new.status, new.status_reason = ResponseStatus.flagged, flag
    session = current_session()
    created = store_response(session, new)
    if created and on_stored is not None:
        on_stored(new.id)
    session.commit()
    if created:
        metrics.submission_stored(new.channel.value)
        if flag is not None:
            metrics.submission_flagged(flag)
    return created


def feedback_reference(new: NewResponse) -> Optional[str]:
    """Feedback that someone will read gets a reference code to follow it
    (/y-kien/<code>): derived from the response id, so nothing more is stored."""
    if new.comment.strip() or new.contact is not None:
        return display_code(reference_code(new.id, current_app.config["SECRET_KEY"]))
    return None


class Post(NamedTuple):
    """A claimant's post, read against the catalogue."""

    questionnaire: QuestionnaireView
    submission_id: str
    #: The items the page showed (they follow from the submission id: planned
    #: missingness, the same on every render and post of one page).
    items: list
    #: Fields a browser showing our form could not have sent (then: 400, nothing stored).
    bad: list[str]
    #: The post, when :func:`quick_accept` accepts it; None: the bound form decides.
    quick: Optional[QuickPost]


def read_post(cat: Catalogue, formdata, fixed_service: Optional[ServiceView],
              has_files: bool = False) -> Post:
    """Read a post of the form (shared with the fast lane): its version, the items it
    showed, tampering, and the quick check."""
    questionnaire = (cat.questionnaire(parse_version(formdata.get("version")))
                     or _current(cat))
    submission_id = formdata.get("submission_id", "")
    items = asked_items(questionnaire, submission_id)
    if fixed_service is not None:  # the items shown were those of its claimants
        items = for_service(items, fixed_service.code)
    # A service withdrawn while the claimant answered is not tampering: the form
    # showed it, so it is asked again (422, answers kept) rather than refused.
    bad = tampering_errors(formdata, questionnaire, items, cat.services,
                           fixed_service is not None)
    quick = None
    if not bad and not has_files:
        reasons = [r["code"] for r in questionnaire.definition.get("reasons", [])]
        quick = quick_accept(formdata, items, cat.active_services, reasons,
                             fixed_service is not None)
    return Post(questionnaire, submission_id, items, bad, quick)


def _bound_form(questionnaire: QuestionnaireView, cat: Catalogue, locale: str, items: list,
                submission_id: str, fixed_service: Optional[ServiceView]):
    """The claimant's form bound to the post, to validate it fully or show it again."""
    return build_survey_form(questionnaire, cat.active_services, locale, items, submission_id,
                             fixed_service=fixed_service is not None)


def submission_limiter() -> SubmissionLimiter:
    """The app's limiter of phone form posts, created on first use."""
    limiter = current_app.extensions.get("submission_limiter")
    if limiter is None:
        config = current_app.config
        secret = config["SECRET_KEY"]
        limiter = SubmissionLimiter(
            int(config["SUBMIT_CLIENT_LIMIT"]), int(config["SUBMIT_CLIENT_WINDOW"]),
            int(config["SUBMIT_UNIT_LIMIT"]), int(config["SUBMIT_UNIT_WINDOW"]),
            config["RATELIMIT_STORAGE"],
            secret if isinstance(secret, bytes) else str(secret).encode())
        current_app.extensions["submission_limiter"] = limiter
    return limiter


def _current(cat: Catalogue) -> QuestionnaireView:
    """The current questionnaire; none published is the same 404 as before the cache."""
    if cat.current is None:
        catalogue.current_questionnaire(current_session())  # raises NotFound
    assert cat.current is not None
    return cat.current


def _form_page(cat: Catalogue, unit: UnitView, preset_service: Optional[str],
               fixed_service: Optional[ServiceView]):
    """The blank form. Rendered once per unit, URL, language, version and catalogue with
    every item, each marked as a part (:mod:`.pages`); each claimant then gets the parts
    of the items drawn for them, a new submission id and a CSRF token."""
    questionnaire = _current(cat)
    locale = str(get_locale())
    key = form_page_key(cat, unit, request.full_path, locale, questionnaire, fixed_service)
    known = _known_service(cat, preset_service, fixed_service)
    gzip_ok = bool(request.accept_encodings["gzip"])
    kept = kept_form_page(key, questionnaire, known, gzip_ok)
    if kept is None:
        submission_id = str(uuid.uuid4())
        token = submission_token(submission_id)
        html = _render_form(cat, unit, questionnaire, list(questionnaire.items), submission_id,
                            preset_service, fixed_service, cut=cut_mark, token=token)
        punched = punch(html, {"submission_id": submission_id, "csrf_token": token})
        segments = cut_page(punched) if punched is not None else None
        if segments is None:  # cannot happen with the shipped template; never cache it
            current_app.logger.error("form page not cacheable: %s", key)
            return _render_form(cat, unit, questionnaire,
                                for_service(asked_items(questionnaire, submission_id), known),
                                submission_id, preset_service, fixed_service)
        page_cache().put(key, segments)
        kept = form_from_parts(key, segments, questionnaire, known, gzip_ok)
    body, headers = kept
    return Response(body, mimetype="text/html", headers=headers)


def form_page_key(cat: Catalogue, unit: UnitView, full_path: str, locale: str,
                  questionnaire: QuestionnaireView,
                  fixed_service: Optional[ServiceView]) -> tuple:
    """What the rendered form page depends on (``full_path``: werkzeug's, path and
    query)."""
    return ("survey", cat.stamp, unit.id, full_path, locale, questionnaire.version,
            fixed_service.id if fixed_service else None)


#: The headers of a gzipped form page (the fast lane sends the same).
GZIP_HEADERS = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}


def kept_form_page(key: tuple, questionnaire: QuestionnaireView, known: Optional[str],
                   gzip_ok: bool) -> Optional[tuple[bytes, dict[str, str]]]:
    """(body, extra headers) of the form page for a new claimant from the page kept for
    ``key``, or None when none is kept yet. Shared with the fast lane."""
    segments = page_cache().get(key)
    if segments is None:
        return None
    return form_from_parts(key, segments, questionnaire, known, gzip_ok)


def form_from_parts(key: tuple, segments: list, questionnaire: QuestionnaireView,
                    known: Optional[str], gzip_ok: bool) -> tuple[bytes, dict[str, str]]:
    """The page with the parts of the items drawn for a new submission id, the id and
    its token filled in; gzipped (``gzip_ok``) from the fixed text compressed once per
    page and items drawn (pages.GzipTemplate)."""
    submission_id = str(uuid.uuid4())
    values = {"submission_id": submission_id, "csrf_token": submission_token(submission_id)}
    shown = frozenset(item.code for item in for_service(
        asked_items(questionnaire, submission_id), known))
    template = join_parts(segments, shown)
    html = fill(template, values)
    data = html.encode("utf-8")
    if gzip_ok and len(html) >= current_app.config["COMPRESS_MIN_SIZE"]:
        body = gzipped_fill((key, shown), template, values, data,
                            int(current_app.config.get("COMPRESS_LEVEL", 6)))
        if body is not None:
            return body, GZIP_HEADERS
    return data, {}


def _known_service(cat: Catalogue, preset_service: Optional[str],
                   fixed_service: Optional[ServiceView]) -> Optional[str]:
    """The service the page is for when it is known before the form (a receipt code, or
    the ``?svc=`` of a counter's QR code): only its claimants' items are shown."""
    if fixed_service is not None:
        return fixed_service.code
    if preset_service and preset_service in {s.code for s in cat.active_services}:
        return preset_service
    return None


def _render_form(cat: Catalogue, unit: UnitView, questionnaire: QuestionnaireView,
                 items: list, submission_id: str, preset_service: Optional[str],
                 fixed_service: Optional[ServiceView], cut=None,
                 token: Optional[str] = None) -> str:
    locale = str(get_locale())
    form = build_survey_form(questionnaire, cat.active_services, locale, items,
                             submission_id, fixed_service=fixed_service is not None)
    if token is not None:  # the one the page cache will cut out
        form.csrf_token.current_token = token
    if preset_service and hasattr(form, "service") and preset_service in {
            s.code for s in cat.active_services}:
        form.service.data = preset_service
    form.lang.data = locale
    return render_template("public/survey.html", form=form, unit=unit,
                           questionnaire=questionnaire, fixed_service=fixed_service,
                           items=items, item_field_name=item_field_name, cut=cut)


@bp.get("/s/<unit_code>/thanks")
def thanks(unit_code: str):
    cat = snapshot.current(current_session)
    unit = cat.unit(unit_code, active_only=False)
    if unit is None:
        abort(404)
    ref = normalise_code(request.args.get("ref", ""))
    page_unit = _feedback_page_unit(unit)
    if ref:
        # Never cached: one page per code.
        return render_template("public/thanks.html", unit=unit, page_unit=page_unit,
                               ref=display_code(ref) if looks_valid(ref) else None,
                               ref_code=ref)
    key = ("thanks", cat.stamp, unit.id, request.full_path, str(get_locale()), page_unit)
    html = cached_page(key, {}, lambda: render_template("public/thanks.html", unit=unit,
                                                        page_unit=page_unit))
    if request.accept_encodings["gzip"] and len(html) >= current_app.config[
            "COMPRESS_MIN_SIZE"]:
        # Compressed once, not on every claimant's last request (Flask-Compress leaves a
        # response that already has a Content-Encoding alone).
        return Response(gzipped(key, html), mimetype="text/html",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding",
                                 MICROCACHE_MARK: "public.thanks"})
    return Response(html, mimetype="text/html", headers={MICROCACHE_MARK: "public.thanks"})


def _feedback_page_unit(unit: UnitView) -> Optional[str]:
    """The code of the nearest unit at or above ``unit`` that published its "what we
    did" page (one small query), or None."""
    chain: list[UnitView] = []
    node: Optional[UnitView] = unit
    while node is not None:
        chain.append(node)
        node = node.parent
    published = _published_page_units()
    return next((u.code for u in chain if u.id in published), None)


#: (when to read again, the units whose "what we did" page is published), per app.
PUBLISHED = "survey.published_feedback_pages"


def _published_page_units() -> frozenset[int]:
    """The units with a published feedback page, read at most once every
    ``CATALOGUE_CHECK_SECONDS`` per worker like the catalogue: the thank-you page is
    every claimant's last request, and would otherwise query for it each time."""
    now = time.monotonic()
    found = current_app.extensions.get(PUBLISHED)
    if found is None or now >= found[0]:
        found = (now + float(current_app.config.get("CATALOGUE_CHECK_SECONDS", 1.0)),
                 all_published(current_session()))
        current_app.extensions[PUBLISHED] = found
    return found[1]
