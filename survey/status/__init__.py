"""The public status page of a feedback case, found by the reference code the claimant
was given: ``/y-kien`` (a form to type the code) and ``/y-kien/<code>``.

It shows the status and the date by which a reply is due, never notes, names or the
comment itself; an unknown code is a 404. Lookups are rate-limited per client like
receipt codes (:class:`survey.services.intake.ratelimit.LookupLimiter`). While contact
details are kept, the page offers a request to see or delete them
(``POST /y-kien/<code>/du-lieu``), opened as a case of its own kind
(:mod:`survey.services.inbox.requests`) and listed on the page with its status.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import csrf, current_session
from ..forms.status import REQUEST_KINDS, DataRequestForm
from ..models import Case, CaseCategory, CaseKind, CaseStatus, utcnow
from ..services import catalogue
from ..services.inbox.openness import public_summary, published_units
from ..services.inbox import open_cases, settings_from
from ..services.inbox.codes import display_code, looks_valid, normalise_code
from ..services.errors import ServiceError
from ..services.inbox.queries import case_by_reference, contact_of
from ..services.inbox.requests import open_request, requests_of
from ..services.intake.ratelimit import LookupLimiter
from ..timeutil import format_date, local_date

bp = Blueprint("status", __name__)
#: Responses looked at for new cases when a fresh code is not found yet.
SYNC_BATCH = 2000

#: Each status as a claimant reads it.
PUBLIC_STATUS: dict[CaseStatus, Any] = {
    CaseStatus.new: _l("Received, waiting to be looked at"),
    CaseStatus.in_progress: _l("Being handled"),
    CaseStatus.replied: _l("Answered"),
    CaseStatus.closed: _l("Completed"),
    CaseStatus.no_action: _l("Looked at; no further action needed"),
}

#: The themes of the public page (the inbox's categories).
THEMES: dict[Optional[CaseCategory], Any] = {
    CaseCategory.procedure: _l("Procedure"),
    CaseCategory.attitude: _l("Staff attitude"),
    CaseCategory.waiting: _l("Waiting time"),
    CaseCategory.benefit: _l("Benefit payment"),
    CaseCategory.facilities: _l("Facilities"),
    CaseCategory.other: _l("Other"),
    None: _l("Not yet sorted"),
}

#: Each request about personal data as the claimant reads it.
REQUEST_NAMES: dict[CaseKind, Any] = {
    CaseKind.data_access: _l("Request to see your contact details"),
    CaseKind.data_erasure: _l("Request to delete your contact details"),
}


def status_limiter() -> LookupLimiter:
    """The app's limiter for status lookups, created on first use."""
    limiter = current_app.extensions.get("status_limiter")
    if limiter is None:
        config = current_app.config
        key = config["SECRET_KEY"]
        limiter = LookupLimiter(int(config.get("STATUS_RATE_LIMIT", 30)),
                                int(config.get("STATUS_RATE_WINDOW", 60)),
                                config["RATELIMIT_STORAGE"],
                                key if isinstance(key, bytes) else str(key).encode())
        current_app.extensions["status_limiter"] = limiter
    return limiter


def _lang() -> Optional[str]:
    return str(get_locale()) if request.args.get("lang") else None


@bp.after_request
def headers(response):
    response.headers.setdefault("Cache-Control", "private, max-age=60")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/y-kien")
def status_entry():
    """A form to type the reference code; a code sent with it goes to its page."""
    typed = request.args.get("ma", "")
    code = normalise_code(typed)
    if looks_valid(code):
        return redirect(url_for("status.status_page", code=code, lang=_lang()))
    return render_template("status/entry.html", typed=typed[:40], lang=_lang()), \
        400 if typed else 200


