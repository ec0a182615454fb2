"""/admin/units: the organisation tree within the user's scope; adding, renaming and
(de)activating units; the CSV import with a preview (the format of
``flask survey units import``). Every change is audited by the services."""
from __future__ import annotations

from typing import Any, Optional

from flask import g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..extensions import current_session
from ..models import Unit, UnitKind
from ..services.audit import Actor
from ..services.catalogue import unit_changes
from ..services.catalogue.units import unit_tree
from ..services.errors import ServiceError
from ..services.previews import preview_units
from . import bp
from .data_forms import NewUnitForm, RenameForm, UploadForm
from .forms import add_service_errors
from .imports import confirm_import, preview_page
from .permissions import requires, scope_for, signed_in_user

KIND_NAMES: dict[UnitKind, Any] = {
    UnitKind.province: _l("Province"),
    UnitKind.centre: _l("Employment service centre"),
    UnitKind.branch: _l("Branch or reception point"),
    UnitKind.counter: _l("Counter"),
}


def _locale() -> str:
    return str(get_locale())


def _actor() -> Actor:
    return Actor.of(signed_in_user())


def scoped_tree() -> list[tuple[int, Unit]]:
    """The units the user may see, in tree order, depth counted from their top units."""
    scope = g.scope
    rows = [(depth, unit) for depth, unit in unit_tree(current_session()) if unit.id in scope]
    top = min((depth for depth, _unit in rows), default=0)
    return [(depth - top, unit) for depth, unit in rows]


@bp.get("/units")
@requires("index.read")
def units():
    return render_template("admin/units.html", tree=scoped_tree(), kind_names=KIND_NAMES,
                           locale=_locale(), can_manage=bool(scope_for("units.manage")))


def _new_unit_form(unit: Unit, formdata: Any = None) -> NewUnitForm:
    form = NewUnitForm(formdata=formdata, prefix="new")
    form.kind.choices = [("", str(_l("Choose a kind")))] + [
        (kind.value, str(KIND_NAMES[kind])) for kind in unit_changes.child_kinds(unit)]
    return form


def _unit_page(unit: Unit, rename: Optional[RenameForm] = None,
               new: Optional[NewUnitForm] = None, status: int = 200,
               problem: Optional[str] = None):
    rename = rename or RenameForm(formdata=None, prefix="rename", name_vi=unit.name_vi,
                                  name_en=unit.name_en)
    if problem:
        rename.form_errors.append(problem)
    manage = unit.id in scope_for("units.manage")
    return render_template("admin/unit.html", unit=unit, rename=rename,
                           new=new or _new_unit_form(unit), kind_names=KIND_NAMES,
                           locale=_locale(), can_manage=manage, scope=g.scope,
                           can_add=bool(unit_changes.child_kinds(unit)) and unit.active,
                           children=sorted(unit.children, key=lambda u: u.code)), status


def _back(unit: Unit, anchor: str = ""):
    return redirect(url_for("admin.units_detail", unit_code=unit.code,
                            lang=request.args.get("lang")) + anchor, code=303)


@bp.get("/units/<unit_code>")
@requires("index.read", unit="unit_code")
def units_detail(unit_code: str):
    return _unit_page(g.unit)


@bp.post("/units/<unit_code>/rename")
@requires("units.manage", unit="unit_code")
def units_rename(unit_code: str):
    unit = g.unit
    form = RenameForm(prefix="rename")
    if not form.validate():
        return _unit_page(unit, rename=form, status=422)
    try:
        unit_changes.rename_unit(current_session(), unit, form.name_vi.data or "",
                                 form.name_en.data or "", _actor())
    except ServiceError as exc:
        current_session().rollback()
        add_service_errors(form, exc)
        return _unit_page(unit, rename=form, status=422)
    current_session().commit()
    return _back(unit)


@bp.post("/units/<unit_code>/children")
@requires("units.manage", unit="unit_code")
def units_add(unit_code: str):
    parent = g.unit
    form = _new_unit_form(parent, request.form)
    valid = form.validate()
    for name, messages in unit_changes.new_unit_problems(
            current_session(), parent, form.code.data or "", form.kind.data or "",
            form.name_vi.data or "", form.name_en.data or "").items():
        if not form[name].errors:
            form[name].errors = list(messages)
            valid = False
    if not valid or not parent.active:
        if not parent.active:
            form.form_errors.append(str(_l("Activate this unit before adding units under it.")))
        return _unit_page(parent, new=form, status=422)
    unit = unit_changes.create_unit(current_session(), parent, form.code.data or "",
                                    form.kind.data or "", form.name_vi.data or "",
                                    form.name_en.data or "", _actor())
    current_session().commit()
    return _back(unit)


def _set_active(active: bool):
    unit = g.unit
    try:
        unit_changes.set_unit_active(current_session(), unit, active, _actor())
    except ServiceError as exc:
        current_session().rollback()
        return _unit_page(unit, status=409, problem=str(exc.message))
    current_session().commit()
    return _back(unit)


@bp.post("/units/<unit_code>/deactivate")
@requires("units.manage", unit="unit_code")
def units_deactivate(unit_code: str):
    return _set_active(False)


@bp.post("/units/<unit_code>/activate")
@requires("units.manage", unit="unit_code")
def units_activate(unit_code: str):
    return _set_active(True)


# --- CSV import -----------------------------------------------------------------------

IMPORT = {
    "title": _l("Import units from a CSV file"),
    "help": _l("Columns: code, parent_code, kind (province, centre, branch, counter), "
               "name_vi, name_en, active (1 or 0). The first line names the columns. Units "
               "missing from the file are kept as they are."),
    "example": "code,parent_code,kind,name_vi,name_en,active\n"
               "NA-VINH-Q4,NA-VINH,counter,Quầy 4,Counter 4,1",
    "action": "admin.units_import_preview",
    "confirm": "admin.units_import_confirm",
    "back": "admin.units",
}


@bp.get("/units/import")
@requires("units.manage")
def units_import():
    return preview_page(IMPORT, UploadForm(formdata=None))


@bp.post("/units/import")
@requires("units.manage")
def units_import_preview():
    return preview_page(IMPORT, UploadForm(), preview_units)


@bp.post("/units/import/confirm")
@requires("units.manage")
def units_import_confirm():
    def write(data: bytes) -> Any:
        return unit_changes.import_units_audited(current_session(), data, _actor())
    def summary(done: Any) -> Any:
        return _l("Units imported: %(created)s new, %(updated)s changed, %(unchanged)s "
                  "unchanged.", created=len(done.created), updated=len(done.updated),
                  unchanged=len(done.unchanged))
    return confirm_import(IMPORT, preview_units, write, summary)

