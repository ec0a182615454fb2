"""Report versions and their sign-off: nháp → đã gửi → đã duyệt, or trả lại sửa.

- :func:`generate` builds the figures; a draft (or returned) version takes them in
  place, with the changed cells added to its change log; after approval, new figures
  make a new version (v2 …) whose change log lists every cell that changed. Nothing
  changes silently and a submitted version cannot be regenerated.
- :func:`approve` freezes a version: its files are stored with their SHA-256. Four eyes:
  whoever generated its figures, edited its narrative or submitted it may not approve it
  (:func:`approval_refusal`), unless the rule is switched off (a one-person centre), when
  the approval is marked self-approved ("tự duyệt") in the version, its files and the
  audit log. Returning a version for correction is open to its preparer: it certifies
  nothing, it only sends the report back.
- :func:`export` gives a version's file and logs who took it, when, with what
  parameters and its SHA-256.
Each step writes the audit log in the caller's transaction (the caller commits).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any, Iterable, Mapping, Optional, Sequence

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import (AuditEvent, ReportFile, ReportStatus, ReportVersion, Unit, UnitKind,
                       utcnow)
from ...timeutil import local_date, local_tz
from .. import audit
from ..accounts.scope import Scope
from ..audit import Action, Actor
from ..errors import NotFound, ServiceError
from ..transactions import begin_write
from . import files
from .build import ReportQuery, build_report
from .model import Header, Report, changes
from .progress import Progress, nothing, scaled

STATUS_NAMES = {ReportStatus.draft: _l("draft"), ReportStatus.submitted: _l("submitted"),
                ReportStatus.approved: _l("approved"),
                ReportStatus.returned: _l("returned for correction")}
#: The tracker's state of a unit with no version for the period.
NOT_REPORTED = "not_reported"
NOT_REPORTED_NAME = _l("not reported")
#: The tracker's state of a version approved by one of its preparers (four eyes off).
SELF_APPROVED_NAME = _l("approved (self-approved)")
#: The annual report is due before 15 December (the provincial plan).
DEADLINE_DAY = (12, 15)
NARRATIVE_MAX = 4000


def software_version() -> str:
    try:
        return metadata.version("bhtn-survey")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return "0.1.0"


def latest(session: Session, unit_id: int, period: str) -> Optional[ReportVersion]:
    return session.scalar(sa.select(ReportVersion).where(
        ReportVersion.unit_id == unit_id, ReportVersion.period == period)
        .order_by(ReportVersion.number.desc()).limit(1))


def versions_of(session: Session, unit_ids: Iterable[int], period: str) -> list[ReportVersion]:
    return list(session.scalars(sa.select(ReportVersion).where(
        ReportVersion.unit_id.in_(list(unit_ids)), ReportVersion.period == period)
        .order_by(ReportVersion.unit_id, ReportVersion.number.desc())))


class FourEyesError(ServiceError):
    """The approver prepared or submitted the version (separation of duties)."""


@dataclass(frozen=True)
class Generated:
    version: ReportVersion
    #: "created" (a new version), "updated" (a draft's figures changed), "unchanged".
    outcome: str


def generate(session: Session, unit: str, period: str, actor: Actor,
             options: Mapping[str, Any], progress: Optional[Progress] = None) -> Generated:
    """Build the report and file it as described in the module's docstring. The figures
    are read first (long, no lock held), then everything is written at once."""
    tell = progress or nothing
    report = build_report(session, ReportQuery(period, unit, options), scaled(tell, 0, 95))
    tell(96, "saving", "")
    begin_write(session)  # SQLite: the version number read below stays ours until commit
    unit_row = session.scalar(sa.select(Unit).where(Unit.code == report.unit))
    if unit_row is None:  # build_report checked it
        raise NotFound(_l("Unknown unit code %(code)s.", code=repr(unit)))
    current = latest(session, unit_row.id, report.period)
    if current is not None and current.status is ReportStatus.submitted:
        raise ServiceError(_l("Version %(n)s of this report has been submitted: it can be "
                              "regenerated only after it is approved or returned.",
                              n=current.number))
    old = Report.from_json(current.figures) if current is not None else None
    if old is not None and old.narrative_edited:
        report.narrative, report.narrative_edited = old.narrative, True
    sha = report.figures_sha256()
    now = utcnow()
    if current is not None and current.figures_sha256 == sha:
        outcome = "unchanged"
        version = current
    elif current is None or current.status is ReportStatus.approved:
        version = ReportVersion(unit_id=unit_row.id, period=report.period,
                                number=(current.number + 1) if current else 1,
                                status=ReportStatus.draft, figures=report.to_json(),
                                figures_sha256=sha, change_log=changes(old, report)[:2000],
                                created_at=now, updated_at=now, prepared_by=actor.label,
                                prepared_by_id=actor.user_id)
        session.add(version)
        outcome = "created"
    else:
        version = current
        version.change_log = list(version.change_log or []) + changes(old, report)[:2000]
        version.figures, version.figures_sha256 = report.to_json(), sha
        version.status, version.updated_at, version.prepared_by = (
            ReportStatus.draft, now, actor.label)
        version.prepared_by_id = actor.user_id
        outcome = "updated"
    session.flush()
    audit.record(session, Action.REPORT_GENERATED, actor, object_type="report",
                 object_id=version.id, unit_id=unit_row.id,
                 detail={"unit": report.unit, "period": report.period,
                         "version": version.number, "outcome": outcome, "sha256": sha})
    return Generated(version, outcome)


def _move(session: Session, version: ReportVersion, allowed: Sequence[ReportStatus],
          to: ReportStatus, actor: Actor, action: str, **detail: Any) -> None:
    if version.status not in allowed:
        with force_locale("vi"):
            raise ServiceError(_l("This report is %(status)s: it cannot become %(to)s.",
                                  status=STATUS_NAMES[version.status], to=STATUS_NAMES[to]))
    version.status, version.updated_at = to, utcnow()
    audit.record(session, action, actor, object_type="report", object_id=version.id,
                 unit_id=version.unit_id, detail={"period": version.period,
                                                  "version": version.number, **detail})


def submit(session: Session, version: ReportVersion, actor: Actor) -> None:
    """nháp / trả lại sửa → đã gửi."""
    _move(session, version, (ReportStatus.draft, ReportStatus.returned),
          ReportStatus.submitted, actor, Action.REPORT_SUBMITTED)
    version.submitted_at, version.submitted_by = utcnow(), actor.label
    version.submitted_by_id = actor.user_id


def return_for_correction(session: Session, version: ReportVersion, actor: Actor,
                          reason: str) -> None:
    """đã gửi → trả lại sửa, with the approver's reason."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ServiceError(_l("Say in at most 500 characters what must be corrected."))
    _move(session, version, (ReportStatus.submitted,), ReportStatus.returned, actor,
          Action.REPORT_RETURNED)
    version.returned_at, version.return_reason = utcnow(), reason


