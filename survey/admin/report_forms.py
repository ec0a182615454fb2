"""Forms of /admin/reports: the period, a version, the reason to return one, the
annual narrative."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

from ..services.reports.signoff import NARRATIVE_MAX
from .forms import TOO_LONG

PERIOD_MESSAGE = _l("Give a quarter such as 2026-Q3 or a year such as 2026.")


def _period_field() -> StringField:
    return StringField(_l("Period"), filters=[lambda v: v.strip().upper() if v else v],
                       validators=[InputRequired(message=PERIOD_MESSAGE),
                                   Regexp(r"^\d{4}(-Q[1-4])?$", message=PERIOD_MESSAGE)],
                       render_kw={"autocomplete": "off", "placeholder": "2026-Q3",
                                  "inputmode": "text"})


class PeriodForm(FlaskForm):
    period = _period_field()


class VersionForm(FlaskForm):
    period = _period_field()
    version = IntegerField(_l("Version"), validators=[
        InputRequired(message=_l("Choose a version.")),
        NumberRange(min=1, max=10_000, message=_l("Choose a version."))])


class ReturnForm(VersionForm):
    reason = TextAreaField(_l("What must be corrected"), validators=[
        InputRequired(message=_l("Say what must be corrected.")),
        Length(max=500, message=TOO_LONG)], render_kw={"rows": 3, "class": "wide"})


class NarrativeForm(VersionForm):
    text = TextAreaField(_l("Narrative"), validators=[
        InputRequired(message=_l("Write the narrative.")),
        Length(max=NARRATIVE_MAX, message=TOO_LONG)], render_kw={"rows": 14, "class": "wide"})
