"""/admin/questionnaires: the versions and their items; publishing a new version from a
JSON file (what ``flask survey questionnaire load`` does), audited."""
from __future__ import annotations

import json
from typing import Any, Optional

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import Questionnaire, QuestionnaireStatus, utcnow
from ..services import audit, catalogue
from ..services.audit import Action, Actor
from ..services.errors import ServiceError
from . import bp
from .data_forms import JsonUploadForm, UploadError, read_upload
from .permissions import requires, scope_for, signed_in_user

#: A questionnaire is a few kilobytes; anything much larger is not one.
MAX_JSON = 256 * 1024

STATUS_NAMES: dict[QuestionnaireStatus, Any] = {
    QuestionnaireStatus.draft: _l("draft"),
    QuestionnaireStatus.published: _l("published"),
    QuestionnaireStatus.retired: _l("retired"),
}


def _versions() -> list[Questionnaire]:
    return list(current_session().scalars(
        sa.select(Questionnaire).order_by(Questionnaire.version.desc())))


def _list_page(form: JsonUploadForm, status: int = 200):
    current: Optional[Questionnaire]
    try:
        current = catalogue.current_questionnaire(current_session())
    except ServiceError:
        current = None
    return render_template("admin/questionnaires.html", versions=_versions(), form=form,
                           current=current, status_names=STATUS_NAMES,
                           can_publish=bool(scope_for("questionnaires.manage"))), status


@bp.get("/questionnaires")
@requires("questionnaires.read")
def questionnaires():
    return _list_page(JsonUploadForm(formdata=None))


@bp.get("/questionnaires/<int:version>")
@requires("questionnaires.read")
def questionnaires_detail(version: int):
    questionnaire = current_session().scalar(sa.select(Questionnaire).filter_by(version=version))
    if questionnaire is None:
        abort(404)
    return render_template("admin/questionnaire.html", questionnaire=questionnaire,
                           status_names=STATUS_NAMES, locale=str(get_locale()))


def read_definition(data: bytes) -> dict[str, Any]:
    """The definition in an uploaded file, checked for the fields the service reads;
    :class:`UploadError` saying what is wrong otherwise."""
    try:
        definition = json.loads(data.decode("utf-8-sig"))
    except ValueError as exc:
        raise UploadError(_l("The file is not valid JSON (%(error)s).", error=str(exc))) \
            from None
    if not isinstance(definition, dict):
        raise UploadError(_l("The file must hold one JSON object."))
    version = definition.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 0 < version < 10_000:
        raise UploadError(_l("“version” must be a whole number from 1 to 9999."))
    items = definition.get("items")
    if not isinstance(items, list) or not items:
        raise UploadError(_l("“items” must be a list with at least one item."))
    for number, item in enumerate(items, start=1):
        missing = [key for key in ("code", "vi", "en") if not isinstance(
            item.get(key) if isinstance(item, dict) else None, str)] if isinstance(
            item, dict) else ["code", "vi", "en"]
        if missing:
            raise UploadError(_l("Item %(number)s needs the text fields %(fields)s.",
                                 number=number, fields=", ".join(missing)))
        if len(item["code"]) > 40 or len(item["vi"]) > 500 or len(item["en"]) > 500:
            raise UploadError(_l("Item %(number)s is too long (code: 40 characters, texts: "
                                 "500 characters at most).", number=number))
    dimensions = definition.get("dimensions", [])
    if not isinstance(dimensions, list) or not all(
            isinstance(d, dict) and isinstance(d.get("code"), str) for d in dimensions):
        raise UploadError(_l("“dimensions” must be a list of objects, each with a “code”."))
    return definition


def publish(definition: dict[str, Any], actor: Actor) -> Questionnaire:
    """Store and publish a new version (as the CLI does) and audit it; a version number
    already in use is refused (:class:`ServiceError`)."""
    session = current_session()
    if session.scalar(sa.select(Questionnaire.id).filter_by(version=definition["version"])):
        raise ServiceError(_l("Version %(version)s already exists; published versions never "
                              "change. Give the new one a higher number.",
                              version=definition["version"]))
    started = utcnow()
    try:
        questionnaire = catalogue.load_questionnaire(session, definition, publish=True)
    except (KeyError, TypeError, AttributeError) as exc:  # fields of the wrong shape
        raise ServiceError(_l("Cannot load the questionnaire: %(error)s", error=str(exc))) \
            from exc
    if questionnaire.published_at is not None and questionnaire.published_at >= started:
        audit.record(session, Action.QUESTIONNAIRE_PUBLISHED, actor,
                     object_type="questionnaire", object_id=questionnaire.id,
                     detail={"version": questionnaire.version,
                             "items": len(questionnaire.items)})
    return questionnaire


@bp.post("/questionnaires")
@requires("questionnaires.manage")
def questionnaires_publish():
    form = JsonUploadForm()
    try:
        definition = read_definition(read_upload(form.file, MAX_JSON))
        questionnaire = publish(definition, Actor.of(signed_in_user()))
    except UploadError as exc:
        form.file.errors = [exc.message]
        return _list_page(form, 422)
    except ServiceError as exc:
        current_session().rollback()
        form.file.errors = [exc.message]
        return _list_page(form, 422)
    current_session().commit()
    return redirect(url_for("admin.questionnaires_detail", version=questionnaire.version,
                            published=1, lang=request.args.get("lang")), code=303)
