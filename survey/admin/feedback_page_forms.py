"""Forms of the public feedback page's screen and of the quote button on a case."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from ..models import ACTION_MAX


class PublishForm(FlaskForm):
    #: "1" to publish the page, "0" to take it down.
    published = HiddenField(validators=[AnyOf(["0", "1"])])


class ActionForm(FlaskForm):
    done_on = DateField(_l("Done on"), validators=[InputRequired(message=_l("Give a date."))])
    text = TextAreaField(_l("What was done"), validators=[
        InputRequired(message=_l("Write what was done.")),
        Length(max=ACTION_MAX, message=_l("At most %(max)d characters."))])


class RemoveForm(FlaskForm):
    """Only the CSRF token: the action to remove is in the URL."""


class QuoteForm(FlaskForm):
    #: "1" to approve the comment as a public quote, "0" to withdraw it.
    approved = HiddenField(validators=[AnyOf(["0", "1"])])
