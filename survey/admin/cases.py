"""/admin/inbox/<case>: one case of the feedback inbox: the response's answers and
comment, the deadlines, the history; forms to change the status, assign, categorise
and add internal notes; the claimant's contact details on request (each view audited).

A case outside the user's units answers 404, as a unit outside them does."""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..extensions import current_session
from ..models import Case, Contact, User
from ..services.errors import ServiceError
from ..services.inbox.codes import display_code
from ..services.inbox.handling import (add_note, allowed_statuses, assign, change_status,
                                       record_contact_view, redact_comment, set_category)
from ..services.inbox.outbox import deliver, mask, messages_of, queue_reply, reply_channels
from ..services.inbox.senders import sender_from
from ..services.inbox.queries import (assignable_users, assignee_emails, case_detail,
                                      contact_of, get_case, item_texts)
from . import bp
from .feedback_page_forms import QuoteForm
from .forms import add_service_errors
from .inbox import INVISIBLE, actor, due_reader, handler_roles, inbox_settings, locale
from .inbox_forms import (CATEGORY_NAMES, CHANNEL_NAMES, OUTBOX_STATE_NAMES, STATUS_NAMES,
                          AssignForm, CategoryForm, NoteForm, RedactForm, ReplyForm,
                          StatusForm)
from .permissions import can, requires


def _case(case_id: int) -> Case:
    case = get_case(current_session(), case_id, g.scope)
    if case is None:
        abort(404)
    return case


def _people(case: Case) -> list[User]:
    return assignable_users(current_session(), [case.unit_id], handler_roles())


def _forms(case: Case, given: dict[str, FlaskForm]) -> dict[str, Any]:
    """The page's four forms: the one posted (with its errors) and fresh others."""
    status = given.get("status") or StatusForm(formdata=None, current=case.status.value)
    status.status.choices = [("", str(_("Choose…")))] + [(s.value, str(STATUS_NAMES[s]))
                                          for s in allowed_statuses(case)]
    status.current.data = case.status.value
    people = _people(case)
    assign_form = given.get("assign") or AssignForm(
        formdata=None, assignee=str(case.assignee_id or ""))
    category = given.get("category") or CategoryForm(
        formdata=None, category=case.category.value if case.category else "",
        complex=case.complex)
    return {"status_form": status, "assign_form": assign_form.fill(people),
            "category_form": category.fill(),
            "note_form": given.get("note") or NoteForm(formdata=None),
            # Invisible and direction-changing characters are left out of the copy to edit.
            "redact_form": given.get("redact") or RedactForm(formdata=None, text=INVISIBLE.sub(
                "", case.response.comment.body if case.response.comment else "")),
            "reply_form": (given.get("reply") or ReplyForm(formdata=None)).fill(
                reply_channels(contact_of(current_session(), case)))}


def category_label(value: Optional[str]) -> str:
    """A category as stored in the history (``attitude/complex``), for people."""
    if not value:
        return "–"
    name, _sep, flag = value.partition("/")
    names = {c.value: str(label) for c, label in CATEGORY_NAMES.items()}
    shown = names.get(name, _("Not set") if name == "complex" else name)
    return f"{shown} · {_('complex')}" if flag or name == "complex" else shown


def _render(case: Case, http_status: int = 200, contact: Optional[Contact] = None,
            contact_asked: bool = False, **given: FlaskForm):
    """The case page, with ``given`` forms (posted, with their errors) in place of fresh
    ones, and the contact details when they were asked for."""
    session = current_session()
    history = list(case.events)
    users = assignee_emails(session, history)
    return render_template(
        "admin/case.html", case=case, detail=case_detail(session, case),
        items=item_texts(case, locale()), history=reversed(history), users=users,
        due=due_reader(inbox_settings())(case), code=display_code(case.reference),
        status_names=STATUS_NAMES, category_names=CATEGORY_NAMES, locale=locale(),
        status_labels={s.value: str(n) for s, n in STATUS_NAMES.items()},
        category_label=category_label, contact=contact, contact_asked=contact_asked,
        done=request.args.get("done"),
        can_handle=can("inbox.handle"), can_contact=can("contacts.read"),
        can_quote=can("feedback_page.manage"), quote_form=QuoteForm(formdata=None),
        messages=messages_of(session, case), state_names=OUTBOX_STATE_NAMES,
        channel_names=CHANNEL_NAMES, mask=mask,
        **_forms(case, given)), http_status


def _back(case: Case, done: str):
    return redirect(url_for("admin.inbox_case", case_id=case.id, done=done,
                            lang=request.args.get("lang")), code=303)


