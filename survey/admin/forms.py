"""The manager web app's forms. Every message a person can see is our own (WTForms has
no Vietnamese catalogue); services check what needs the database and answer with
field errors of their own (:func:`add_service_errors`)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..models import Role, Unit
from ..services.accounts.passwords import MAX_LENGTH
from ..services.errors import ServiceError
from .permissions import ROLE_NAMES

TOO_LONG = _l("At most %(max)d characters, please.")


def email_field(autocomplete: str) -> StringField:
    return StringField(_l("E-mail address"), validators=[
        InputRequired(message=_l("Enter the e-mail address.")),
        Length(max=254, message=TOO_LONG)],
        render_kw={"autocomplete": autocomplete, "spellcheck": "false"})


class SignInForm(FlaskForm):
    email = email_field("username")
    password = PasswordField(_l("Password"), validators=[
        InputRequired(message=_l("Enter your password.")),
        Length(max=MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        InputRequired(message=_l("Enter a new password.")),
        Length(max=MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The new password again"), validators=[
        InputRequired(message=_l("Enter the new password again.")),
        EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


def role_choices() -> list[tuple[str, Any]]:
    return [("", _l("Choose a role"))] + [(role.value, ROLE_NAMES[role]) for role in Role]


def unit_choices(tree: list[tuple[int, Unit]], locale: str) -> list[tuple[str, str]]:
    """Active units in tree order, indented by depth, for a select."""
    return [("", str(_l("Choose a unit")))] + [
        (unit.code, "\u00a0\u00a0" * depth + f"{unit.code} · {unit.name(locale)}")
        for depth, unit in tree if unit.active]


def role_field() -> SelectField:
    return SelectField(_l("Role"), validate_choice=False,
                       validators=[InputRequired(message=_l("Choose a role."))])


def unit_field() -> SelectField:
    return SelectField(_l("Unit"), validate_choice=False,
                       validators=[InputRequired(message=_l("Choose a unit."))])


class _RoleAndUnit:
    """The choices of ``role`` and ``unit``; the service checks the values sent."""

    role: SelectField
    unit: SelectField

    def fill(self, tree: list[tuple[int, Unit]], locale: str) -> Any:
        self.role.choices = role_choices()
        self.unit.choices = unit_choices(tree, locale)
        return self


class GrantForm(_RoleAndUnit, FlaskForm):
    role = role_field()
    unit = unit_field()


class NewUserForm(_RoleAndUnit, FlaskForm):
    email = email_field("off")
    role = role_field()
    unit = unit_field()


def _parse_day(text: str) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise ValidationError(_l("Enter a date as YYYY-MM-DD, e.g. 2026-12-01.")) from None


class AuditFilterForm(Form):
    """The audit log's filters, read from the query string (no CSRF: it changes nothing)."""

    action = SelectField(_l("Action"), validate_choice=False)
    actor = StringField(_l("User (e-mail, or cli)"),
                        validators=[Length(max=254, message=TOO_LONG)])
    since = StringField(_l("From (date)"), render_kw={"type": "date"})
    until = StringField(_l("To (date)"), render_kw={"type": "date"})

    def validate_since(self, field: StringField) -> None:
        _parse_day(field.data or "")

    def validate_until(self, field: StringField) -> None:
        _parse_day(field.data or "")

    def validate_action(self, field: SelectField) -> None:
        if field.data and field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError(_l("Choose one of the actions listed."))

    def days(self) -> tuple[Optional[dt.date], Optional[dt.date]]:
        return _parse_day(self.since.data or ""), _parse_day(self.until.data or "")


def add_service_errors(form: FlaskForm, exc: ServiceError) -> None:
    """Show a service's field errors next to the form's fields (others at the top)."""
    placed = False
    for name, messages in exc.errors.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors or []) + list(messages)
            placed = True
    if not placed:
        form.form_errors.append(exc.message)
