"""Forms of the units, served-counts and questionnaire screens, and reading uploads.

Uploads are read whole (they are small), limited in size and refused unless UTF-8;
a preview carries the file to its confirmation in a hidden field (base64), with the
preview's fingerprint, so nothing is stored between the two requests."""
from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from .forms import TOO_LONG

#: Largest upload: well under the request limit even once base64 carries it back.
MAX_UPLOAD = 1024 * 1024


class UploadError(ValueError):
    """A file that cannot be used, with the message shown next to the field."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


def read_upload(field: FileField, max_bytes: Optional[int] = None) -> bytes:
    """The bytes of an uploaded UTF-8 file; :class:`UploadError` otherwise."""
    max_bytes = max_bytes or MAX_UPLOAD
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        raise UploadError(_l("Choose a file."))
    try:
        data = storage.read(max_bytes + 1)
    finally:
        storage.close()  # a large upload is spooled to a temporary file
    if len(data) > max_bytes:
        raise UploadError(_l("The file is too large (%(size)s KB at most).",
                             size=max_bytes // 1024))
    if not data.strip():
        raise UploadError(_l("The file is empty."))
    check_utf8(data)
    return data


def check_utf8(data: bytes) -> None:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(_l("The file is not UTF-8 text. In Excel, use Save As “CSV UTF-8 "
                             "(Comma delimited)”; for other files, save them as UTF-8.")) \
            from None


def carry(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def uncarry(text: str) -> Optional[bytes]:
    """The file a preview carried, or None when the field was tampered with."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return data if data and len(data) <= MAX_UPLOAD else None


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"))


class JsonUploadForm(FlaskForm):
    file = FileField(_l("Questionnaire file (JSON)"))


class ConfirmForm(FlaskForm):
    payload = HiddenField()
    fingerprint = HiddenField()


def _name_fields() -> tuple[StringField, StringField]:
    return (StringField(_l("Name in Vietnamese"), validators=[
                InputRequired(message=_l("Enter the Vietnamese name.")),
                Length(max=200, message=TOO_LONG)]),
            StringField(_l("Name in English (optional)"), validators=[
                Length(max=200, message=TOO_LONG)]))


class _PrefixedForm(FlaskForm):
    """Two forms share the unit page, so their fields carry a prefix; the app-wide
    CSRFProtect checks the page's plain ``csrf_token`` field before any view runs."""

    class Meta:
        csrf = False


class RenameForm(_PrefixedForm):
    name_vi, name_en = _name_fields()


class NewUnitForm(_PrefixedForm):
    code = StringField(_l("Code"), validators=[
        InputRequired(message=_l("Enter a code.")), Length(max=40, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    kind = SelectField(_l("Kind"), validate_choice=False,
                       validators=[InputRequired(message=_l("Choose a kind."))])
    name_vi, name_en = _name_fields()


class QualityFilterForm(Form):
    """The data-quality view's period and reason, from the query string (it changes
    nothing, so no CSRF)."""

    period = StringField(_l("Period"), validators=[Length(max=20, message=TOO_LONG)],
                         description=_l("2026-09 (month), 2026-Q3 (quarter) or 2026 (year)."))
    reason = SelectField(_l("Reason"), validate_choice=False)

    def validate_period(self, field: StringField) -> None:
        from ..services.errors import ServiceError
        from ..services.reporting.periods import parse_period

        try:
            parse_period((field.data or "").strip())
        except ServiceError as exc:
            raise ValidationError(exc.message) from None

    def validate_reason(self, field: SelectField) -> None:
        if field.data and field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError(_l("Choose one of the reasons listed."))


class RestoreForm(FlaskForm):
    """Which flagged response to restore: its id in a hidden field."""

    id = HiddenField(validators=[InputRequired(message=_l("Nothing was chosen to restore."))])

    def validate_id(self, field: HiddenField) -> None:
        try:
            uuid.UUID((field.data or "").strip())
        except ValueError:
            raise ValidationError(_l("Nothing was chosen to restore.")) from None

    def response_id(self) -> uuid.UUID:
        return uuid.UUID((self.id.data or "").strip())
