"""/admin/feedback-pages: a unit's public "Ý kiến của Ông/Bà – việc chúng tôi đã làm"
page (/y-kien/don-vi/<unit>): a manager opts it in or out and writes what was done; the
quote button on a case page allows a comment on it. Every change is audited."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale

from ..extensions import current_session
from ..models import FeedbackAction, utcnow
from ..services.errors import ServiceError
from ..services.inbox.openness import (add_action, public_summary, published_units,
                                       remove_action, set_published, set_quote)
from ..services.inbox.queries import get_case
from ..timeutil import local_date
from . import bp
from .feedback_page_forms import ActionForm, PublishForm, QuoteForm, RemoveForm
from .forms import add_service_errors
from .inbox import actor
from .kiosks import scoped_tree
from .permissions import requires


def _locale() -> str:
    return str(get_locale())


@bp.get("/feedback-pages", endpoint="feedback_pages")
@requires("feedback_page.manage")
def feedback_pages():
    tree = scoped_tree()
    published = published_units(current_session(), [unit.id for _d, unit in tree])
    return render_template("admin/feedback_pages.html", tree=tree, published=published,
                           locale=_locale())


def _page(form: Optional[ActionForm] = None, status: int = 200):
    unit = g.unit
    session = current_session()
    summary = public_summary(session, unit, local_date(utcnow()))
    actions = list(session.scalars(sa.select(FeedbackAction).where(
        FeedbackAction.unit_id == unit.id).order_by(FeedbackAction.done_on.desc(),
                                                    FeedbackAction.id.desc())))
    return render_template(
        "admin/feedback_page.html", unit=unit, summary=summary, actions=actions,
        published=unit.id in published_units(session, [unit.id]),
        publish_form=PublishForm(formdata=None), remove_form=RemoveForm(formdata=None),
        form=form or ActionForm(formdata=None, done_on=local_date(utcnow())),
        done=request.args.get("done"), locale=_locale()), status


def _back(done: str):
    return redirect(url_for("admin.feedback_page", unit_code=g.unit.code, done=done,
                            lang=request.args.get("lang")), code=303)


@bp.get("/feedback-pages/<unit_code>")
@requires("feedback_page.manage", unit="unit_code")
def feedback_page(unit_code: str):
    return _page()


@bp.post("/feedback-pages/<unit_code>/publish")
@requires("feedback_page.manage", unit="unit_code")
def feedback_page_publish(unit_code: str):
    form = PublishForm()
    if not form.validate():
        return _page(status=422)
    set_published(current_session(), g.unit, form.published.data == "1", actor())
    current_session().commit()
    return _back("publish")


@bp.post("/feedback-pages/<unit_code>/actions")
@requires("feedback_page.manage", unit="unit_code")
def feedback_page_action(unit_code: str):
    form = ActionForm()
    if not form.validate():
        return _page(form, 422)
    try:
        add_action(current_session(), g.unit, form.done_on.data, form.text.data or "", actor())
    except ServiceError as exc:
        current_session().rollback()
        add_service_errors(form, exc)
        return _page(form, 422)
    current_session().commit()
    return _back("action")


@bp.post("/feedback-pages/<unit_code>/actions/<int:action_id>/remove")
@requires("feedback_page.manage", unit="unit_code")
def feedback_page_remove(unit_code: str, action_id: int):
    if not RemoveForm().validate():
        return _page(status=422)
    if not remove_action(current_session(), g.unit, action_id, actor()):
        abort(404)
    current_session().commit()
    return _back("removed")


@bp.post("/inbox/<int:case_id>/quote")
@requires("feedback_page.manage")
def inbox_quote(case_id: int):
    """Allow (or withdraw) the case's comment as a quote on its unit's public page."""
    case = get_case(current_session(), case_id, g.scope)
    if case is None:
        abort(404)
    form = QuoteForm()
    if not form.validate():
        abort(422)
    try:
        set_quote(current_session(), case, form.approved.data == "1", actor())
    except ServiceError:
        current_session().rollback()
        abort(422)
    current_session().commit()
    return redirect(url_for("admin.inbox_case", case_id=case.id, done="quote",
                            lang=request.args.get("lang")), code=303)
