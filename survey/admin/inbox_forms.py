"""Forms of the feedback inbox: the list's filters (query string, no CSRF) and the
case page's actions. Choices are filled per request from the user's scope; the views
and services check the values sent."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, Form, HiddenField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, ValidationError

from ..models import (CaseCategory, CaseStatus, OutboxChannel, OutboxState, Service, Unit,
                      User)
from ..services.inbox.handling import NOTE_MAX, REASON_MAX
from .forms import TOO_LONG, _parse_day, unit_choices

#: Each status as the inbox shows it.
STATUS_NAMES: dict[CaseStatus, Any] = {
    CaseStatus.new: _l("New"),
    CaseStatus.in_progress: _l("In progress"),
    CaseStatus.replied: _l("Replied"),
    CaseStatus.closed: _l("Closed"),
    CaseStatus.no_action: _l("No action needed"),
}
CATEGORY_NAMES: dict[CaseCategory, Any] = {
    CaseCategory.procedure: _l("Procedure"),
    CaseCategory.attitude: _l("Staff attitude"),
    CaseCategory.waiting: _l("Waiting time"),
    CaseCategory.benefit: _l("Benefit payment"),
    CaseCategory.facilities: _l("Facilities"),
    CaseCategory.other: _l("Other"),
}
#: ``assignee`` filter values besides a user id.
NOBODY, ME = "none", "me"
#: Search text kept from the query string, in characters.
TEXT_MAX = 200


def _choice(value: str, choices: Any) -> None:
    if value and value not in {str(v) for v, _label in choices or []}:
        raise ValidationError(_l("Choose one of the values listed."))


class InboxFilterForm(Form):
    """The inbox list's filters, read from the query string."""

    q = StringField(_l("Search the comments or a reference code"),
                    validators=[Length(max=TEXT_MAX, message=TOO_LONG)])
    status = SelectField(_l("Case status"), validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)
    service = SelectField(_l("Service"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    since = StringField(_l("Received from (date)"), render_kw={"type": "date"})
    until = StringField(_l("Received until (date)"), render_kw={"type": "date"})
    overdue = BooleanField(_l("Overdue only"))

    def fill(self, tree: list[tuple[int, Unit]], services: list[Service],
             assignees: list[User], locale: str) -> "InboxFilterForm":
        everything = ("", str(_l("All")))
        self.status.choices = [everything] + [(s.value, str(n)) for s, n in STATUS_NAMES.items()]
        self.unit.choices = [everything] + unit_choices(tree, locale)[1:]
        self.service.choices = [everything] + [(s.code, s.name(locale)) for s in services]
        self.category.choices = [everything] + [(c.value, str(n))
                                                for c, n in CATEGORY_NAMES.items()]
        self.assignee.choices = [everything, (ME, str(_l("Me"))), (NOBODY, str(_l("Nobody")))] \
            + [(str(u.id), u.email) for u in assignees]
        return self

    def validate_since(self, field: StringField) -> None:
        _parse_day(field.data or "")

    def validate_until(self, field: StringField) -> None:
        _parse_day(field.data or "")

    def validate_status(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)

    def validate_unit(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)

    def validate_service(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)

    def validate_category(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)

    def validate_assignee(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)

    def days(self) -> tuple[Optional[dt.date], Optional[dt.date]]:
        return _parse_day(self.since.data or ""), _parse_day(self.until.data or "")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validate_choice=False,
                         validators=[InputRequired(message=_l("Choose a status."))])
    #: The status the person saw: a change made meanwhile is not overwritten.
    current = HiddenField()
    reason = StringField(_l("Reason (when no action is needed)"), filters=[_strip],
                         validators=[Length(max=REASON_MAX, message=TOO_LONG)])
    note = TextAreaField(_l("Note for the case history (optional)"), filters=[_strip],
                         validators=[Length(max=NOTE_MAX, message=TOO_LONG)])

    def chosen(self) -> Optional[CaseStatus]:
        return _enum(CaseStatus, self.status.data)

    def seen(self) -> Optional[CaseStatus]:
        return _enum(CaseStatus, self.current.data)


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), validate_choice=False)

    def fill(self, people: list[User]) -> "AssignForm":
        self.assignee.choices = [("", str(_l("Nobody")))] + [(str(u.id), u.email) for u in people]
        return self


class CategoryForm(FlaskForm):
    category = SelectField(_l("Category"), validate_choice=False)
    complex = BooleanField(_l("Complex case (longer deadline)"))

    def fill(self) -> "CategoryForm":
        self.category.choices = [("", str(_l("Not set")))] + [
            (c.value, str(n)) for c, n in CATEGORY_NAMES.items()]
        return self

    def chosen(self) -> Optional[CaseCategory]:
        return _enum(CaseCategory, self.category.data)

    def validate_category(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note (never shown to the claimant)"), filters=[_strip], validators=[
        InputRequired(message=_l("Write the note.")),
        Length(max=NOTE_MAX, message=TOO_LONG)])


class BulkForm(FlaskForm):
    """The list's bulk actions over the cases ticked."""

    ids = SelectMultipleField(_l("Cases"), validate_choice=False, coerce=str)
    action = SelectField(_l("With the cases ticked"), validate_choice=False,
                         validators=[InputRequired(message=_l("Choose what to do."))])
    assignee = SelectField(_l("Assign to"), validate_choice=False)
    reason = StringField(_l("Reason (when no action is needed)"), filters=[_strip],
                         validators=[Length(max=REASON_MAX, message=TOO_LONG)])

    def fill(self, people: list[User]) -> "BulkForm":
        self.action.choices = [("", str(_l("Choose…"))), ("assign", str(_l("Assign"))),
                               ("no_action", str(_l("Mark as needing no action (spam, "
                                                    "no content)")))]
        self.assignee.choices = [("", str(_l("Nobody")))] + [(str(u.id), u.email) for u in people]
        return self

    def validate_action(self, field: SelectField) -> None:
        _choice(field.data or "", field.choices)

    def case_ids(self) -> list[int]:
        return sorted({int(v) for v in self.ids.data or [] if str(v).isdigit()
                       and len(str(v)) < 12})


def _enum(kind: Any, value: Optional[str]) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


#: Each outbox state and channel as the case page shows them.
OUTBOX_STATE_NAMES: dict[OutboxState, Any] = {
    OutboxState.pending: _l("Waiting to be sent"),
    OutboxState.sent: _l("Sent"),
    OutboxState.failed: _l("Failed"),
}
CHANNEL_NAMES: dict[OutboxChannel, Any] = {
    OutboxChannel.email: _l("E-mail"),
    OutboxChannel.sms: _l("Text message"),
}


class ReplyForm(FlaskForm):
    """A reply to the claimant, by a channel they left details for."""

    channel = SelectField(_l("Send by"), validate_choice=False,
                          validators=[InputRequired(message=_l("Choose how to send it."))])
    text = TextAreaField(_l("Reply text"), filters=[_strip], validators=[
        InputRequired(message=_l("Write the reply.")),
        Length(max=NOTE_MAX, message=TOO_LONG)])

    def fill(self, channels: list[OutboxChannel]) -> "ReplyForm":
        self.channel.choices = [(c.value, str(CHANNEL_NAMES[c])) for c in channels]
        return self

    def chosen(self) -> Optional[OutboxChannel]:
        return _enum(OutboxChannel, self.channel.data)


class RedactForm(FlaskForm):
    """The comment with personal data (names, numbers, addresses) taken out."""

    text = TextAreaField(_l("The comment without personal data"), filters=[_strip],
                         validators=[InputRequired(message=_l("Write the comment."))],
                         render_kw={"rows": 5})
