"""``flask survey units|posters|qr|receipts``: the organisation tree and printed material.

Operator output goes through Babel in the CLI language (see :mod:`survey.cli_locale`);
``--lang`` chooses the language of the printed material and of the messages.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from .cli_locale import lang_option, output_locale
from .extensions import db
from .models import Service, Unit
from .services import catalogue
from .services.intake import posters
from .io import qr
from .services.intake import receipts
from .services.errors import ServiceError
from .services.catalogue.units import UnitImportError, import_units, unit_tree

units_cli = AppGroup("units", help="Units and counters (the organisation tree).")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option()
def units_import(path: Path, lang: Optional[str]) -> None:
    """Create or update units from a CSV file (all or nothing).

    Columns: code, parent_code, kind, name_vi, name_en, active. UTF-8 (BOM optional).
    """
    with output_locale(lang):
        try:
            summary = import_units(db.session, path.read_bytes())
        except UnitImportError as exc:
            db.session.rollback()
            for error in exc.rows:
                click.echo(str(error), err=True)
            raise click.ClickException(_("%(message)s Errors: %(count)s.",
                                         message=str(exc.message), count=len(exc.rows))) from exc
        db.session.commit()
        click.echo(_("Created: %(created)s; updated: %(updated)s; unchanged: %(unchanged)s",
                     created=len(summary.created), updated=len(summary.updated),
                     unchanged=len(summary.unchanged)))
        if summary.absent:
            click.echo(_("Not in the file, kept: %(codes)s", codes=", ".join(summary.absent)))


@units_cli.command("list")
@click.option("--active-only", is_flag=True, help="Hide inactive units.")
def units_list(active_only: bool) -> None:
    """Print the tree: code, kind, state and Vietnamese name."""
    for depth, unit in unit_tree(db.session):
        if active_only and not unit.active:
            continue
        state = "" if unit.active else "  [" + _("inactive") + "]"
        click.echo(f"{'  ' * depth}{unit.code:<{24 - 2 * depth}} {unit.kind.value:<9} "
                   f"{unit.name_vi}{state}")


def _unit(code: str) -> Unit:
    unit = catalogue.unit_by_code(db.session, code)
    if unit is None:
        raise click.BadParameter(_("no active unit %(code)s", code=repr(code)),
                                 param_hint="--unit")
    return unit


def _service(code: Optional[str]) -> Optional[Service]:
    if code is None:
        return None
    service = catalogue.service_by_code(db.session, code)
    if service is None:
        known = ", ".join(s.code for s in catalogue.active_services(db.session))
        raise click.BadParameter(_("no service %(code)s (%(known)s)", code=repr(code),
                                   known=known), param_hint="--service")
    return service


MATERIAL_LANG_HELP = ("Language of the printed material (default vi) and of the messages "
                      "(default SURVEY_CLI_LANG, vi).")


def _save(out: Path, content: str | bytes) -> None:
    """Write ``content`` to ``out``, or stop with a clear message (no traceback)."""
    try:
        if isinstance(content, bytes):
            out.write_bytes(content)
        else:
            out.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(_("Could not write %(path)s: %(reason)s",
                                     path=out, reason=exc.strerror or exc)) from exc


def _write(out: Path, html: str, pages: int, size: str) -> None:
    _save(out, html)
    click.echo(_("Pages: %(pages)s (%(size)s), written to %(path)s (%(kb)s KB)", pages=pages,
                 size=size, path=out, kb=len(html) // 1024))


@click.command("posters")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. NA-VINH.")
@click.option("--service", "service_code", help="Preset the service (?svc=CODE).")
@click.option("--size", type=click.Choice(posters.SIZES), default="a4", show_default=True,
              help="a4: wall poster; a5: table stand.")
@lang_option(MATERIAL_LANG_HELP)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def posters_command(unit_code: str, service_code: Optional[str], size: str,
                    lang: Optional[str], out: Path) -> None:
    """Write a print-ready HTML file: one QR poster per counter below --unit."""
    with output_locale(lang):
        unit, service = _unit(unit_code), _service(service_code)
        units = posters.poster_units(db.session, unit)
        html = posters.render_posters(units, current_app.config["PUBLIC_URL"], service, size,
                                      lang or "vi")
        _write(out, html, len(units), size.upper())


@click.command("qr")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. NA-VINH.")
@click.option("--service", "service_code", help="Preset the service (?svc=CODE).")
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg",
              show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def qr_command(unit_code: str, service_code: Optional[str], fmt: str, out_dir: Path) -> None:
    """Write one QR image per counter below --unit (CODE[_SERVICE].svg|png)."""
    unit, service = _unit(unit_code), _service(service_code)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(_("Could not write %(path)s: %(reason)s",
                                     path=out_dir, reason=exc.strerror or exc)) from exc
    for target in posters.poster_units(db.session, unit):
        url = qr.survey_url(current_app.config["PUBLIC_URL"], target,
                            service.code if service else None)
        name = target.code + (f"_{service.code}" if service else "") + f".{fmt}"
        if fmt == "svg":
            _save(out_dir / name, qr.qr_svg(url, label=url))
        else:
            _save(out_dir / name, qr.qr_png(url))
        click.echo(f"{out_dir / name}\t{url}")


receipts_cli = AppGroup("receipts", help="Single-use receipt codes.")


@receipts_cli.command("issue")
@click.option("--unit", "unit_code", required=True, help="Unit (or counter) code.")
@click.option("--service", "service_code", required=True, help="Service code.")
@click.option("--count", type=click.IntRange(1, receipts.MAX_COUNT), default=50,
              show_default=True)
@lang_option(MATERIAL_LANG_HELP)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def receipts_issue(unit_code: str, service_code: str, count: int, lang: Optional[str],
                   out: Path) -> None:
    """Issue --count codes and write an A4 sheet of slips (10 per page) to cut out."""
    with output_locale(lang):
        _issue(unit_code, service_code, count, lang or "vi", out)


def _issue(unit_code: str, service_code: str, count: int, lang: str, out: Path) -> None:
    """Issue the codes, write their sheet, then commit (nothing issued if writing fails)."""
    unit, service = _unit(unit_code), _service(service_code)
    days = int(current_app.config.get("RECEIPT_DAYS", receipts.DEFAULT_DAYS))
    try:
        codes = receipts.issue_receipt_codes(db.session, unit, service, count, days=days)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    html = posters.render_receipt_sheet(codes, current_app.config["PUBLIC_URL"], lang)
    try:
        _save(out, html)
    except click.ClickException:
        db.session.rollback()
        raise
    db.session.commit()  # only once the sheet exists: no codes issued without their slips
    pages = -(-count // posters.SLIPS_PER_PAGE)
    click.echo(_("Codes: %(count)s, pages: %(pages)s, valid for %(days)s days, written to "
                 "%(path)s", count=count, pages=pages, days=days, path=out))
