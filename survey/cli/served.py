"""``flask survey served import``: claimants served per period and unit (the weights)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..services import audit
from ..services.audit import Action
from ..services.reporting.served import import_served_csv
from .errors import service_errors
from .locale import lang_option

served_cli = AppGroup("served", help="Served counts (claimants served per period and unit).")


@served_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option()
@service_errors
def import_served(path: Path, lang: Optional[str]) -> None:
    """Import served counts from a CSV file: period, unit, service (blank = all), count."""
    summary = import_served_csv(current_session(), path.read_bytes())
    audit.record(current_session(), Action.SERVED_IMPORTED, audit.CLI,
                 detail={"inserted": summary.inserted, "updated": summary.updated,
                         "unchanged": summary.unchanged})
    current_session().commit()
    click.echo(_("Served counts imported: %(inserted)s new, %(updated)s changed, "
                 "%(unchanged)s unchanged.", inserted=summary.inserted,
                 updated=summary.updated, unchanged=summary.unchanged))
