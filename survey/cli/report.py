"""``flask survey report``: the quarterly or annual report as XLSX, CSV (zip) or PDF, and
``flask survey microdata``: the anonymous extract for analysts.

The report is filed as a version (:mod:`survey.services.reports.signoff`): the first
run makes v1 (a draft); a run after approval with changed figures makes v2 with a change
log. Every file written is logged in the audit log with its SHA-256.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.audit import CLI
from ..services.reporting.index import configured
from ..services.reports import signoff
from ..services.reports.files import FORMATS
from .errors import service_errors


@click.command("report")
@click.option("--period", required=True, help="2026-Q3 (quarterly report) or 2026 (annual).")
@click.option("--unit", required=True, help="Unit code of the reporting unit, e.g. NA.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: BHTN_HaiLong_<unit>_<period>_v<n>.<ext> here).")
@service_errors
def report_command(period: str, unit: str, fmt: str, out: Optional[str]) -> None:
    """Write the satisfaction report for the province and the ministry."""
    generated = signoff.generate(current_session(), unit, period, CLI,
                                 configured(current_app.config))
    name, content = signoff.export(current_session(), generated.version, fmt, CLI,
                                   current_app.config.get("REPORT_RECEIVER", ""))
    target = Path(out) if out else Path(name)
    target.write_bytes(content)
    current_session().commit()
    click.echo(_("%(file)s written: version %(n)s (%(status)s), %(size)s bytes, SHA-256 "
                 "%(sha)s.", file=str(target), n=generated.version.number,
                 status=signoff.STATUS_NAMES[generated.version.status], size=len(content),
                 sha=__import__("hashlib").sha256(content).hexdigest()))
    if generated.outcome == "created" and generated.version.number > 1:
        click.echo(_("The figures changed since the approved version: %(count)s cells, "
                     "listed in the change log of version %(n)s.",
                     count=len(generated.version.change_log), n=generated.version.number))
