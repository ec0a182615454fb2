"""Loading the catalogue, the questionnaire and demo data; looking them up."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (Questionnaire, QuestionnaireItem, QuestionnaireStatus, Service, Unit,
                      UnitKind, utcnow)
from ..errors import NotFound, ServiceError


def read_data(name: str) -> Any:
    """Parse a JSON file shipped in ``survey/data``."""
    return json.loads(resources.files("survey.data").joinpath(name).read_text("utf-8"))


def load_services(session: Session, rows: list[dict] | None = None) -> int:
    """Insert or rename services from ``rows`` (default: the shipped catalogue)."""
    rows = rows if rows is not None else read_data("services.json")
    existing = {s.code: s for s in session.scalars(sa.select(Service))}
    for position, row in enumerate(rows):
        service = existing.get(row["code"]) or Service(code=row["code"])
        service.name_vi, service.name_en, service.position = row["vi"], row["en"], position
        session.add(service)
    session.flush()
    return len(rows)


def load_questionnaire(session: Session, definition: dict | None = None,
                       publish: bool = True) -> Questionnaire:
    """Store a questionnaire definition as a new version (published by default).

    A version number that already exists is returned unchanged when its definition
    is identical and refused otherwise: published versions never change.
    """
    definition = definition if definition is not None else read_data("questionnaire_v1.json")
    _check_definition(definition)
    version = definition["version"]
    current = session.scalar(sa.select(Questionnaire).filter_by(version=version))
    if current is not None:
        if current.definition != definition:
            raise ServiceError(_l("Questionnaire version %(version)s already exists with other "
                                  "content.", version=version))
        return current
    questionnaire = Questionnaire(version=version, definition=definition)
    questionnaire.items = [
        QuestionnaireItem(code=item["code"], dimension=item.get("dimension"), position=i,
                          text_vi=item["vi"], text_en=item["en"],
                          required=bool(item.get("required")))
        for i, item in enumerate(definition["items"])]
    session.add(questionnaire)
    session.flush()
    if publish:
        questionnaire.status = QuestionnaireStatus.published
        questionnaire.published_at = utcnow()
        session.flush()
    return questionnaire


def _check_definition(definition: dict) -> None:
    from ...models.questionnaires import KIND_VALUES, RATING

    codes = [item["code"] for item in definition["items"]]
    if len(codes) != len(set(codes)):
        raise ServiceError(_l("The questionnaire has duplicate item codes."))
    if len(codes) > 30:
        raise ServiceError(_l("A questionnaire has at most 30 items."))
    dims = {d["code"] for d in definition.get("dimensions", [])}
    unknown = {i.get("dimension") for i in definition["items"]} - dims - {None}
    if unknown:
        raise ServiceError(_l("Items name unknown dimensions: %(dimensions)s.",
                               dimensions=", ".join(sorted(unknown))))
    kinds = {i.get("kind", RATING) for i in definition["items"]} - set(KIND_VALUES)
    if kinds:
        raise ServiceError(_l("Items have unknown kinds: %(kinds)s; use %(known)s.",
                               kinds=", ".join(sorted(map(str, kinds))),
                               known=", ".join(KIND_VALUES)))
    if any(i.get("kind", RATING) != RATING and i.get("dimension")
           for i in definition["items"]):
        raise ServiceError(_l("Only rated items belong to a dimension; a fact has none."))
    if any(not isinstance(i.get("services", []), list)
           or not all(isinstance(code, str) for code in i.get("services", []))
           or (i.get("services") and i.get("required")) for i in definition["items"]):
        raise ServiceError(_l("An item's services must be a list of service codes, and an "
                              "item asked of some services only cannot be required."))


def current_questionnaire(session: Session) -> Questionnaire:
    """The newest published questionnaire."""
    questionnaire = session.scalar(
        sa.select(Questionnaire).filter_by(status=QuestionnaireStatus.published)
        .order_by(Questionnaire.version.desc()).limit(1))
    if questionnaire is None:
        raise NotFound(_l("No questionnaire is published; run “flask survey questionnaire load”."))
    return questionnaire


def parse_version(text: Optional[str]) -> Optional[int]:
    """A questionnaire version number as a form sends it (``"1"``), or None."""
    if text and text.isascii() and text.isdigit() and len(text) < 10:
        return int(text)
    return None


def answered_questionnaire(session: Session, version: Optional[str]) -> Questionnaire:
    """The version a submitted form showed (published or retired since), else the current
    one: answers stay with the questions that were asked."""
    number = parse_version(version)
    if number is not None:
        shown = session.scalar(sa.select(Questionnaire).where(
            Questionnaire.version == number,
            Questionnaire.status != QuestionnaireStatus.draft))
        if shown is not None:
            return shown
    return current_questionnaire(session)


def unit_by_code(session: Session, code: str, active_only: bool = True) -> Optional[Unit]:
    unit = session.scalar(sa.select(Unit).filter_by(code=code.strip().upper()))
    if unit is None or (active_only and not unit.active):
        return None
    return unit


def resolve_counter(session: Session, unit: Unit, counter_code: str) -> Optional[Unit]:
    """A counter below ``unit``, given as its full code or the part after the unit's."""
    code = counter_code.strip().upper()
    for candidate in (f"{unit.code}-{code}", code):
        counter = unit_by_code(session, candidate)
        if counter is not None and counter.parent_id == unit.id:
            return counter
    return None


def service_by_code(session: Session, code: str) -> Optional[Service]:
    service = session.scalar(sa.select(Service).filter_by(code=code.strip()))
    return service if service is not None and service.active else None


def service_points(session: Session) -> list[Unit]:
    """Active centres and branches (reception points), by code: where a survey starts
    when the claimant has no QR code at hand."""
    return list(session.scalars(
        sa.select(Unit).where(Unit.active.is_(True),
                              Unit.kind.in_([UnitKind.centre, UnitKind.branch]))
        .order_by(Unit.code)))


def all_services(session: Session) -> list[Service]:
    """Every service ever offered, active or not (codes are never reused)."""
    return list(session.scalars(sa.select(Service).order_by(Service.position)))


def active_services(session: Session) -> list[Service]:
    return list(session.scalars(
        sa.select(Service).filter_by(active=True).order_by(Service.position)))


def load_units(session: Session, rows: list[dict]) -> int:
    """Insert or rename units given parent-first as dicts (code, parent, kind, vi, en)."""
    for row in rows:
        unit = session.scalar(sa.select(Unit).filter_by(code=row["code"].upper()))
        parent = (session.scalar(sa.select(Unit).filter_by(code=row["parent"].upper()))
                  if row.get("parent") else None)
        if row.get("parent") and parent is None:
            raise NotFound(_l("Unknown parent unit %(code)s.", code=row["parent"]))
        unit = unit or Unit(code=row["code"].upper())
        unit.parent, unit.kind = parent, UnitKind(row["kind"])
        unit.name_vi, unit.name_en = row["vi"], row.get("en", "")
        unit.active = row.get("active", True)
        session.add(unit)
        session.flush()
    return len(rows)


#: The questionnaire versions shipped with the app; the last one is current.
VERSIONS = ("questionnaire_v1.json", "questionnaire_v2.json", "questionnaire_v3.json")


def seed_demo(session: Session, versions: tuple[str, ...] = VERSIONS) -> bool:
    """Load the catalogue, the shipped questionnaire versions (v1, v2, then v3, which
    becomes current: v2 plus the optional coverage items) and the Nghệ An demo tree when
    empty."""
    if session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        return False
    load_services(session)
    for name in versions:
        load_questionnaire(session, read_data(name))
    load_units(session, read_data("demo_units.json"))
    return True