@bp.get("/y-kien/<code>")
def status_page(code: str):
    """The case's status and reply date; 404 for an unknown code, 429 when a client
    looks up too many."""
    limiter = status_limiter()
    if not limiter.hit(request.remote_addr or "unknown"):
        return render_template("status/entry.html", typed="", limited=True, lang=_lang()), \
            429, {"Retry-After": str(limiter.window), "Cache-Control": "no-store"}
    case = _find(code)
    if case is None:
        limiter.miss(request.remote_addr or "unknown")
        return render_template("status/entry.html", typed=code[:40], unknown=True,
                               lang=_lang()), 404, {"Cache-Control": "no-store"}
    return _page(case)


def _find(code: str) -> Optional[Case]:
    case = case_by_reference(current_session(), code)
    if case is None and looks_valid(normalise_code(code)):
        # A code given a moment ago: its case opens when the inbox is next read, so open
        # what is new now (idempotent, capped) rather than call a fresh code unknown.
        open_cases(current_session(), settings_from(current_app.config), batch=SYNC_BATCH,
                   rounds=1)
        current_session().commit()
        case = case_by_reference(current_session(), code)
    return case


def _page(case: Case, form: Optional[DataRequestForm] = None, http_status: int = 200,
          error: Any = None):
    session = current_session()
    requests = requests_of(session, case)
    # The request form is offered while contact details are kept and not all asked for.
    offer = contact_of(session, case) is not None and len(requests) < len(REQUEST_NAMES)
    return render_template(
        "status/page.html", case=case, code=display_code(case.reference),
        status=PUBLIC_STATUS[case.status], locale=str(get_locale()),
        received=format_date(local_date(case.received_at)),
        finished=case.status is not CaseStatus.new
        and case.status is not CaseStatus.in_progress, lang=_lang(),
        requests=[(REQUEST_NAMES[r.kind], PUBLIC_STATUS[r.status],
                   format_date(local_date(r.received_at)), r.resolve_due.strftime("%d/%m/%Y"),
                   r.status not in (CaseStatus.new, CaseStatus.in_progress))
                  for r in requests],
        form=(form or DataRequestForm(formdata=None, meta={"csrf_context": case.reference}))
        if offer else None, error=error,
        done=request.args.get("done") == "1"), http_status, {"Cache-Control": "no-store"}


@bp.post("/y-kien/<code>/du-lieu")
@csrf.exempt  # the form's own token is bound to the code and needs no cookie
def data_request(code: str):
    """A request to see or delete the contact details left with this feedback: opened
    as a case due in 2 working days; asking twice finds the first."""
    limiter = status_limiter()
    if not limiter.hit(request.remote_addr or "unknown"):
        return render_template("status/entry.html", typed="", limited=True, lang=_lang()), \
            429, {"Retry-After": str(limiter.window), "Cache-Control": "no-store"}
    case = _find(code)
    if case is None:
        limiter.miss(request.remote_addr or "unknown")
        return render_template("status/entry.html", typed=code[:40], unknown=True,
                               lang=_lang()), 404, {"Cache-Control": "no-store"}
    form = DataRequestForm(meta={"csrf_context": case.reference})
    if not form.validate():
        return _page(case, form, 400 if "csrf_token" in form.errors else 422)
    try:
        open_request(current_session(), case, CaseKind(REQUEST_KINDS[form.kind.data]),
                     settings_from(current_app.config))
    except ServiceError as exc:
        current_session().rollback()
        return _page(case, form, 422, error=exc.message)
    current_session().commit()
    return redirect(url_for("status.status_page", code=case.reference, lang=_lang(),
                            done=1), code=303)


@bp.get("/y-kien/don-vi/<unit_code>")
def unit_page(unit_code: str):
    """A unit's public page "Your feedback – what we did": 404 unless a manager
    published it. Aggregates, actions and approved quotes only."""
    session = current_session()
    unit = catalogue.unit_by_code(session, unit_code, active_only=False)
    if unit is None or not published_units(session, [unit.id]):
        return render_template("status/entry.html", typed="", lang=_lang(),
                               no_page=True), 404
    summary = public_summary(session, unit, local_date(utcnow()))
    response = current_app.make_response(render_template(
        "status/unit.html", unit=unit, summary=summary, themes=THEMES,
        since=format_date(summary.since), locale=str(get_locale()), lang=_lang()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
