"""``flask survey questionnaire load``: questionnaire versions."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import utcnow
from ..services import audit, catalogue
from ..services.audit import Action
from ..services.errors import ServiceError
from .errors import service_errors

questionnaire_cli = AppGroup("questionnaire", help="Questionnaire versions.")

#: Questionnaire states as the operator reads them.
STATUS = {"draft": _l("draft"), "published": _l("published"), "retired": _l("retired")}


@questionnaire_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                required=False)
@click.option("--draft", is_flag=True, help="Store without publishing.")
@service_errors
def load_questionnaire(path: Path | None, draft: bool) -> None:
    """Store a questionnaire JSON file (default: the shipped v1) as a new version."""
    try:
        definition = json.loads(path.read_text("utf-8")) if path else None
    except ValueError as exc:  # not UTF-8, or not JSON
        raise _unreadable(exc) from exc
    started = utcnow()
    try:
        questionnaire = catalogue.load_questionnaire(current_session(), definition, publish=not draft)
    except (KeyError, TypeError, AttributeError) as exc:  # JSON without the expected fields
        raise _unreadable(exc) from exc
    if questionnaire.published_at is not None and questionnaire.published_at >= started:
        audit.record(current_session(), Action.QUESTIONNAIRE_PUBLISHED, audit.CLI,
                     object_type="questionnaire", object_id=questionnaire.id,
                     detail={"version": questionnaire.version,
                             "items": len(questionnaire.items)})
    current_session().commit()
    click.echo(_("Questionnaire v%(version)s: %(status)s, %(items)s items",
                 version=questionnaire.version, status=STATUS[questionnaire.status.value],
                 items=len(questionnaire.items)))


def _unreadable(exc: Exception) -> ServiceError:
    """A file that is not a questionnaire fails like any refused input."""
    return ServiceError(_l("Cannot load the questionnaire: %(error)s", error=str(exc)))
