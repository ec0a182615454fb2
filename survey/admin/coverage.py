"""/admin/coverage: the plan's coverage indicators of a unit (one panel for the unit and
one per centre or branch below it) with a month-by-month table, and the CSV import of the
case software's monthly counts (``flask survey coverage import``), with a preview."""
from __future__ import annotations

from typing import Any

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import Unit, UnitKind, utcnow
from ..services.audit import Actor
from ..services.catalogue.units import unit_tree
from ..services.coverage import (INDICATORS, StoreSummary, configured_targets,
                                 coverage_report, coverage_trend, import_coverage_csv)
from ..services.errors import ServiceError
from ..services.previews import preview_coverage
from ..services.reporting.index import configured
from ..services.reporting.periods import Period, parse_period
from ..services.reporting.tables import Kind, format_value
from ..timeutil import local_date
from . import bp
from .data_forms import UploadForm
from .imports import confirm_import, preview_page
from .permissions import requires, scope_for, signed_in_user

IMPORT = {
    "title": _l("Import coverage counts"),
    "help": _l("One line per centre or branch and month. Columns: month (e.g. 2026-09), unit "
               "(its code), applicants, counselling_asked, counselled, referral_asked, "
               "referred, placed, training_supported (whole numbers; docs/coverage.md says "
               "what each counts). A month already imported for the unit is replaced."),
    "example": "month,unit,applicants,counselling_asked,counselled,referral_asked,referred,"
               "placed,training_supported\n2026-09,NA-VINH,820,760,758,300,262,160,33",
    "action": "admin.coverage_preview",
    "confirm": "admin.coverage_confirm",
    "back": None,
}


def _last_full_quarter() -> Period:
    today = local_date(utcnow())
    quarter = (today.month - 1) // 3  # the current quarter's index; the one before it
    year = today.year if quarter else today.year - 1
    return parse_period(f"{year}-Q{quarter or 4}")


def _units() -> list[tuple[int, Unit]]:
    """Units in the scope that have coverage counts in their subtree (no counters),
    in tree order, depth counted from the top of the scope."""
    rows = [(depth, unit) for depth, unit in unit_tree(current_session())
            if unit.id in g.scope and unit.kind != UnitKind.counter]
    top = min((depth for depth, _unit in rows), default=0)
    return [(depth - top, unit) for depth, unit in rows]


def _cell(value: Any, kind: Kind) -> str:
    """A value as people read it in the page's language."""
    return format_value(value, kind, str(get_locale()))


def _problem(units, period_text: str, unit_code: str, message: Any, status: int):
    return render_template("admin/coverage.html", units=units, period_text=period_text,
                           unit_code=unit_code, problem=message, report=None, panels=[],
                           trend=None, indicators=INDICATORS, locale=str(get_locale()), cell=_cell,
                           Kind=Kind,
                           can_import=bool(scope_for("coverage.import"))), status


@bp.get("/coverage")
@requires("coverage.read")
def coverage():
    units = _units()
    if not units:
        return _problem(units, "", "", _l("No unit in your scope has coverage counts."), 404)
    period_text = (request.args.get("period") or _last_full_quarter().code).strip()
    unit_code = (request.args.get("unit") or units[0][1].code).strip().upper()
    chosen = next((unit for _depth, unit in units if unit.code == unit_code), None)
    if chosen is None:  # unknown, a counter, or outside the scope: never say which
        return _problem(units, period_text, unit_code,
                        _l("No such unit among those you can see."), 404)
    try:
        period = parse_period(period_text)
    except ServiceError as exc:
        return _problem(units, period_text, unit_code, exc.message, 422)
    targets = configured_targets(current_app.config)
    locale = str(get_locale())
    options = configured(current_app.config)
    report = coverage_report(current_session(), period, chosen.code, targets=targets,
                             locale=locale, options=options)
    panels = [coverage_report(current_session(), period, child.code, targets=targets,
                              locale=locale, options=options)
              for child in chosen.children
              if child.kind != UnitKind.counter and child.id in g.scope]
    trend = coverage_trend(current_session(), period, chosen.code, targets=targets,
                           locale=locale)
    return render_template("admin/coverage.html", units=units, period_text=period.code,
                           unit_code=chosen.code, unit=chosen, problem=None, report=report,
                           panels=panels, trend=trend, indicators=INDICATORS,
                           locale=locale, cell=_cell, Kind=Kind,
                           can_import=bool(scope_for("coverage.import")))


@bp.get("/coverage/import")
@requires("coverage.import")
def coverage_import():
    return preview_page(IMPORT, UploadForm(formdata=None))


@bp.post("/coverage/import")
@requires("coverage.import")
def coverage_preview():
    return preview_page(IMPORT, UploadForm(), preview_coverage)


def _write(data: bytes) -> StoreSummary:
    """What ``flask survey coverage import`` does, in the signed-in user's name."""
    return import_coverage_csv(current_session(), data, Actor.of(signed_in_user()))


def _summary(done: StoreSummary) -> Any:
    return _l("Coverage counts imported: %(inserted)s new, %(updated)s changed, "
              "%(unchanged)s unchanged.", inserted=done.inserted, updated=done.updated,
              unchanged=done.unchanged)


@bp.post("/coverage/import/confirm")
@requires("coverage.import")
def coverage_confirm():
    return confirm_import(IMPORT, preview_coverage, _write, _summary)


