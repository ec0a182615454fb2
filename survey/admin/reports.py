"""/admin/reports: the quarterly and annual reports: a tracker of which units have
reported for a period, and per unit its versions: generate, download, submit, approve or
return, edit the annual narrative, the microdata for analysts.

Who may do what (:mod:`.permissions`): ``reports.read`` sees and downloads,
``reports.submit`` (managers) generates, edits and submits, ``reports.approve``
(province administrators) approves or returns, ``microdata.read`` downloads microdata.

Generating and approving are background jobs (:mod:`survey.services.reports.jobs`): the
request files the job and sends the browser to its status page, which shows the
progress without JavaScript and the result when it is done. Four eyes: whoever prepared
or submitted a version is not offered its approval and is refused it (403).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import (Flask, Response, abort, current_app, g, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import JobKind, JobStatus, ReportJob, ReportStatus, ReportVersion
from ..services import audit
from ..services.audit import Action, Actor
from ..services.errors import ServiceError
from ..services.reports import jobs, signoff
from ..services.reports.build import check_period
from ..services.reports.files import FORMATS, MIMETYPES
from ..services.reports.model import Report
from ..services.reports.progress import describe
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
BUSY = _l("A job for this report is already queued or running: here is its progress. "
          "Start another when it has finished.")


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


def _app() -> Flask:
    """The app itself (not the proxy): a job's thread keeps it."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _four_eyes() -> bool:
    return bool(current_app.config["REPORT_FOUR_EYES"])


def _refusals(versions: list[ReportVersion]) -> dict[int, Any]:
    """Version id → why the signed-in user may not approve it (four eyes), for the
    submitted versions only."""
    actor = Actor.of(signed_in_user())
    found = {}
    for version in versions:
        if version.status is ReportStatus.submitted:
            refusal = signoff.approval_refusal(current_session(), version, actor)
            if refusal is not None:
                found[version.id] = refusal
    return found


def _unit_page(period: str, status: int = 200, error: Any = None,
               forms: Optional[dict[str, Any]] = None):
    versions = _versions(period)
    recent = jobs.recent_jobs(current_session(), g.unit.id, period, limit=1)
    active = jobs.active_job(current_session(), g.unit.id, period)
    if active is not None:
        jobs.restart_if_stale(_app(), active)
    failed = recent[0] if recent and recent[0].status is JobStatus.failed else None
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
        may_microdata=_may("microdata.read"), active=active, failed=failed,
        refusals=_refusals(versions) if _may("reports.approve") else {},
        four_eyes=_four_eyes(),
        active_step=describe(active.step, active.step_detail) if active else None,
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
        check_period(form.period.data)
    except ServiceError as exc:
        return _unit_page(form.period.data, 422, exc.message)
    return _queue(form.period.data, JobKind.generate)


def _queue(period: str, kind: JobKind, version: Optional[int] = None):
    """File the job (or find the one running), start it, show its status page."""
    job, new = jobs.enqueue(current_session(), g.unit, period, kind,
                            Actor.of(signed_in_user()), version)
    current_session().commit()
    if new:
        jobs.start(_app(), job.id)
    return redirect(url_for("admin.reports_job", unit_code=g.unit.code, job_id=job.id,
                            busy=None if new else 1, lang=request.args.get("lang")), code=303)


@bp.get("/reports/<unit_code>/jobs/<int:job_id>")
@requires("reports.read", unit="unit_code")
def reports_job(unit_code: str, job_id: int):
    # Fresh from the database: other sessions (the job's runner) change it.
    job = current_session().get(ReportJob, job_id, populate_existing=True)
    if job is None or job.unit_id != g.unit.id:
        abort(404)
    if jobs.restart_if_stale(_app(), job):
        current_session().refresh(job)
    auto = request.args.get("auto") == "1" and job.status in jobs.ACTIVE
    step = describe(job.step, job.step_detail)
    return render_template(
        "admin/report_job.html", unit=g.unit, job=job, Status=JobStatus, Kind=JobKind,
        step=step, auto=auto, busy=request.args.get("busy") == "1",
        done=DONE.get(job.outcome or "") if job.status is JobStatus.done else None,
        formats=FORMATS, refresh_seconds=5, locale=str(get_locale()))


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
    """Checked here (a clear 409 or 403 at once), then frozen by a job (the files take
    time); the job checks again."""
    form = VersionForm()
    if not form.validate():
        return _step(form, lambda v: None, "approved")  # answers the 422
    version = _version(form)
    if version is None:
        abort(404)
    if version.status is not ReportStatus.submitted:
        return _unit_page(form.period.data, 409, _l(
            "This report is %(status)s: it cannot become %(to)s.",
            status=signoff.STATUS_NAMES[version.status],
            to=signoff.STATUS_NAMES[ReportStatus.approved]))
    refusal = signoff.approval_refusal(current_session(), version, Actor.of(signed_in_user()))
    if refusal is not None and _four_eyes():
        return _unit_page(form.period.data, 403, refusal)
    return _queue(form.period.data, JobKind.approve, version.number)


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
