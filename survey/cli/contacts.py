"""``flask survey purge-contacts``: contact details past their retention date."""
from __future__ import annotations

import click
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.intake.responses import purge_contacts as purge
from .errors import service_errors


@click.command("purge-contacts")
@service_errors
def purge_contacts() -> None:
    """Delete contact details past their retention date (run daily from cron)."""
    count = purge(current_session())
    current_session().commit()
    click.echo(_("Deleted %(count)s contact record(s) past retention.", count=count))
