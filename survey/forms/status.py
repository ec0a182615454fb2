"""The claimant's request about their contact details, on the public status page."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData
from wtforms import RadioField, SelectChoice
from wtforms.csrf.core import CSRF
from wtforms.validators import InputRequired, ValidationError

from .survey_form import _serializer

#: The form's values → the case kinds (survey.models.CaseKind values).
REQUEST_KINDS = {"see": "data_access", "delete": "data_erasure"}


def _payload(code: str) -> str:
    return f"data-request:{code}"


class CodeTokenCsrf(CSRF):
    """A token bound to the case's reference code and signed with the app's key, as the
    survey form's: no session, so claimants get no cookie (``csrf_context``: the code)."""

    def setup_form(self, form):
        self.code = str(form.meta.csrf_context)
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        return _serializer().dumps(_payload(self.code))

    def validate_csrf_token(self, form, field) -> None:
        try:
            signed = _serializer().loads(field.data or "",
                                     max_age=current_app.config["WTF_CSRF_TIME_LIMIT"])
        except BadData:
            raise ValidationError(_l("The form has expired.")) from None
        if signed != _payload(self.code):
            raise ValidationError(_l("The form has expired."))


class DataRequestForm(FlaskForm):
    class Meta:
        csrf_class = CodeTokenCsrf

    kind = RadioField(
        _l("What would you like us to do with the contact details you left?"),
        choices=[SelectChoice("see", _l("Tell me which contact details you keep")),
                 SelectChoice("delete", _l("Delete my contact details"))],
        validators=[InputRequired(message=_l("Choose what you would like us to do."))])
