"""``flask survey units import|list``: the organisation tree (units and counters)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..services import audit
from ..services.catalogue.unit_changes import import_units_audited
from ..services.catalogue.units import unit_tree
from .errors import service_errors
from .locale import lang_option

units_cli = AppGroup("units", help="Units and counters (the organisation tree).")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option()
@service_errors
def units_import(path: Path, lang: Optional[str]) -> None:
    """Create or update units from a CSV file (all or nothing).

    Columns: code, parent_code, kind, name_vi, name_en, active. UTF-8 (BOM optional).
    """
    summary = import_units_audited(current_session(), path.read_bytes(), audit.CLI)
    current_session().commit()
    click.echo(_("Created: %(created)s; updated: %(updated)s; unchanged: %(unchanged)s",
                 created=len(summary.created), updated=len(summary.updated),
                 unchanged=len(summary.unchanged)))
    if summary.absent:
        click.echo(_("Not in the file, kept: %(codes)s", codes=", ".join(summary.absent)))


@units_cli.command("list")
@click.option("--active-only", is_flag=True, help="Hide inactive units.")
def units_list(active_only: bool) -> None:
    """Print the tree: code, kind, state and Vietnamese name."""
    for depth, unit in unit_tree(current_session()):
        if active_only and not unit.active:
            continue
        state = "" if unit.active else "  [" + _("inactive") + "]"
        click.echo(f"{'  ' * depth}{unit.code:<{24 - 2 * depth}} {unit.kind.value:<9} "
                   f"{unit.name_vi}{state}")
