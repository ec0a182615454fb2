"""``flask survey kiosk add|list|revoke``: counter kiosks for the IT officer."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .extensions import db
from .services import kiosks
from .services.errors import ServiceError

kiosk_cli = AppGroup("kiosk", help="Counter kiosks: pairing codes, listing, revoking.")


@kiosk_cli.command("add")
@click.option("--unit", "unit_code", required=True, help="Unit or counter code, e.g. NA-VINH-Q3.")
@click.option("--name", required=True, help='Name of the kiosk, e.g. "Quầy 3".')
def add_kiosk(unit_code: str, name: str) -> None:
    """Register a kiosk; its one-time pairing code (24 h) is alone on the last line."""
    try:
        device, code = kiosks.add_device(db.session, unit_code, name)
    except ServiceError as exc:
        raise click.ClickException(f"Không tạo được kiosk / cannot add kiosk: {exc}") from exc
    db.session.commit()
    expires = device.pairing_expires_at.strftime("%Y-%m-%d %H:%M")
    click.echo(f"Kiosk #{device.id} '{device.name}' — {device.unit.code}.")
    click.echo(f"Mã ghép nối dùng một lần, hết hạn / one-time pairing code, expires {expires} UTC:")
    click.echo(kiosks.format_code(code))


@kiosk_cli.command("list")
def list_kiosks() -> None:
    """List kiosks with their unit, state and last contact (never tokens)."""
    for device in kiosks.list_devices(db.session):
        seen = device.last_seen_at.isoformat(timespec="seconds") if device.last_seen_at else "-"
        click.echo(f"{device.id}\t{device.unit.code}\t{device.name}\t"
                   f"{kiosks.device_state(device)}\tlast seen {seen}")


@kiosk_cli.command("revoke")
@click.argument("device_id", type=int)
def revoke_kiosk(device_id: int) -> None:
    """Revoke a kiosk by id: its token and pairing code stop working at once."""
    try:
        device = kiosks.revoke_device(db.session, device_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Kiosk #{device.id} '{device.name}' đã thu hồi / revoked.")
