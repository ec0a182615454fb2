"""/admin/inbox: the feedback inbox. The list (filters in the URL, paging, due-soon and
overdue highlighted, kiosk reasons per unit beside it) and its bulk actions; the case
pages are in :mod:`.cases`.

Viewing the list first opens the cases of new responses
(:func:`survey.services.inbox.open_cases`): the claimant's submission does no inbox
work."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask import current_app, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape
from flask_babel import gettext as _

from ..extensions import current_session
from ..models import Case, CaseCategory, CaseStatus, utcnow
from ..services.audit import Actor
from ..services.catalogue import all_services, service_by_code, unit_by_code
from ..services.errors import ServiceError
from ..services.inbox import InboxSettings, open_cases, settings_from
from ..services.inbox.codes import display_code
from ..services.inbox.handling import bulk_assign, bulk_no_action
from ..services.inbox.queries import (NOBODY, CaseFilter, assignees_in_scope, cases_in_scope,
                                      handlers_in_scope, list_cases, reason_counts,
                                      reason_labels)
from ..services.inbox.workdays import add_working_days, working_days_between
from ..timeutil import local_date, local_midnight_utc
from . import bp
from .forms import add_service_errors
from .inbox_forms import (CATEGORY_NAMES, ME, NOBODY as NOBODY_CHOICE, STATUS_NAMES, BulkForm,
                          InboxFilterForm)
from .kiosks import scoped_tree
from .permissions import PERMISSIONS, requires, signed_in_user
# Characters that change the direction of text or hide in it (bidi controls, zero
# width) are shown as their code point, so that a comment cannot disguise itself.
from ..services.inbox.inert import INVISIBLE  # noqa: E402  (also used by the case page)

PER_PAGE = 50
#: Kiosk reasons are counted over the filter's dates, else over this many days.
REASON_DAYS = 30
EXCERPT = 180


@bp.app_template_filter("inert")
def inert(text: Optional[str], limit: Optional[int] = None) -> Markup:
    """Claimant's text for a page: escaped, cut to ``limit`` characters, with invisible
    and direction-changing characters shown as ``[U+202E]``."""
    text = text or ""
    if limit is not None and len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return Markup(INVISIBLE.sub(
        lambda m: '<span class="ctl">[U+{:04X}]</span>'.format(ord(m.group())),
        str(escape(text))))


def inbox_settings() -> InboxSettings:
    return settings_from(current_app.config)


def today() -> dt.date:
    return local_date(utcnow())


def locale() -> str:
    return str(get_locale())


def handler_roles() -> frozenset:
    return PERMISSIONS["inbox.handle"]


def actor() -> Actor:
    return Actor.of(signed_in_user())


class Due:
    """How a case stands against its running deadline, for the page."""

    def __init__(self, case: Case, now: dt.date, soon_until: dt.date):
        self.on = case.due_on
        self.overdue = self.on is not None and self.on < now
        self.soon = self.on is not None and not self.overdue and self.on <= soon_until
        self.late_by = working_days_between(self.on, now) if self.overdue and self.on else 0


def due_reader(settings: InboxSettings) -> Any:
    """``due(case)`` → :class:`Due`, with today's limits computed once."""
    now = today()
    soon_until = add_working_days(now, settings.due_soon, settings.days_off)
    return lambda case: Due(case, now, soon_until)


#: At most this many responses are looked at while a page waits (the timer does the rest).
SYNC_BATCH = 2000


def sync_cases(settings: InboxSettings) -> None:
    """Open the cases of new responses (a bounded amount) and commit (nothing to commit
    on most views: the look only reads)."""
    open_cases(current_session(), settings, batch=SYNC_BATCH, rounds=1)
    current_session().commit()


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _filter(form: InboxFilterForm) -> CaseFilter:
    since, until = form.days()
    session, who = current_session(), form.assignee.data or ""
    unit = unit_by_code(session, form.unit.data, active_only=False) if form.unit.data else None
    service = service_by_code(session, form.service.data) if form.service.data else None
    assignee = {ME: signed_in_user().id, NOBODY_CHOICE: NOBODY}.get(
        who, int(who) if who.isdigit() else None)
    return CaseFilter(
        status=CaseStatus(form.status.data) if form.status.data else None,
        unit_id=unit.id if unit else None, service_id=service.id if service else None,
        category=CaseCategory(form.category.data) if form.category.data else None,
        assignee=assignee, overdue=bool(form.overdue.data), text=form.q.data or "",
        since=local_midnight_utc(since) if since else None,
        until=local_midnight_utc(until + dt.timedelta(days=1)) if until else None)