def preparers(session: Session, version: ReportVersion) -> set[int]:
    """Ids of the users who generated figures into ``version``, edited its narrative or
    submitted it (from the version and the audit log, which every such step writes in
    its own transaction)."""
    found = {i for i in (version.prepared_by_id, version.submitted_by_id) if i is not None}
    events = session.execute(sa.select(AuditEvent.actor_user_id, AuditEvent.action,
                                       AuditEvent.detail).where(
        AuditEvent.object_type == "report", AuditEvent.object_id == str(version.id),
        AuditEvent.action.in_([Action.REPORT_GENERATED, Action.REPORT_NARRATIVE,
                               Action.REPORT_SUBMITTED]),
        AuditEvent.actor_user_id.is_not(None)))
    for user_id, action, detail in events:
        # Regenerating with the same figures changes nothing: not a preparer for that.
        if action != Action.REPORT_GENERATED or (detail or {}).get("outcome") != "unchanged":
            found.add(user_id)
    return found


def approval_refusal(session: Session, version: ReportVersion, actor: Actor) -> Optional[Any]:
    """Why ``actor`` may not approve ``version`` under the four-eyes rule, or None."""
    if actor.user_id is None:
        return _l("An approval needs a signed-in person other than the one who prepared "
                  "the report; the command line cannot approve.")
    if actor.user_id in preparers(session, version):
        return _l("You prepared or submitted this version: another person with the right "
                  "to approve must approve it (four-eyes rule).")
    return None


