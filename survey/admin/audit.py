"""/admin/audit: the audit log, newest first, filtered by action, user and dates."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import AuditEvent, Outcome, Unit, User
from ..services.audit import Action, AuditFilter, list_events
from ..timeutil import format_local, local_midnight_utc
from . import bp
from .forms import AuditFilterForm
from .permissions import requires

PER_PAGE = 50

#: Each action as a person reads it.
ACTION_NAMES: dict[str, Any] = {
    Action.SIGN_IN: _l("Sign-in"),
    Action.SIGN_OUT: _l("Sign-out"),
    Action.PASSWORD_SET: _l("Password set"),
    Action.PASSWORD_LINK: _l("Set-password link issued"),
    Action.USER_CREATED: _l("User created"),
    Action.USER_DEACTIVATED: _l("User deactivated"),
    Action.USER_ACTIVATED: _l("User activated"),
    Action.GRANT_ADDED: _l("Role granted"),
    Action.GRANT_REMOVED: _l("Role removed"),
    Action.KIOSK_ADDED: _l("Kiosk added"),
    Action.KIOSK_REVOKED: _l("Kiosk revoked"),
    Action.TOKEN_CREATED: _l("API token created"),
    Action.TOKEN_REVOKED: _l("API token revoked"),
    Action.QUESTIONNAIRE_PUBLISHED: _l("Questionnaire published"),
    Action.SERVED_IMPORTED: _l("Served counts imported"),
    Action.COVERAGE_CHANGED: _l("Coverage counts changed"),
    Action.COVERAGE_IMPORTED: _l("Coverage counts imported"),
    Action.UNIT_CREATED: _l("Unit added"),
    Action.UNIT_RENAMED: _l("Unit renamed"),
    Action.UNIT_DEACTIVATED: _l("Unit deactivated"),
    Action.UNIT_ACTIVATED: _l("Unit activated"),
    Action.UNITS_IMPORTED: _l("Units imported"),
    Action.EXPORT_DOWNLOADED: _l("Export downloaded"),
    Action.CASE_STATUS: _l("Feedback case status changed"),
    Action.CONTACT_VIEWED: _l("Claimant's contact details viewed"),
    Action.CONTACTS_PURGED: _l("Contact details deleted at the end of retention"),
    Action.COMMENT_REDACTED: _l("Personal data removed from a comment"),
    Action.RESPONSE_RESTORED: _l("Flagged response restored to the index"),
    Action.DATA_REQUESTED: _l("A claimant asked to see or delete their contact details"),
    Action.CONTACT_ERASED: _l("Contact details deleted at the claimant's request"),
    Action.QUOTE_APPROVED: _l("A comment approved as a public quote"),
    Action.QUOTE_WITHDRAWN: _l("A public quote withdrawn"),
    Action.FEEDBACK_PAGE: _l("A unit's public feedback page switched on or off"),
    Action.FEEDBACK_ACTION_ADDED: _l("An action added to a unit's public feedback page"),
    Action.FEEDBACK_ACTION_REMOVED: _l("An action removed from a unit's public feedback page"),
    Action.REPORT_GENERATED: _l("Report generated"),
    Action.REPORT_NARRATIVE: _l("Report narrative edited"),
    Action.REPORT_SUBMITTED: _l("Report submitted"),
    Action.REPORT_APPROVED: _l("Report approved"),
    Action.REPORT_RETURNED: _l("Report returned for correction"),
    Action.REPORT_EXPORTED: _l("Report file downloaded"),
    Action.MICRODATA_EXPORTED: _l("Microdata downloaded"),
}
OUTCOME_NAMES: dict[Outcome, Any] = {
    Outcome.success: _l("succeeded"),
    Outcome.failure: _l("failed"),
    Outcome.throttled: _l("refused: too many attempts"),
}


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _filter(form: AuditFilterForm) -> AuditFilter:
    since, until = form.days()
    return AuditFilter(
        action=form.action.data or None, actor=(form.actor.data or "").strip() or None,
        since=local_midnight_utc(since) if since else None,
        until=local_midnight_utc(until + dt.timedelta(days=1)) if until else None)


def _labels(events: list[AuditEvent]) -> tuple[dict[int, str], dict[int, str]]:
    """E-mails of the users and codes of the units the events concern, in one query each."""
    user_ids = {int(e.object_id or 0) for e in events if e.object_type == "user" and
                (e.object_id or "").isdigit()}
    unit_ids = {e.unit_id for e in events if e.unit_id is not None}
    session = current_session()
    users = {user_id: email for user_id, email in session.execute(
        sa.select(User.id, User.email).where(User.id.in_(user_ids)))} if user_ids else {}
    units = {unit_id: code for unit_id, code in session.execute(
        sa.select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids)))} if unit_ids else {}
    return users, units


@bp.get("/audit")
@requires("audit.read")
def audit():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", str(_l("All actions")))] + [
        (action, str(ACTION_NAMES.get(action, action))) for action in Action.all()]
    if not form.validate():
        return render_template("admin/audit.html", form=form, page=None), 400
    page = list_events(current_session(), _filter(form), _page_number(), PER_PAGE)
    users, units = _labels(page.events)
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def page_url(number: int) -> str:
        return url_for("admin.audit", page=number, **args)

    return render_template("admin/audit.html", form=form, page=page, users=users,
                           units=units, action_names=ACTION_NAMES, outcome_names=OUTCOME_NAMES,
                           format_local=format_local, page_url=page_url)
