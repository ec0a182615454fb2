"""/admin/kiosks: the counter kiosks of the user's units: list, add, revoke.

A new kiosk's pairing code is shown once, on the page that answers the form (it is
stored hashed and never in a redirect), like ``flask survey kiosk add``."""
from __future__ import annotations

from typing import Optional

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import get_locale

from ..cli.kiosks import STATES
from ..extensions import current_session
from ..models import KioskDevice, Unit, utcnow
from ..services import audit
from ..services.audit import Action, Actor
from ..services.catalogue import unit_by_code
from ..services.catalogue.units import unit_tree
from ..services.devices import kiosks
from ..services.errors import ServiceError
from . import bp
from .device_forms import NewKioskForm, RevokeForm
from .permissions import requires, signed_in_user


def _locale() -> str:
    return str(get_locale())


def scoped_tree() -> list[tuple[int, Unit]]:
    """The unit tree cut to the units in the request's scope (``g.scope``)."""
    return [(depth, unit) for depth, unit in unit_tree(current_session()) if unit.id in g.scope]


def _page(form: NewKioskForm, status: int = 200, added: Optional[KioskDevice] = None,
          code: Optional[str] = None):
    now = utcnow()
    heartbeat = current_app.config["KIOSK_HEARTBEAT_SECONDS"]
    rows = [(device, kiosks.device_state(device, now), kiosks.silent_for(device, heartbeat, now))
            for device in kiosks.list_devices(current_session(), g.scope)]
    revoked = request.args.get("revoked", "")
    revoked_device = next((device for device, _state, _silent in rows
                           if revoked.isdigit() and device.id == int(revoked)), None)
    return render_template("admin/kiosks.html", rows=rows, form=form, states=STATES,
                           added=added, code=kiosks.format_code(code) if code else None,
                           revoked=None if added else revoked_device,
                           locale=_locale()), status


@bp.get("/kiosks", endpoint="kiosks")
@requires("kiosks.manage")
def kiosks_page():
    return _page(NewKioskForm(formdata=None).fill(scoped_tree(), _locale()))


@bp.post("/kiosks")
@requires("kiosks.manage")
def kiosks_add():
    form = NewKioskForm().fill(scoped_tree(), _locale())
    if not form.validate():
        return _page(form, 422)
    unit = unit_by_code(current_session(), form.unit.data or "", active_only=False)
    if unit is None or unit.id not in g.scope:
        abort(404)  # as for a unit in a URL: other units' existence is not revealed
    try:
        device, code = kiosks.add_device(current_session(), unit.code, form.name.data or "")
    except ServiceError as exc:
        current_session().rollback()
        form.unit.errors = [exc.message]
        return _page(form, 422)
    audit.record(current_session(), Action.KIOSK_ADDED, Actor.of(signed_in_user()),
                 object_type="kiosk", object_id=device.id, unit_id=device.unit_id,
                 detail={"name": device.name})
    current_session().commit()
    return _page(NewKioskForm(formdata=None).fill(scoped_tree(), _locale()), 201,
                 added=device, code=code)


@bp.post("/kiosks/revoke")
@requires("kiosks.manage")
def kiosks_revoke():
    form = RevokeForm()
    if not form.validate():
        new = NewKioskForm(formdata=None).fill(scoped_tree(), _locale())
        new.form_errors.extend(form.id.errors)
        return _page(new, 422)
    device = current_session().get(KioskDevice, form.number())
    if device is None or device.unit_id not in g.scope:
        abort(404)
    kiosks.revoke_device(current_session(), device.id)
    audit.record(current_session(), Action.KIOSK_REVOKED, Actor.of(signed_in_user()),
                 object_type="kiosk", object_id=device.id, unit_id=device.unit_id)
    current_session().commit()
    return redirect(url_for("admin.kiosks", lang=request.args.get("lang"),
                            revoked=device.id), code=303)
