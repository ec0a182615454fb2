"""Upload → preview → confirm, shared by the units and served-counts imports.

The preview writes nothing; the confirmation carries the file back and the preview's
fingerprint, recomputes the preview and writes only when it is the same (otherwise it
shows the new preview, 409)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..extensions import current_session
from ..services.errors import ServiceError
from ..services.previews import Preview
from .data_forms import ConfirmForm, UploadError, UploadForm, carry, read_upload, uncarry

Previewer = Callable[[Session, bytes], Preview]


def _render(config: dict[str, Any], form: UploadForm, preview: Optional[Preview] = None,
            confirm: Optional[ConfirmForm] = None, done: Any = None,
            notice: Any = None, status: int = 200):
    return render_template("admin/import.html", config=config, form=form, preview=preview,
                           confirm=confirm, done=done, notice=notice), status


def preview_page(config: dict[str, Any], form: UploadForm,
                 previewer: Optional[Previewer] = None):
    """The upload form; with ``previewer``, the preview of the uploaded file."""
    if previewer is None:
        return _render(config, form)
    try:
        data = read_upload(form.file)
    except UploadError as exc:
        form.file.errors = [exc.message]
        return _render(config, form, status=422)
    preview = previewer(current_session(), data)
    if not preview.ok:
        return _render(config, form, preview, status=422)
    confirm = ConfirmForm(formdata=None, payload=carry(data), fingerprint=preview.fingerprint)
    return _render(config, form, preview, confirm)


def confirm_import(config: dict[str, Any], previewer: Previewer,
                   write: Callable[[bytes], Any], summary_of: Callable[[Any], Any]):
    """Write the previewed file if its preview has not changed."""
    form = ConfirmForm()
    upload = UploadForm(formdata=None)
    data = uncarry(form.payload.data or "")
    if data is None:
        upload.file.errors = [_l("The preview was lost. Choose the file again.")]
        return _render(config, upload, status=422)
    preview = previewer(current_session(), data)
    if not preview.ok or preview.fingerprint != form.fingerprint.data:
        notice = _l("The file or the data changed since the preview. Nothing was saved: "
                    "check this new preview.")
        confirm = ConfirmForm(formdata=None, payload=carry(data),
                              fingerprint=preview.fingerprint) if preview.ok else None
        return _render(config, upload, preview, confirm, notice=notice, status=409)
    try:
        summary = write(data)
    except ServiceError as exc:
        current_session().rollback()
        return _render(config, upload, preview, notice=exc.message, status=409)
    current_session().commit()
    return _render(config, UploadForm(formdata=None), preview, done=summary_of(summary))
