"""``flask survey coverage``: the plan's coverage indicators (``--period --unit``) and
``flask survey coverage import FILE`` (the case software's monthly counts, CSV)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..services import audit
from ..services.coverage import configured_targets, coverage_report, import_coverage_csv
from .errors import service_errors
from .locale import cli_language, lang_option
from .output import emit, format_option


@click.group("coverage", cls=AppGroup, invoke_without_command=True)
@click.option("--period", help="2026-09 (month), 2026-Q3 (quarter) or 2026.")
@click.option("--unit", help="Unit code of the scope, e.g. NA.")
@format_option()
@lang_option()
@service_errors
@click.pass_context
def coverage_cli(ctx: click.Context, period: Optional[str], unit: Optional[str], fmt: str,
                 lang: Optional[str]) -> None:
    """Print the coverage indicators (counselling, referral, placement, training) of a
    unit, or import the monthly counts (coverage import FILE)."""
    if ctx.invoked_subcommand is not None:
        return
    if not period or not unit:
        raise click.UsageError(_("Give --period and --unit, e.g. --period 2026-Q3 --unit NA."))
    locale = lang or cli_language()
    from ..services.reporting.index import configured

    report = coverage_report(current_session(), period, unit,
                             targets=configured_targets(current_app.config), locale=locale,
                             options=configured(current_app.config))
    from ..api.coverage import coverage_json

    emit(report, fmt, locale, coverage_json)


@coverage_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option()
@service_errors
def import_coverage(path: Path, lang: Optional[str]) -> None:
    """Import monthly counts from a CSV file (columns in docs/coverage.md)."""
    summary = import_coverage_csv(current_session(), path.read_bytes(), audit.CLI)
    current_session().commit()
    click.echo(_("Coverage counts imported: %(inserted)s new, %(updated)s changed, "
                 "%(unchanged)s unchanged.", inserted=summary.inserted,
                 updated=summary.updated, unchanged=summary.unchanged))
