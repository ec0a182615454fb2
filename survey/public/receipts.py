"""``/r/<code>``: the survey bound to one single-use receipt code.

Lookups are rate-limited per client, counted under a keyed hash of the address for
the length of the window (see :mod:`survey.services.intake.ratelimit`); the address itself is
never stored.
"""
from __future__ import annotations

import uuid
from typing import Optional

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, current_session
from ..models import Channel, ReceiptCode, Response
from ..services.catalogue import snapshot
from ..services.intake import receipts
from ..services.intake.ratelimit import LookupLimiter
from ..timeutil import local_date
from . import bp
from .routes import survey_page

#: Misses within the window from one client after which each further miss is logged.
MISS_LOG_THRESHOLD = 5


def receipt_limiter() -> LookupLimiter:
    """The app's limiter for ``/r/`` lookups, created on first use."""
    limiter = current_app.extensions.get("receipt_limiter")
    if limiter is None:
        config = current_app.config
        limiter = LookupLimiter(int(config["RECEIPT_RATE_LIMIT"]),
                                int(config["RECEIPT_RATE_WINDOW"]),
                                config["RATELIMIT_STORAGE"], _secret(config["SECRET_KEY"]))
        current_app.extensions["receipt_limiter"] = limiter
    return limiter


def _secret(key) -> bytes:
    return key if isinstance(key, bytes) else str(key).encode()


def _client_key() -> str:
    return request.remote_addr or "unknown"


def _lang() -> Optional[str]:
    """The language the claimant chose on the way here (``?lang=`` or the form's), kept
    on the next page's address; ``None`` when none was chosen."""
    asked = request.args.get("lang")
    if not asked and request.method == "POST":
        try:
            asked = request.form.get("lang")
        except HTTPException:  # a body over the size limit: its own error page follows
            asked = None
    return str(get_locale()) if asked else None


def _state_page(state: str, receipt: Optional[ReceiptCode], status: int):
    unit = receipt.unit if receipt is not None and receipt.unit.active else None
    return render_template("receipts/state.html", state=state, receipt=receipt,
                           unit=unit, local_date=local_date, lang=_lang()), status


def _miss(code: str):
    count = receipt_limiter().miss(_client_key())
    if count >= MISS_LOG_THRESHOLD:
        # Logged without the address: the count alone shows guessing is going on.
        current_app.logger.warning("receipt code lookups: %d misses from one client within "
                                   "the window (last %r)", count, code[:16])
    return _state_page("unknown", None, 404)


def _already_answered(receipt: ReceiptCode) -> bool:
    """True when this POST repeats the submission that used the code (a double tap)."""
    try:
        submission = uuid.UUID(request.form.get("submission_id", ""))
    except ValueError:
        return False
    response = current_session().get(Response, submission)
    return response is not None and response.receipt_code_id == receipt.id


@bp.get("/r")
@bp.get("/r/")
def receipt_entry():
    """A small form for typing the code from a receipt by hand."""
    typed = request.args.get("code", "")
    code = receipts.normalize_code(typed)
    if code:
        return redirect(url_for("public.receipt", code=code, lang=_lang()))
    return render_template("receipts/entry.html", typed=typed, lang=_lang()), \
        400 if typed else 200


@bp.route("/r/<code>", methods=["GET", "POST"])
@csrf.exempt  # the survey form validates its own token (see survey_page)
def receipt(code: str):
    if not receipt_limiter().hit(_client_key()):
        retry = str(int(receipt_limiter().window))
        return render_template("receipts/state.html", state="limited", receipt=None,
                               unit=None, lang=_lang()), 429, {"Retry-After": retry}
    found = receipts.find_code(current_session(), code)
    if found is None:
        return _miss(code)
    if not found.unit.active:
        return _state_page("closed", found, 410)
    state = receipts.code_state(found)
    if state is not receipts.CodeState.valid:
        if request.method == "POST" and _already_answered(found):
            return redirect(url_for("public.thanks", unit_code=found.unit.code, lang=_lang()),
                            code=303)
        return _state_page(state.value, found, 410)
    return _answer(found)


def _answer(found: ReceiptCode):
    """Run the shared survey page; the first valid submission consumes the code."""
    def consume(_response_id) -> None:
        receipts.consume(current_session(), found)

    try:
        cat = snapshot.current(current_session)
        service = next(s for s in cat.services if s.id == found.service_id)
        return survey_page(cat, cat.units_by_id[found.unit_id], channel=Channel.receipt,
                           fixed_service=service, receipt=found, on_stored=consume)
    except (receipts.CodeAlreadyUsed, IntegrityError):
        # Another submission with this code won (the unique link or the UPDATE said so).
        current_session().rollback()
        current_app.logger.info("receipt code: concurrent submission lost")
        stored = current_session().get(ReceiptCode, found.id)
        assert stored is not None  # codes are never deleted
        state = receipts.code_state(stored)
        return _state_page("used" if state is receipts.CodeState.valid else state.value,
                           stored, 410)
