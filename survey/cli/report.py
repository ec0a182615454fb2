"""``flask survey report``: the quarterly or annual report as XLSX, CSV (zip) or PDF, and
``flask survey microdata``: the anonymous extract for analysts.

The report is filed as a version (:mod:`survey.services.reports.signoff`): the first
run makes v1 (a draft); a run after approval with changed figures makes v2 with a change
log. Every file written is logged in the audit log with its SHA-256. The command works
in the foreground (it is a batch tool already).

``flask survey report jobs run`` runs the web app's report jobs that are waiting or whose
worker stopped (docs/reports.md, "Background jobs"); ``jobs list`` shows the latest.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.audit import CLI
from ..services.reporting.index import configured
from ..services.reports import signoff
from ..services.reports.files import FORMATS
from .errors import service_errors


@click.group("report", cls=AppGroup, invoke_without_command=True)
@click.option("--period", help="2026-Q3 (quarterly report) or 2026 (annual).")
@click.option("--unit", help="Unit code of the reporting unit, e.g. NA.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: BHTN_HaiLong_<unit>_<period>_v<n>.<ext> here).")
@service_errors
@click.pass_context
def report_command(ctx: click.Context, period: Optional[str], unit: Optional[str], fmt: str,
                   out: Optional[str]) -> None:
    """Write the satisfaction report for the province and the ministry (or: report jobs
    run / list)."""
    if ctx.invoked_subcommand is not None:
        return
    if not period or not unit:
        raise click.UsageError(_("Give --period and --unit, e.g. --period 2026-Q3 --unit NA."))
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


@report_command.group("jobs", cls=AppGroup)
def jobs_cli() -> None:
    """The web app's background report jobs."""


@jobs_cli.command("run")
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep running: look for jobs again every so many seconds.")
def run_jobs(every: Optional[float]) -> None:
    """Run the queued jobs and those whose worker stopped (stale heartbeat), then exit."""
    import time

    from ..services.reports import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        ran = jobs.run_pending(app)
        for job_id, status in ran.items():
            click.echo(_("Job %(id)s: %(status)s.", id=job_id,
                         status=status.value if status else _("taken by another runner")))
        if every is None:
            if not ran:
                click.echo(_("No report job is waiting."))
            return
        time.sleep(every)


@jobs_cli.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def list_jobs(limit: int) -> None:
    """The latest jobs: id, unit, period, kind, status, progress, error."""
    import sqlalchemy as sa

    from ..models import ReportJob, Unit

    rows = current_session().execute(
        sa.select(ReportJob, Unit.code).join(Unit, Unit.id == ReportJob.unit_id)
        .order_by(ReportJob.created_at.desc(), ReportJob.id.desc()).limit(limit))
    for job, code in rows:
        click.echo("\t".join([str(job.id), code, job.period, job.kind.value, job.status.value,
                              f"{job.progress}%", job.requested_by, job.error or ""]))
