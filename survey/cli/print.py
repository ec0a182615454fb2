"""``flask survey posters|qr|receipts issue``: printed material (posters, QR images, slips).

Operator output goes through Babel in the CLI language (see :mod:`survey.cli.locale`);
``--lang`` chooses the language of the printed material and of the messages.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..io import qr
from ..models import Service, Unit
from ..services import catalogue
from ..services.errors import ServiceError
from ..services.intake import posters, receipts
from .errors import service_errors
from .locale import lang_option


def _unit(code: str) -> Unit:
    unit = catalogue.unit_by_code(current_session(), code)
    if unit is None:
        raise click.BadParameter(_("no active unit %(code)s", code=repr(code)),
                                 param_hint="--unit")
    return unit


def _service(code: Optional[str]) -> Optional[Service]:
    if code is None:
        return None
    service = catalogue.service_by_code(current_session(), code)
    if service is None:
        known = ", ".join(s.code for s in catalogue.active_services(current_session()))
        raise click.BadParameter(_("no service %(code)s (%(known)s)", code=repr(code),
                                   known=known), param_hint="--service")
    return service


MATERIAL_LANG_HELP = ("Language of the printed material (default vi) and of the messages "
                      "(default SURVEY_CLI_LANG, vi).")


def _save(out: Path, content: str | bytes) -> None:
    """Write ``content`` to ``out``; an unwritable path is refused input (a clear message
    and exit 1 through :func:`service_errors`, no traceback)."""
    try:
        if isinstance(content, bytes):
            out.write_bytes(content)
        else:
            out.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise _unwritable(out, exc) from exc


def _unwritable(path: Path, exc: OSError) -> ServiceError:
    return ServiceError(_l("Could not write %(path)s: %(reason)s", path=str(path),
                           reason=exc.strerror or str(exc)))


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
@service_errors
def posters_command(unit_code: str, service_code: Optional[str], size: str,
                    lang: Optional[str], out: Path) -> None:
    """Write a print-ready HTML file: one QR poster per counter below --unit."""
    unit, service = _unit(unit_code), _service(service_code)
    units = posters.poster_units(current_session(), unit)
    html = posters.render_posters(units, current_app.config["PUBLIC_URL"], service, size,
                                  lang or "vi")
    _write(out, html, len(units), size.upper())


@click.command("qr")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. NA-VINH.")
@click.option("--service", "service_code", help="Preset the service (?svc=CODE).")
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg",
              show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@service_errors
def qr_command(unit_code: str, service_code: Optional[str], fmt: str, out_dir: Path) -> None:
    """Write one QR image per counter below --unit (CODE[_SERVICE].svg|png)."""
    unit, service = _unit(unit_code), _service(service_code)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(out_dir, exc) from exc
    for target in posters.poster_units(current_session(), unit):
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
@service_errors
def receipts_issue(unit_code: str, service_code: str, count: int, lang: Optional[str],
                   out: Path) -> None:
    """Issue --count codes and write an A4 sheet of slips (10 per page) to cut out.

    The codes are committed only once the sheet is written: if writing fails,
    :func:`service_errors` rolls them back, so no codes are issued without their slips.
    """
    unit, service = _unit(unit_code), _service(service_code)
    assert service is not None  # --service is required
    days = receipts.receipt_days(current_app.config)
    codes = receipts.issue_receipt_codes(current_session(), unit, service, count, days=days)
    html = posters.render_receipt_sheet(codes, current_app.config["PUBLIC_URL"], lang or "vi")
    _save(out, html)
    current_session().commit()
    pages = -(-count // posters.SLIPS_PER_PAGE)
    click.echo(_("Codes: %(count)s, pages: %(pages)s, valid for %(days)s days, written to "
                 "%(path)s", count=count, pages=pages, days=days, path=out))
