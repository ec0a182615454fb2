"""``flask survey kiosk add|list|revoke``: counter kiosks for the IT officer."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import utcnow
from ..services import audit
from ..services.audit import Action
from ..services.devices import kiosks
from ..timeutil import format_local
from .errors import service_errors

kiosk_cli = AppGroup("kiosk", help="Counter kiosks: pairing codes, listing, revoking.")

#: :func:`kiosks.device_state` as the operator reads it.
STATES = {"revoked": _l("revoked"), "paired": _l("paired"), "waiting": _l("waiting for pairing"),
          "expired": _l("pairing code expired")}


@kiosk_cli.command("add")
@click.option("--unit", "unit_code", required=True, help="Unit or counter code, e.g. NA-VINH-Q3.")
@click.option("--name", required=True, help='Name of the kiosk, e.g. "Quầy 3".')
@service_errors
def add_kiosk(unit_code: str, name: str) -> None:
    """Register a kiosk; its one-time pairing code (24 h) is alone on the last line."""
    device, code = kiosks.add_device(current_session(), unit_code, name)
    audit.record(current_session(), Action.KIOSK_ADDED, audit.CLI, object_type="kiosk",
                 object_id=device.id, unit_id=device.unit_id, detail={"name": device.name})
    current_session().commit()
    click.echo(f"Kiosk #{device.id} '{device.name}' — {device.unit.code}.")
    click.echo(_("One-time pairing code, expires at %(time)s:",
                 time=format_local(device.pairing_expires_at)))
    click.echo(kiosks.format_code(code))  # alone on the last line: typed into the kiosk


@kiosk_cli.command("list")
def list_kiosks() -> None:
    """List kiosks with their unit, state and last contact (never tokens).

    A paired kiosk reports in every SURVEY_KIOSK_HEARTBEAT_SECONDS even when nobody uses
    it; one silent for longer than three of those is marked as out of contact. Times are
    Vietnam time.
    """
    now = utcnow()
    heartbeat = current_app.config["KIOSK_HEARTBEAT_SECONDS"]
    for device in kiosks.list_devices(current_session()):
        seen = format_local(device.last_seen_at)
        state = kiosks.device_state(device, now)
        line = (f"{device.id}\t{device.unit.code}\t{device.name}\t"
                f"{STATES.get(state, state)}\t" + _("last seen %(time)s", time=seen))
        silent = kiosks.silent_for(device, heartbeat, now)
        if silent is not None:
            hours = int(silent.total_seconds() // 3600)
            line += "\t" + _("OUT OF CONTACT for %(hours)s h: check its network and power",
                              hours=hours)
        click.echo(line)


@kiosk_cli.command("revoke")
@click.argument("device_id", type=int)
@service_errors
def revoke_kiosk(device_id: int) -> None:
    """Revoke a kiosk by id: its token and pairing code stop working at once."""
    device = kiosks.revoke_device(current_session(), device_id)
    audit.record(current_session(), Action.KIOSK_REVOKED, audit.CLI, object_type="kiosk",
                 object_id=device.id, unit_id=device.unit_id)
    current_session().commit()
    click.echo(_("Kiosk #%(id)s '%(name)s' revoked.", id=device.id, name=device.name))
