"""/admin/quality: the data-quality view. Responses flagged as suspect (too fast, over a
rate limit, a burst) per unit and reason, and the newest of them, each of which a
manager may restore to the index (written to the audit log)."""
from __future__ import annotations

from typing import Any, Sequence

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import Unit, utcnow
from ..services import audit
from ..services.audit import Action, Actor
from ..services.errors import NotFound
from ..services.quality import REASONS, review
from ..services.reporting.periods import parse_period
from ..timeutil import local_date
from . import bp
from .data_forms import QualityFilterForm, RestoreForm
from .permissions import requires, signed_in_user

CHANNELS: dict[str, Any] = {"qr": _l("Phone (QR code)"), "receipt": _l("Phone (receipt code)"),
                            "kiosk": _l("Kiosk"), "web": _l("Web")}


def _filter_form() -> QualityFilterForm:
    args = request.args.to_dict()
    args.setdefault("period", str(local_date(utcnow()).year))
    form = QualityFilterForm(data=args)
    form.reason.choices = [("", str(_l("All reasons")))] + [
        (code, str(label)) for code, label in REASONS.items()]
    return form


@bp.get("/quality", endpoint="quality")
@requires("quality.review")
def quality_page():
    return _page(_filter_form())


def _page(form: QualityFilterForm, status: int = 200, errors: Sequence[Any] = ()):
    if not form.validate():
        return render_template("admin/quality.html", form=form, figures=None), 400
    period = parse_period((form.period.data or "").strip())
    figures = review.summary(current_session(), period, g.scope, form.reason.data or None)
    units = {unit.id: unit for unit in current_session().query(Unit).filter(
        Unit.id.in_({unit_id for unit_id, _reason in figures.flagged}
                    | {row.unit_id for row in figures.rows}))}
    return render_template("admin/quality.html", form=form, figures=figures, units=units,
                           reasons=REASONS, channels=CHANNELS, locale=str(get_locale()),
                           restored=request.args.get("restored"), errors=errors), status


@bp.post("/quality/restore")
@requires("quality.review")
def quality_restore():
    form = RestoreForm()
    if not form.validate():
        return _page(_filter_form(), 422, form.id.errors)
    try:
        response, reason = review.restore(current_session(), form.response_id(), g.scope)
    except NotFound:
        current_session().rollback()
        abort(404)  # not flagged, or outside the user's units: nothing revealed
    audit.record(current_session(), Action.RESPONSE_RESTORED, Actor.of(signed_in_user()),
                 object_type="response", object_id=str(response.id), unit_id=response.unit_id,
                 detail={"reason": reason})
    current_session().commit()
    return redirect(url_for("admin.quality", lang=request.args.get("lang"),
                            period=request.args.get("period"), restored=str(response.id)),
                    code=303)
