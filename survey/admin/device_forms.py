"""Forms of the kiosk, API-token and printing screens. The unit and service choices are
filled per request (the units in the user's scope); the views check the values sent."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from ..models import Service, Unit
from ..services.intake import posters, receipts
from .forms import TOO_LONG, unit_choices

#: Kiosk and token names are stored in 120 characters.
NAME_MAX = 120

SIZE_NAMES: dict[str, Any] = {
    "a4": _l("A4: poster for the wall"),
    "a5": _l("A5: stand for a table or counter"),
}
MATERIAL_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]


def _unit_field() -> SelectField:
    return SelectField(_l("Unit"), validate_choice=False,
                       validators=[InputRequired(message=_l("Choose a unit."))])


def _name_field(label: Any, message: Any, example: str) -> StringField:
    # Stripped first, so that a name of spaces only counts as none.
    return StringField(label, filters=[_strip], validators=[
        DataRequired(message=message), Length(max=NAME_MAX, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "placeholder": example})


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _Units:
    unit: SelectField

    def fill_units(self, tree: list[tuple[int, Unit]], locale: str) -> Any:
        self.unit.choices = unit_choices(tree, locale)
        return self


class NewKioskForm(_Units, FlaskForm):
    unit = _unit_field()
    name = _name_field(_l("Name of the kiosk"), _l("Enter a name for the kiosk."), "Quầy 3")

    def fill(self, tree: list[tuple[int, Unit]], locale: str) -> "NewKioskForm":
        return self.fill_units(tree, locale)


class NewTokenForm(FlaskForm):
    name = _name_field(_l("Name"), _l("Enter who or what will use the token."),
                       "Cổng dịch vụ công tỉnh")


class RevokeForm(FlaskForm):
    """Which row to revoke: an id in a hidden field (unknown or out of scope → 404)."""

    id = HiddenField(validators=[InputRequired(message=_l("Nothing was chosen to revoke."))])

    def validate_id(self, field: HiddenField) -> None:
        text = (field.data or "").strip()
        if not (text.isdigit() and len(text) < 12):
            raise ValidationError(_l("Nothing was chosen to revoke."))

    def number(self) -> int:
        return int((self.id.data or "").strip())


def _lang_field() -> SelectField:
    languages = [code for code, _name in MATERIAL_LANGUAGES]
    return SelectField(_l("Language of the printed material"), default="vi",
                       validate_choice=False, validators=[AnyOf(
                           languages, message=_l("Choose one of the languages listed."))])


def _service_choices(services: list[Service], locale: str, blank: Any) -> list[tuple[str, str]]:
    return [("", str(blank))] + [(s.code, s.name(locale)) for s in services]


class PosterForm(_Units, FlaskForm):
    unit = _unit_field()
    service = SelectField(_l("Service"), validate_choice=False)
    size = SelectField(_l("Paper size"), default="a4",
                       validate_choice=False, validators=[
                           InputRequired(message=_l("Choose a paper size.")),
                           AnyOf(posters.SIZES, message=_l("Choose one of the sizes listed."))])
    lang = _lang_field()

    def fill(self, tree: list[tuple[int, Unit]], services: list[Service],
             locale: str) -> "PosterForm":
        self.service.choices = _service_choices(services, locale, _l("Any service"))
        self.size.choices = [(k, str(v)) for k, v in SIZE_NAMES.items()]
        self.lang.choices = list(MATERIAL_LANGUAGES)
        return self.fill_units(tree, locale)


class ReceiptForm(_Units, FlaskForm):
    unit = _unit_field()
    service = SelectField(_l("Service"), validate_choice=False,
                          validators=[InputRequired(message=_l("Choose a service."))])
    count = StringField(_l("Number of codes"), default="50",
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    lang = _lang_field()

    def validate_count(self, field: StringField) -> None:
        # Our own check, not IntegerField's: its message is in English only.
        text = (field.data or "").strip()
        if not (text.isdigit() and len(text) < 6 and 1 <= int(text) <= receipts.MAX_COUNT):
            raise ValidationError(_l("Enter the number of codes, from 1 to %(max)d.",
                                     max=receipts.MAX_COUNT))

    def number(self) -> int:
        return int((self.count.data or "").strip())

    def fill(self, tree: list[tuple[int, Unit]], services: list[Service],
             locale: str) -> "ReceiptForm":
        self.service.choices = _service_choices(services, locale, _l("Choose a service"))
        self.lang.choices = list(MATERIAL_LANGUAGES)
        return self.fill_units(tree, locale)


#: Slips per A4 page, for the hint next to the number of codes.
SLIPS_PER_PAGE = posters.SLIPS_PER_PAGE
