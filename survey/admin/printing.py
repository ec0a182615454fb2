"""/admin/print: QR posters and receipt slips for the user's units, downloaded as the
same print-ready HTML file that ``flask survey posters`` and ``flask survey receipts
issue`` write. Every download is audited as an export."""
from __future__ import annotations

from typing import Optional, Union

from flask import Response, abort, current_app, g, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import Service, Unit, utcnow
from ..services import audit, catalogue
from ..services.audit import Action, Actor
from ..services.intake import posters, receipts
from ..timeutil import local_date
from . import bp
from .device_forms import SLIPS_PER_PAGE, PosterForm, ReceiptForm
from .kiosks import scoped_tree
from .permissions import requires, signed_in_user

UNKNOWN_SERVICE = _l("Choose one of the services listed.")
INACTIVE_UNIT = _l("This unit is no longer active; choose another one.")


def _locale() -> str:
    return str(get_locale())


def _forms(poster: Optional[PosterForm] = None,
           receipt: Optional[ReceiptForm] = None) -> tuple[PosterForm, ReceiptForm]:
    tree, services = scoped_tree(), catalogue.active_services(current_session())
    return ((poster or PosterForm(formdata=None, prefix="poster")).fill(tree, services,
                                                                         _locale()),
            (receipt or ReceiptForm(formdata=None, prefix="receipt")).fill(tree, services,
                                                                            _locale()))


def _page(poster: PosterForm, receipt: ReceiptForm, status: int = 200):
    return render_template("admin/print.html", poster=poster, receipt=receipt,
                           max_count=receipts.MAX_COUNT, per_page=SLIPS_PER_PAGE,
                           days=receipts.receipt_days(current_app.config)), status


def _unit(form: Union[PosterForm, ReceiptForm]) -> Optional[Unit]:
    """The unit chosen: 404 outside the scope (as for a unit in a URL), None with a field
    error for one no longer active."""
    unit = catalogue.unit_by_code(current_session(), form.unit.data or "", active_only=False)
    if unit is None or unit.id not in g.scope:
        abort(404)
    if not unit.active:
        form.unit.errors = [INACTIVE_UNIT]
        return None
    return unit


def _service(form: Union[PosterForm, ReceiptForm]) -> tuple[bool, Optional[Service]]:
    """(valid, the service chosen or None for any)."""
    code = form.service.data or ""
    if not code:
        return True, None
    service = catalogue.service_by_code(current_session(), code)
    if service is None:
        form.service.errors = [UNKNOWN_SERVICE]
        return False, None
    return True, service


def _download(html: str, name: str) -> Response:
    return Response(html.encode("utf-8"), mimetype="text/html",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _audit(kind: str, unit: Unit, detail: dict) -> None:
    audit.record(current_session(), Action.EXPORT_DOWNLOADED, Actor.of(signed_in_user()),
                 object_type=kind, unit_id=unit.id, detail={"kind": kind, **detail})


@bp.get("/print", endpoint="print")
@requires("posters.print")
def print_page():
    return _page(*_forms())


@bp.post("/print/posters")
@requires("posters.print")
def print_posters():
    form, other = _forms(poster=PosterForm(prefix="poster"))
    valid = form.validate()
    unit = _unit(form) if form.unit.data else None
    found, service = _service(form)
    if not valid or unit is None or not found:
        return _page(form, other, status=422)
    size, lang = form.size.data or "a4", form.lang.data or "vi"
    units = posters.poster_units(current_session(), unit)
    html = posters.render_posters(units, current_app.config["PUBLIC_URL"], service, size, lang)
    _audit("posters", unit, {"size": size, "service": service.code if service else None,
                             "pages": len(units), "lang": lang})
    current_session().commit()
    suffix = f"-{service.code}" if service else ""
    return _download(html, f"posters-{unit.code}{suffix}-{size}.html")


@bp.post("/print/receipts")
@requires("posters.print")
def print_receipts():
    other, form = _forms(receipt=ReceiptForm(prefix="receipt"))
    valid = form.validate()
    unit = _unit(form) if form.unit.data else None
    found, service = _service(form) if form.service.data else (False, None)
    if not valid or unit is None or not found or service is None:
        return _page(other, form, status=422)
    count, lang = form.number(), form.lang.data or "vi"
    days = receipts.receipt_days(current_app.config)
    codes = receipts.issue_receipt_codes(current_session(), unit, service, count, days=days)
    html = posters.render_receipt_sheet(codes, current_app.config["PUBLIC_URL"], lang)
    _audit("receipt_slips", unit, {"service": service.code, "count": count, "lang": lang})
    current_session().commit()
    day = local_date(utcnow()).isoformat()
    return _download(html, f"receipt-slips-{unit.code}-{service.code}-{day}.html")
