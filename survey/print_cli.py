"""``flask survey units|posters|qr|receipts``: the organisation tree and printed material.

Operator output is bilingual plain text (Vietnamese / English).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .models import Service, Unit
from .services import catalogue, posters, qr, receipts
from .services.errors import ServiceError
from .services.units_import import UnitImportError, import_units, unit_tree

units_cli = AppGroup("units", help="Units and counters (the organisation tree).")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(path: Path) -> None:
    """Create or update units from a CSV file (all or nothing).

    Columns: code, parent_code, kind, name_vi, name_en, active. UTF-8 (BOM optional).
    """
    try:
        summary = import_units(db.session, path.read_bytes())
    except UnitImportError as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"Không nhập gì cả: {len(exc.errors)} lỗi / nothing imported: "
            f"{len(exc.errors)} error(s)") from exc
    db.session.commit()
    click.echo(f"Tạo mới / created: {len(summary.created)}; cập nhật / updated: "
               f"{len(summary.updated)}; không đổi / unchanged: {len(summary.unchanged)}")
    if summary.absent:
        click.echo(f"Không có trong tệp, giữ nguyên / not in the file, kept: "
                   f"{', '.join(summary.absent)}")


@units_cli.command("list")
@click.option("--active-only", is_flag=True, help="Hide inactive units.")
def units_list(active_only: bool) -> None:
    """Print the tree: code, kind, state and Vietnamese name."""
    for depth, unit in unit_tree(db.session):
        if active_only and not unit.active:
            continue
        state = "" if unit.active else "  [ngừng / inactive]"
        click.echo(f"{'  ' * depth}{unit.code:<{24 - 2 * depth}} {unit.kind.value:<9} "
                   f"{unit.name_vi}{state}")


def _unit(code: str) -> Unit:
    unit = catalogue.unit_by_code(db.session, code)
    if unit is None:
        raise click.BadParameter(f"không có đơn vị đang hoạt động / no active unit '{code}'",
                                 param_hint="--unit")
    return unit


def _service(code: Optional[str]) -> Optional[Service]:
    if code is None:
        return None
    service = catalogue.service_by_code(db.session, code)
    if service is None:
        known = ", ".join(s.code for s in catalogue.active_services(db.session))
        raise click.BadParameter(f"không có dịch vụ / no service '{code}' ({known})",
                                 param_hint="--service")
    return service


def _write(out: Path, html: str, what: str) -> None:
    out.write_text(html, encoding="utf-8")
    click.echo(f"{what}: {out}  ({len(html) // 1024} KB)")


@click.command("posters")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. NA-VINH.")
@click.option("--service", "service_code", help="Preset the service (?svc=CODE).")
@click.option("--size", type=click.Choice(posters.SIZES), default="a4", show_default=True,
              help="a4: wall poster; a5: table stand.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def posters_command(unit_code: str, service_code: Optional[str], size: str, lang: str,
                    out: Path) -> None:
    """Write a print-ready HTML file: one QR poster per counter below --unit."""
    unit, service = _unit(unit_code), _service(service_code)
    units = posters.poster_units(db.session, unit)
    html = posters.render_posters(units, current_app.config["PUBLIC_URL"], service, size, lang)
    _write(out, html, f"{len(units)} trang / pages ({size.upper()})")


@click.command("qr")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. NA-VINH.")
@click.option("--service", "service_code", help="Preset the service (?svc=CODE).")
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg",
              show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def qr_command(unit_code: str, service_code: Optional[str], fmt: str, out_dir: Path) -> None:
    """Write one QR image per counter below --unit (CODE[_SERVICE].svg|png)."""
    unit, service = _unit(unit_code), _service(service_code)
    out_dir.mkdir(parents=True, exist_ok=True)
    for target in posters.poster_units(db.session, unit):
        url = qr.survey_url(current_app.config["PUBLIC_URL"], target,
                            service.code if service else None)
        name = target.code + (f"_{service.code}" if service else "") + f".{fmt}"
        if fmt == "svg":
            (out_dir / name).write_text(qr.qr_svg(url, label=url), encoding="utf-8")
        else:
            (out_dir / name).write_bytes(qr.qr_png(url))
        click.echo(f"{out_dir / name}\t{url}")


receipts_cli = AppGroup("receipts", help="Single-use receipt codes.")


@receipts_cli.command("issue")
@click.option("--unit", "unit_code", required=True, help="Unit (or counter) code.")
@click.option("--service", "service_code", required=True, help="Service code.")
@click.option("--count", type=click.IntRange(1, receipts.MAX_COUNT), default=50,
              show_default=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def receipts_issue(unit_code: str, service_code: str, count: int, lang: str,
                   out: Path) -> None:
    """Issue --count codes and write an A4 sheet of slips (10 per page) to cut out."""
    unit, service = _unit(unit_code), _service(service_code)
    days = int(current_app.config.get("RECEIPT_DAYS", receipts.DEFAULT_DAYS))
    try:
        codes = receipts.issue_receipt_codes(db.session, unit, service, count, days=days)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    html = posters.render_receipt_sheet(codes, current_app.config["PUBLIC_URL"], lang)
    out.write_text(html, encoding="utf-8")
    db.session.commit()  # only once the sheet exists: no codes issued without their slips
    pages = -(-count // posters.SLIPS_PER_PAGE)
    click.echo(f"{count} mã / codes, {pages} trang / pages, hạn / valid {days} ngày / days: "
               f"{out}")