def approve(session: Session, version: ReportVersion, actor: Actor, *, four_eyes: bool = True,
            progress: Optional[Progress] = None) -> None:
    """đã gửi → đã duyệt: the version is frozen and its files stored with SHA-256.

    With ``four_eyes`` (``SURVEY_REPORT_FOUR_EYES``, the default) a preparer or submitter
    is refused (:class:`FourEyesError`); without it their approval is marked
    self-approved. The files are made first (long, nothing written), then the version
    changes at once."""
    tell = progress or nothing
    if version.status is not ReportStatus.submitted:
        _move(session, version, (ReportStatus.submitted,), ReportStatus.approved, actor,
              Action.REPORT_APPROVED)  # raises: says what the version is
    refusal = approval_refusal(session, version, actor)
    if refusal is not None and four_eyes:
        with force_locale("vi"):
            raise FourEyesError(str(refusal))
    now, self_approved = utcnow(), refusal is not None
    with force_locale("vi"):
        header = replace(header_of(version), status=str(STATUS_NAMES[ReportStatus.approved]),
                         approved_by=_approver(actor.label, self_approved),
                         approved_on=_local(now))
    report, made = Report.from_json(version.figures), []
    for done, fmt in enumerate(files.FORMATS):
        tell(5 + 30 * done, fmt, "")
        try:
            content = files.render(report, header, fmt)
        except ServiceError:
            if fmt == "pdf":  # no PDF engine here: the XLSX and CSV are frozen still
                continue
            raise
        made.append(ReportFile(format=fmt, name=files.name_of(report, version.number, fmt),
                               sha256=files.sha256(content), content=content))
    tell(95, "freezing", "")
    begin_write(session)
    _move(session, version, (ReportStatus.submitted,), ReportStatus.approved, actor,
          Action.REPORT_APPROVED, self_approved=self_approved)
    version.approved_at, version.approved_by, version.approved_by_id = (
        now, actor.label, actor.user_id)
    version.updated_at, version.self_approved = now, self_approved
    version.files.extend(made)
    session.flush()


def _approver(label: str, self_approved: bool) -> str:
    with force_locale("vi"):
        return _("%(who)s (self-approved)", who=label) if self_approved else label


def edit_narrative(session: Session, version: ReportVersion, text: str, actor: Actor) -> None:
    """Replace the annual narrative (paragraphs separated by blank lines) of a draft."""
    if version.status not in (ReportStatus.draft, ReportStatus.returned):
        raise ServiceError(_l("The narrative can be edited only before the report is "
                              "submitted."))
    report = Report.from_json(version.figures)
    if not report.annual:
        raise ServiceError(_l("Only the annual report has a narrative."))
    text = (text or "").replace("\r\n", "\n").strip()
    if not text or len(text) > NARRATIVE_MAX:
        raise ServiceError(_l("Write the narrative in 1 to %(max)s characters.",
                              max=NARRATIVE_MAX))
    report.narrative = [p.strip() for p in text.split("\n\n") if p.strip()]
    report.narrative_edited = True
    version.figures = report.to_json()  # the narrative is no data sheet: same SHA-256
    version.updated_at = utcnow()
    audit.record(session, Action.REPORT_NARRATIVE, actor, object_type="report",
                 object_id=version.id, unit_id=version.unit_id,
                 detail={"period": version.period, "version": version.number})


def _local(moment: Optional[dt.datetime]) -> str:
    return moment.astimezone(local_tz()).strftime("%d/%m/%Y %H:%M") if moment else ""


