"""/admin/reports: the quarterly and annual reports: a tracker of which units have
reported for a period, and per unit its versions: generate, download, submit, approve or
return, edit the annual narrative, the microdata for analysts.

Who may do what (:mod:`.permissions`): ``reports.read`` sees and downloads,
``reports.submit`` (managers) generates, edits and submits, ``reports.approve``
(province administrators) approves or returns, ``microdata.read`` downloads microdata.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import (Response, abort, current_app, g, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import ReportStatus, ReportVersion
from ..services import audit
from ..services.audit import Action, Actor
from ..services.errors import ServiceError
from ..services.reporting.index import configured
from ..services.reports import signoff
from ..services.reports.files import FORMATS, MIMETYPES
from ..services.reports.model import Report
from . import bp
from .permissions import requires, scope_for, signed_in_user
from .report_forms import (PERIOD_MESSAGE, NarrativeForm, PeriodForm, ReturnForm,
                           VersionForm)

DONE = {
    "created": _l("A new version of the report was made."),
    "updated": _l("The draft now shows the current figures; the changes are in its change "
                  "log."),
    "unchanged": _l("The figures have not changed: the version stays as it was."),
    "submitted": _l("The report was submitted for approval."),
    "approved": _l("The report was approved: its files are frozen."),
    "returned": _l("The report was returned for correction."),
    "narrative": _l("The narrative was saved."),
}


def current_period() -> str:
    return signoff.current_quarter()


def _period() -> str:
    form = PeriodForm(request.args, meta={"csrf": False})
    return form.period.data if form.validate() else current_period()


def _may(permission: str) -> bool:
    unit = g.get("unit")
    return unit is not None and unit.id in scope_for(permission)


@bp.get("/reports", endpoint="reports")
@requires("reports.read")
def reports_page():
    period = _period()
    form = PeriodForm(request.args if request.args.get("period") else None,
                      meta={"csrf": False})
    status = 200
    if request.args.get("period") and not form.validate():
        status = 422
    days, due = signoff.days_to_deadline()
    rows = signoff.tracker(current_session(), period, g.scope)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return render_template("admin/reports.html", form=form, period=period, rows=rows,
                           counts=counts, days=days, due=due,
                           locale=str(get_locale())), status


def _versions(period: str) -> list[ReportVersion]:
    return signoff.versions_of(current_session(), [g.unit.id], period)


def _unit_page(period: str, status: int = 200, error: Any = None,
               forms: Optional[dict[str, Any]] = None):
    versions = _versions(period)
    reports = {v.id: Report.from_json(v.figures) for v in versions}
    days, due = signoff.days_to_deadline()
    forms = forms or {}
    newest = versions[0] if versions else None
    narrative = forms.get("narrative") or NarrativeForm(formdata=None, data={
        "period": period, "version": newest.number if newest else None,
        "text": "\n\n".join(reports[newest.id].narrative) if newest else ""})
    return render_template(
        "admin/report_unit.html", unit=g.unit, period=period, versions=versions,
        reports=reports, newest=newest, formats=FORMATS, error=error,
        done=DONE.get(request.args.get("done", "")), days=days, due=due,
        statuses=signoff.STATUS_NAMES, Status=ReportStatus,
        may_submit=_may("reports.submit"), may_approve=_may("reports.approve"),
        may_microdata=_may("microdata.read"),
        return_form=forms.get("return") or ReturnForm(formdata=None, data={"period": period}),
        narrative_form=narrative, locale=str(get_locale())), status


@bp.get("/reports/<unit_code>", endpoint="reports_unit")
@requires("reports.read", unit="unit_code")
def reports_unit(unit_code: str):
    period = _period()
    if request.args.get("period") and period != request.args["period"].strip().upper():
        return _unit_page(period, 422, PERIOD_MESSAGE)
    if request.args.get("format") is None:
        return _unit_page(period)
    fmt, number = request.args.get("format", ""), request.args.get("version", "")
    if fmt not in FORMATS or not number.isdigit():
        return _unit_page(period, 400, _l("Choose a version and the format xlsx, csv or pdf."))
    version = next((v for v in _versions(period) if v.number == int(number)), None)
    if version is None:
        abort(404)
    try:
        name, content = signoff.export(current_session(), version, fmt,
                                       Actor.of(signed_in_user()),
                                       current_app.config.get("REPORT_RECEIVER", ""))
    except ServiceError as exc:
        current_session().rollback()
        return _unit_page(period, 503 if fmt == "pdf" else 422, exc.message)
    current_session().commit()
    return Response(content, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


def _back(period: str, done: str):
    return redirect(url_for("admin.reports_unit", unit_code=g.unit.code, period=period,
                            done=done, lang=request.args.get("lang")), code=303)


@bp.post("/reports/<unit_code>/generate")
@requires("reports.submit", unit="unit_code")
def reports_generate(unit_code: str):
    form = PeriodForm()
    if not form.validate():
        return _unit_page(current_period(), 422, form.period.errors[0])
    try:
        made = signoff.generate(current_session(), g.unit.code, form.period.data,
                                Actor.of(signed_in_user()), configured(current_app.config))
    except ServiceError as exc:
        current_session().rollback()
        return _unit_page(form.period.data, 422, exc.message)
    current_session().commit()
    return _back(form.period.data, made.outcome)


def _version(form: VersionForm) -> Optional[ReportVersion]:
    return next((v for v in _versions(form.period.data) if v.number == form.version.data), None)


def _step(form: VersionForm, do, done: str, key: Optional[str] = None):
    if not form.validate():
        errors = [e for f in form for e in f.errors]
        period = form.period.data if not form.period.errors else current_period()
        return _unit_page(period, 422, errors[0] if errors else None,
                          {key: form} if key else None)
    version = _version(form)
    if version is None:
        abort(404)
    try:
        do(version)
    except ServiceError as exc:
        current_session().rollback()
        return _unit_page(form.period.data, 409, exc.message, {key: form} if key else None)
    current_session().commit()
    return _back(form.period.data, done)


@bp.post("/reports/<unit_code>/submit")
@requires("reports.submit", unit="unit_code")
def reports_submit(unit_code: str):
    actor = Actor.of(signed_in_user())
    return _step(VersionForm(), lambda v: signoff.submit(current_session(), v, actor),
                 "submitted")


@bp.post("/reports/<unit_code>/approve")
@requires("reports.approve", unit="unit_code")
def reports_approve(unit_code: str):
    actor = Actor.of(signed_in_user())
    return _step(VersionForm(), lambda v: signoff.approve(current_session(), v, actor),
                 "approved")


@bp.post("/reports/<unit_code>/return")
@requires("reports.approve", unit="unit_code")
def reports_return(unit_code: str):
    form, actor = ReturnForm(), Actor.of(signed_in_user())
    return _step(form, lambda v: signoff.return_for_correction(
        current_session(), v, actor, form.reason.data or ""), "returned", "return")


@bp.post("/reports/<unit_code>/narrative")
@requires("reports.submit", unit="unit_code")
def reports_narrative(unit_code: str):
    form, actor = NarrativeForm(), Actor.of(signed_in_user())
    return _step(form, lambda v: signoff.edit_narrative(
        current_session(), v, form.text.data or "", actor), "narrative", "narrative")


@bp.get("/reports/<unit_code>/microdata")
@requires("microdata.read", unit="unit_code")
def reports_microdata(unit_code: str):
    from ..services.reports.microdata import microdata_zip

    period = _period()
    if request.args.get("period") and period != request.args["period"].strip().upper():
        return _unit_page(period, 422, PERIOD_MESSAGE)
    try:
        content = microdata_zip(current_session(), g.unit.code, period)
    except ServiceError as exc:
        return _unit_page(current_period(), 422, exc.message)
    audit.record(current_session(), Action.MICRODATA_EXPORTED, Actor.of(signed_in_user()),
                 object_type="unit", object_id=g.unit.id, unit_id=g.unit.id,
                 detail={"unit": g.unit.code, "period": period, "bytes": len(content),
                         "sha256": __import__("hashlib").sha256(content).hexdigest()})
    current_session().commit()
    name = f"BHTN_HaiLong_{g.unit.code}_{period}_microdata.zip"
    return Response(content, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
