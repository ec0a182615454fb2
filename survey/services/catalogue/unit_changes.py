"""Changing the organisation tree one unit at a time, and the audited CSV import.

Every change records an audit event in the caller's transaction (flushes; the caller
commits). Codes are never reused and units never deleted: a unit is deactivated.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Unit, UnitKind
from .. import audit
from ..audit import Action, Actor
from ..errors import ServiceError
from . import unit_by_code
from .units import CODE_RE, RANK, ImportSummary, import_units

NAME_MAX = 200


def child_kinds(parent: Unit) -> list[UnitKind]:
    """The kinds a unit under ``parent`` may have (ranked below it)."""
    return [kind for kind, rank in RANK.items() if rank > RANK[parent.kind]]


def new_unit_problems(session: Session, parent: Unit, code: str, kind: str, name_vi: str,
                      name_en: str) -> dict[str, list[Any]]:
    """What :func:`create_unit` would refuse, per field (empty when nothing)."""
    problems: dict[str, list[Any]] = {}
    code = code.strip().upper()
    if not CODE_RE.fullmatch(code):
        problems["code"] = [_l("Use letters A–Z, digits and hyphens (at most 40 characters), "
                               "e.g. NA-VINH-Q4.")]
    elif unit_by_code(session, code, active_only=False) is not None:
        problems["code"] = [_l("The code %(code)s is already used; codes are never reused.",
                               code=code)]
    if kind not in {k.value for k in child_kinds(parent)}:
        problems["kind"] = [_l("Choose one of the kinds listed.")]
    problems.update(name_problems(name_vi, name_en))
    return problems


def name_problems(name_vi: str, name_en: str) -> dict[str, list[Any]]:
    problems: dict[str, list[Any]] = {}
    if not name_vi.strip():
        problems["name_vi"] = [_l("Enter the Vietnamese name.")]
    elif len(name_vi.strip()) > NAME_MAX:
        problems["name_vi"] = [_l("At most %(max)d characters, please.", max=NAME_MAX)]
    if len(name_en.strip()) > NAME_MAX:
        problems["name_en"] = [_l("At most %(max)d characters, please.", max=NAME_MAX)]
    return problems


def create_unit(session: Session, parent: Unit, code: str, kind: str, name_vi: str,
                name_en: str, actor: Actor) -> Unit:
    """Add an active unit under ``parent``; raises :class:`ServiceError` with field errors."""
    problems = new_unit_problems(session, parent, code, kind, name_vi, name_en)
    if problems:
        raise ServiceError(_l("The unit was not added."), problems)
    unit = Unit(code=code.strip().upper(), kind=UnitKind(kind), name_vi=name_vi.strip(),
                name_en=name_en.strip(), active=True, parent=parent)
    session.add(unit)
    session.flush()
    audit.record(session, Action.UNIT_CREATED, actor, object_type="unit", object_id=unit.id,
                 unit_id=unit.id, detail={"parent": parent.code, "kind": kind})
    return unit


def rename_unit(session: Session, unit: Unit, name_vi: str, name_en: str,
                actor: Actor) -> bool:
    """Set the unit's names; False (and no event) when they do not change."""
    problems = name_problems(name_vi, name_en)
    if problems:
        raise ServiceError(_l("The unit was not renamed."), problems)
    if (unit.name_vi, unit.name_en) == (name_vi.strip(), name_en.strip()):
        return False
    unit.name_vi, unit.name_en = name_vi.strip(), name_en.strip()
    session.flush()
    audit.record(session, Action.UNIT_RENAMED, actor, object_type="unit", object_id=unit.id,
                 unit_id=unit.id)
    return True


def set_unit_active(session: Session, unit: Unit, active: bool, actor: Actor) -> bool:
    """(De)activate one unit (its subtree keeps its own state); False if nothing changes.

    An inactive unit keeps its responses and gets no new ones."""
    if unit.active is active:
        return False
    if active and unit.parent is not None and not unit.parent.active:
        raise ServiceError(_l("Activate %(code)s first: a unit cannot be active under an "
                              "inactive one.", code=unit.parent.code))
    unit.active = active
    session.flush()
    audit.record(session, Action.UNIT_ACTIVATED if active else Action.UNIT_DEACTIVATED, actor,
                 object_type="unit", object_id=unit.id, unit_id=unit.id)
    return True


def import_units_audited(session: Session, data: bytes, actor: Actor) -> ImportSummary:
    """:func:`~.units.import_units` and one audit event with what it did."""
    summary = import_units(session, data)
    audit.record(session, Action.UNITS_IMPORTED, actor, detail={
        "created": len(summary.created), "updated": len(summary.updated),
        "unchanged": len(summary.unchanged)})
    return summary