def _reasons(wanted: CaseFilter) -> list[tuple[Any, str, int]]:
    until = wanted.until or local_midnight_utc(today() + dt.timedelta(days=1))
    since = wanted.since or until - dt.timedelta(days=REASON_DAYS)
    labels = reason_labels(current_session(), locale())
    return [(unit, labels.get(code, code), n) for unit, code, n in reason_counts(
        current_session(), g.scope, since, until, wanted.unit_id)]


def _filter_form() -> InboxFilterForm:
    session = current_session()
    return InboxFilterForm(request.args).fill(
        scoped_tree(), all_services(session), assignees_in_scope(session, g.scope), locale())


def _list_args() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k not in ("page", "done") and v}


def _render_list(form: InboxFilterForm, bulk: BulkForm, status: int = 200,
                 wanted: Optional[CaseFilter] = None):
    settings = inbox_settings()
    page = list_cases(current_session(), g.scope, wanted, today(), _page_number(), PER_PAGE) \
        if wanted is not None else None
    args = _list_args()
    return render_template(
        "admin/inbox.html", form=form, bulk=bulk, page=page, due=due_reader(settings),
        reasons=_reasons(wanted or CaseFilter()), status_names=STATUS_NAMES,
        category_names=CATEGORY_NAMES, locale=locale(), code=display_code,
        excerpt=EXCERPT, reason_days=REASON_DAYS, done=request.args.get("done"),
        page_url=lambda n: url_for("admin.inbox", page=n, **args),
        bulk_url=url_for("admin.inbox_bulk", **args)), status


def _bulk_form(posted: bool = True) -> BulkForm:
    """The bulk actions' form: from the request's form data, or empty."""
    people = handlers_in_scope(current_session(), g.scope, handler_roles())
    return (BulkForm() if posted else BulkForm(formdata=None)).fill(people)


@bp.get("/inbox")
@requires("inbox.read")
def inbox():
    sync_cases(inbox_settings())
    form = _filter_form()
    if not form.validate():
        return _render_list(form, _bulk_form(False), 400)
    return _render_list(form, _bulk_form(False), wanted=_filter(form))


def _apply_bulk(form: BulkForm, cases: list[Case]) -> int:
    if form.action.data == "no_action":
        return bulk_no_action(current_session(), cases, form.reason.data or "", actor())
    who = form.assignee.data or ""
    people = {str(u.id): u for u in handlers_in_scope(current_session(), g.scope,
                                                       handler_roles())}
    if who and who not in people:
        message = _("Choose someone who handles these units.")
        raise ServiceError(message, {"assignee": [message]})
    return bulk_assign(current_session(), cases, people.get(who), actor(), handler_roles())


@bp.post("/inbox/bulk")
@requires("inbox.handle")
def inbox_bulk():
    form = _bulk_form()
    cases = cases_in_scope(current_session(), form.case_ids(), g.scope)
    valid = form.validate()
    if valid and not cases:
        form.form_errors.append(_("Tick at least one case in the list."))
        valid = False
    if valid:
        try:
            done = _apply_bulk(form, cases)
        except ServiceError as exc:
            current_session().rollback()
            add_service_errors(form, exc)
            valid = False
    if not valid:
        filters = _filter_form()
        filters.validate()
        return _render_list(filters, form, 422, wanted=_filter(filters)
                            if not filters.errors else None)
    current_session().commit()
    return redirect(url_for("admin.inbox", **_list_args(), done=done), code=303)
