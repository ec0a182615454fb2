"""/admin/served: importing served counts (claimants served per period, unit and
service) from the CSV file ``flask survey served import`` reads, with a preview."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..services import audit
from ..services.audit import Action, Actor
from ..services.previews import preview_served
from ..services.reporting.served import ImportSummary, import_served_csv
from . import bp
from .data_forms import UploadForm
from .imports import confirm_import, preview_page
from .permissions import requires, signed_in_user

IMPORT = {
    "title": _l("Import served counts"),
    "help": _l("Columns: period (e.g. 2026-11, 2026-Q4 or 2026), unit (its code), service "
               "(its code; blank for all services), count (a whole number). The first line "
               "names the columns. A count already imported for the same period, unit and "
               "service is replaced."),
    "example": "period,unit,service,count\n2026-11,NA-VINH,,1250",
    "action": "admin.served_preview",
    "confirm": "admin.served_confirm",
    "back": None,
}


@bp.get("/served")
@requires("served.import")
def served():
    return preview_page(IMPORT, UploadForm(formdata=None))


@bp.post("/served")
@requires("served.import")
def served_preview():
    return preview_page(IMPORT, UploadForm(), preview_served)


def _write(data: bytes) -> ImportSummary:
    """What ``flask survey served import`` does, in the signed-in user's name."""
    summary = import_served_csv(current_session(), data)
    audit.record(current_session(), Action.SERVED_IMPORTED, Actor.of(signed_in_user()),
                 detail={"inserted": summary.inserted, "updated": summary.updated,
                         "unchanged": summary.unchanged})
    return summary


def _summary(done: ImportSummary) -> Any:
    return _l("Served counts imported: %(inserted)s new, %(updated)s changed, "
              "%(unchanged)s unchanged.", inserted=done.inserted, updated=done.updated,
              unchanged=done.unchanged)


@bp.post("/served/confirm")
@requires("served.import")
def served_confirm():
    return confirm_import(IMPORT, preview_served, _write, _summary)