@bp.get("/inbox/<int:case_id>")
@requires("inbox.read")
def inbox_case(case_id: int):
    return _render(_case(case_id))


def _refused(case: Case, name: str, form: FlaskForm, exc: Optional[ServiceError] = None):
    current_session().rollback()
    if exc is not None:
        add_service_errors(form, exc)
    return _render(case, 422, **{name: form})


@bp.post("/inbox/<int:case_id>/status")
@requires("inbox.handle")
def inbox_status(case_id: int):
    case, form = _case(case_id), StatusForm()
    form.status.choices = [(s.value, "") for s in allowed_statuses(case)]
    chosen = form.chosen()
    if not form.validate() or chosen is None:
        return _refused(case, "status", form)
    try:
        change_status(current_session(), case, chosen, actor(), note=form.note.data or "",
                      reason=form.reason.data or "", expected=form.seen())
    except ServiceError as exc:
        return _refused(case, "status", form, exc)
    current_session().commit()
    return _back(case, "status")


@bp.post("/inbox/<int:case_id>/assign")
@requires("inbox.handle")
def inbox_assign(case_id: int):
    case, form = _case(case_id), AssignForm()
    people = {str(u.id): u for u in _people(case)}
    who = form.assignee.data or ""
    if not form.validate() or (who and who not in people):
        form.assignee.errors = list(form.assignee.errors or []) or [
            _("Choose someone who handles this unit.")]
        return _refused(case, "assign", form)
    try:
        assign(current_session(), case, people.get(who), actor(), handler_roles())
    except ServiceError as exc:
        return _refused(case, "assign", form, exc)
    current_session().commit()
    return _back(case, "assign")


@bp.post("/inbox/<int:case_id>/category")
@requires("inbox.handle")
def inbox_category(case_id: int):
    case, form = _case(case_id), CategoryForm()
    form.fill()
    if not form.validate():
        return _refused(case, "category", form)
    set_category(current_session(), case, form.chosen(), bool(form.complex.data), actor(),
                 inbox_settings())
    current_session().commit()
    return _back(case, "category")


@bp.post("/inbox/<int:case_id>/note")
@requires("inbox.handle")
def inbox_note(case_id: int):
    case, form = _case(case_id), NoteForm()
    if not form.validate():
        return _refused(case, "note", form)
    try:
        add_note(current_session(), case, form.note.data or "", actor())
    except ServiceError as exc:
        return _refused(case, "note", form, exc)
    current_session().commit()
    return _back(case, "note")


@bp.post("/inbox/<int:case_id>/contact")
@requires("contacts.read")
def inbox_contact(case_id: int):
    """The claimant's contact details, shown on this answer only (never in a link or a
    redirect), and the view recorded in the case history and the audit log."""
    case = _case(case_id)
    contact = contact_of(current_session(), case)
    if contact is not None:
        record_contact_view(current_session(), case, actor())
        current_session().commit()
    return _render(case, contact=contact, contact_asked=True)


def _send_now(message_id: int) -> None:
    """Try to send a reply at once; on any trouble it stays in the outbox for
    ``flask survey inbox send``."""
    try:
        sender = sender_from(current_app.config, current_app.instance_path)
        deliver(current_session(), sender, current_session().commit, only=message_id)
    except Exception:  # the reply is safe in the outbox; the timer tries again
        current_session().rollback()
        current_app.logger.exception("outbox: sending message %s at once failed", message_id)


@bp.post("/inbox/<int:case_id>/reply")
@requires("contacts.read")
def inbox_reply(case_id: int):
    """Queue a reply to the claimant (the case moves to "replied") and try to send it."""
    case = _case(case_id)
    contact = contact_of(current_session(), case)
    form = ReplyForm().fill(reply_channels(contact))
    chosen = form.chosen()
    if not form.validate() or chosen is None:
        return _refused(case, "reply", form)
    subject = _("Reply about your feedback %(code)s", code=display_code(case.reference))
    try:
        message = queue_reply(current_session(), case, contact, chosen, subject,
                              form.text.data or "", actor())
    except ServiceError as exc:
        return _refused(case, "reply", form, exc)
    current_session().commit()
    _send_now(message.id)
    return _back(case, "reply")


@bp.post("/inbox/<int:case_id>/redact")
@requires("inbox.handle")
def inbox_redact(case_id: int):
    """Replace the comment with the same text without personal data (audited)."""
    case, form = _case(case_id), RedactForm()
    if not form.validate():
        return _refused(case, "redact", form)
    try:
        redact_comment(current_session(), case, form.text.data or "", actor())
    except ServiceError as exc:
        return _refused(case, "redact", form, exc)
    current_session().commit()
    return _back(case, "redact")
