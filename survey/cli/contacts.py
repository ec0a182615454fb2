"""``flask survey purge-contacts``: contact details past their retention date, and those
of inbox cases closed ``SURVEY_CONTACT_RETENTION_DAYS`` (default 30) days ago or more;
``flask survey fill-answer-bits``: the stored answer bits of responses written without
them (by an older release during an upgrade)."""
from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.audit import CLI
from ..services.inbox.retention import DEFAULT_RETENTION_DAYS, purge_closed_contacts
from ..services.intake.responses import fill_answer_bits as fill
from ..services.intake.responses import purge_contacts as purge
from .errors import service_errors


@click.command("purge-contacts")
@service_errors
def purge_contacts() -> None:
    """Delete contact details past their retention date (run daily from cron)."""
    count = purge(current_session())
    days = int(current_app.config.get("CONTACT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    closed = purge_closed_contacts(current_session(), CLI, days)
    current_session().commit()
    click.echo(_("Deleted %(count)s contact record(s) past retention.", count=count))
    click.echo(_("Deleted %(count)s contact record(s) of cases closed %(days)s days ago or "
                 "more.", count=closed, days=days))


@click.command("fill-answer-bits")
@service_errors
def fill_answer_bits() -> None:
    """Fill the answer bits of responses stored without them (run once after an upgrade)."""
    count = fill(current_session())
    current_session().commit()
    click.echo(_("Filled the answer bits of %(count)s response(s).", count=count))