def header_of(version: ReportVersion, receiver: str = "") -> Header:
    with force_locale("vi"):
        return Header(version=version.number, status=str(STATUS_NAMES[version.status]),
                      receiver=receiver or _("Department of Home Affairs of the province; "
                                             "Ministry of Home Affairs"),
                      prepared_by=version.prepared_by or "",
                      approved_by=_approver(version.approved_by, version.self_approved)
                      if version.approved_by else "",
                      sent_on=_local(version.submitted_at),
                      approved_on=_local(version.approved_at), software=software_version())


def export(session: Session, version: ReportVersion, fmt: str, actor: Actor,
           receiver: str = "") -> tuple[str, bytes]:
    """(file name, bytes) of a version in ``fmt``: the frozen file of an approved
    version, otherwise made from the stored figures. Logged in the audit log."""
    if fmt not in files.FORMATS:
        raise ServiceError(_l("Choose the format xlsx, csv or pdf."))
    report = Report.from_json(version.figures)
    stored = next((f for f in version.files if f.format == fmt), None)
    if stored is not None:
        name, content = stored.name, stored.content
    else:
        content = files.render(report, header_of(version, receiver), fmt)
        name = files.name_of(report, version.number, fmt)
    audit.record(session, Action.REPORT_EXPORTED, actor, object_type="report",
                 object_id=version.id, unit_id=version.unit_id,
                 detail={"unit": report.unit, "period": report.period, "format": fmt,
                         "version": version.number, "frozen": stored is not None,
                         "sha256": files.sha256(content)})
    return name, content


@dataclass(frozen=True)
class TrackerRow:
    unit: Unit
    state: str
    label: Any
    version: Optional[ReportVersion]


def tracker(session: Session, period: str, scope: Scope) -> list[TrackerRow]:
    """The reporting units (province, centres, branches; not counters) in ``scope`` with
    the state of their latest version for ``period``: nháp / đã gửi / đã duyệt / trả lại /
    chưa báo cáo."""
    units = session.scalars(sa.select(Unit).where(
        scope.where(Unit.id),
        Unit.kind.in_([UnitKind.province, UnitKind.centre, UnitKind.branch]))
        .order_by(Unit.code)).all()
    newest: dict[int, ReportVersion] = {}
    for version in versions_of(session, [u.id for u in units], period):
        newest.setdefault(version.unit_id, version)
    rows = []
    for unit in units:
        found = newest.get(unit.id)
        if found is None:
            rows.append(TrackerRow(unit, NOT_REPORTED, NOT_REPORTED_NAME, None))
        else:
            rows.append(TrackerRow(unit, found.status.value,
                                   SELF_APPROVED_NAME if found.self_approved
                                   else STATUS_NAMES[found.status], found))
    return rows


def days_to_deadline(now: Optional[dt.datetime] = None) -> tuple[int, dt.date]:
    """Days from today (Vietnam time) to 15 December of this year, or of next year once
    it has passed; and that date."""
    today = local_date(now or utcnow())
    due = dt.date(today.year, *DEADLINE_DAY)
    if today > due:
        due = dt.date(today.year + 1, *DEADLINE_DAY)
    return (due - today).days, due


def current_quarter(now: Optional[dt.datetime] = None) -> str:
    """The quarter of today in Vietnam time, e.g. ``2026-Q4``."""
    today = local_date(now or utcnow())
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def demo_reports(session: Session, options: Mapping[str, Any]) -> list[Generated]:
    """Draft reports of the demo units (the province and the demo branches) for the
    current quarter, so that /admin/reports has something to show on a first run."""
    codes = [code for code in ("NA", "NA-DEMO1", "NA-DEMO2")
             if session.scalar(sa.select(Unit.id).where(Unit.code == code)) is not None]
    made = []
    for code in codes:
        try:
            made.append(generate(session, code, current_quarter(), audit.CLI, options))
        except ServiceError:  # submitted already: left for its approver
            continue
    return made
