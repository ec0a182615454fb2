"""``flask survey purge-contacts``: contact details past their retention date, and those
of inbox cases closed ``SURVEY_CONTACT_RETENTION_DAYS`` (default 30) days ago or more."""
from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.audit import CLI
from ..services.inbox.retention import DEFAULT_RETENTION_DAYS, purge_closed_contacts
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
