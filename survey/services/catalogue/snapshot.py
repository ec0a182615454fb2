"""An in-process, read-only copy of the catalogue for the claimant's hot path.

Units, services and the published (or retired) questionnaire versions change a few
times a year but are read on every form render and post. Each app keeps one immutable
:class:`Catalogue` built from them, tagged with the database's catalogue stamp
(:class:`~survey.models.CatalogueStamp`). Every ORM flush that adds, changes or deletes a
unit, service, questionnaire or item writes a new random stamp in the same transaction
(``survey.models.units``), so each request costs one single-row read: a
worker whose copy carries another stamp rebuilds it, whichever worker or command made
the change.

The views mirror the ORM objects' read API (``unit.name(locale)``, ``item.kind`` …) so
that forms, templates and validation take either.
"""
from __future__ import annotations

import time

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol, Sequence, Union

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ...models import (CatalogueStamp, Questionnaire, QuestionnaireStatus, Service, Unit,
                       UnitKind)
from ...models.questionnaires import KIND_VALUES, RATING

EXTENSION = "survey.catalogue"
#: When this worker reads the stamp next (``time.monotonic()``).
CHECKED = "survey.catalogue_checked"
STAMP_QUERY = f"SELECT stamp FROM {CatalogueStamp.__tablename__} WHERE id = 1"


class ItemLike(Protocol):
    """What forms and validation read of an item: an ORM row or an :class:`ItemView`."""

    @property
    def code(self) -> str: ...
    @property
    def dimension(self) -> Optional[str]: ...
    @property
    def required(self) -> bool: ...
    @property
    def kind(self) -> str: ...
    @property
    def values(self) -> tuple[int, ...]: ...
    @property
    def services(self) -> tuple[str, ...]: ...
    def text(self, locale: str) -> str: ...


class QuestionnaireLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def definition(self) -> dict[str, Any]: ...
    @property
    def items(self) -> Sequence[Any]: ...
    @property
    def matrix_sampling(self) -> bool: ...
    def dimension_map(self) -> dict[str, list[str]]: ...


class ServiceLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    def name(self, locale: str) -> str: ...


class UnitLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    def name(self, locale: str) -> str: ...


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    kind: UnitKind
    active: bool
    name_vi: str
    name_en: str
    parent: Optional["UnitView"] = None

    @property
    def parent_id(self) -> Optional[int]:
        return self.parent.id if self.parent is not None else None

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def centre(self) -> "UnitView":
        """The nearest centre above (or at) the unit, else the top of its tree."""
        node = self
        while node.kind is not UnitKind.centre and node.parent is not None:
            node = node.parent
        return node


@dataclass(frozen=True)
class ServiceView:
    id: int
    code: str
    name_vi: str
    name_en: str
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


@dataclass(frozen=True)
class ItemView:
    code: str
    dimension: Optional[str]
    kind: str
    required: bool
    text_vi: str
    text_en: str
    #: Codes of the services whose claimants are asked this item (empty: everyone).
    services: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[int, ...]:
        return KIND_VALUES[self.kind]

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_vi


@dataclass(frozen=True)
class QuestionnaireView:
    id: int
    version: int
    #: The definition as stored; shared, so never modified.
    definition: dict[str, Any]
    items: tuple[ItemView, ...]
    _dimensions: dict[str, list[str]] = field(default_factory=dict, compare=False)

    @property
    def matrix_sampling(self) -> bool:
        return bool(self.definition.get("matrix_sampling"))

    def item_codes(self) -> list[str]:
        return [item.code for item in self.items]

    def rated_items(self) -> list[ItemView]:
        return [item for item in self.items if item.kind == RATING]

    def dimension_map(self) -> dict[str, list[str]]:
        """Dimension code → rated item codes, in questionnaire order (do not modify)."""
        return self._dimensions


@dataclass(frozen=True)
class Catalogue:
    """What the claimant's pages read, as of one catalogue stamp."""

    stamp: Optional[int]
    units: dict[str, UnitView]
    units_by_id: dict[int, UnitView]
    #: Every service ever offered, in display order; codes are never reused.
    services: tuple[ServiceView, ...]
    questionnaires: dict[int, QuestionnaireView]
    current_version: Optional[int]

    @property
    def active_services(self) -> list[ServiceView]:
        return [s for s in self.services if s.active]

    def service(self, code: str, active_only: bool = True) -> Optional[ServiceView]:
        found = next((s for s in self.services if s.code == code.strip()), None)
        return found if found is not None and (found.active or not active_only) else None

    def unit(self, code: str, active_only: bool = True) -> Optional[UnitView]:
        found = self.units.get(code.strip().upper())
        return found if found is not None and (found.active or not active_only) else None

    def counter(self, unit: UnitView, counter_code: str) -> Optional[UnitView]:
        """An active counter below ``unit``, given as its full code or the part after the
        unit's."""
        code = counter_code.strip().upper()
        for candidate in (f"{unit.code}-{code}", code):
            found = self.unit(candidate)
            if found is not None and found.parent_id == unit.id:
                return found
        return None

    @property
    def current(self) -> Optional[QuestionnaireView]:
        return (self.questionnaires[self.current_version]
                if self.current_version is not None else None)

    def questionnaire(self, version: Optional[int]) -> Optional[QuestionnaireView]:
        """A published or retired version, or None."""
        return self.questionnaires.get(version) if version is not None else None


def current(session: Union[Session, Callable[[], Session]]) -> Catalogue:
    """The app's copy of the catalogue, rebuilt first when the database's stamp moved.

    The stamp is read at most once every ``CATALOGUE_CHECK_SECONDS`` (default 1) per
    worker: in between, a claimant's form page needs no database at all, and a change
    made elsewhere reaches this worker within that time. 0 reads it on every call.
    ``session`` may be a function giving the session, called only when the stamp is
    read (the claimant's pages then make no session at all in between)."""
    cached: Optional[Catalogue] = current_app.extensions.get(EXTENSION)
    now = time.monotonic()
    if cached is not None and cached.stamp is not None and \
            now < current_app.extensions.get(CHECKED, 0.0):
        return cached
    if not isinstance(session, Session):
        session = session()
    # Plain SQL: a tenth of the cost of an ORM select.
    stamp = session.connection().exec_driver_sql(STAMP_QUERY).scalar()
    current_app.extensions[CHECKED] = now + float(
        current_app.config.get("CATALOGUE_CHECK_SECONDS", 1.0))
    if cached is not None and cached.stamp == stamp and stamp is not None:
        return cached
    # The stamp is read before the rows: a change committed in between leaves a copy
    # that is newer than its stamp, which the next request replaces; never older.
    fresh = load(session, stamp)
    current_app.extensions[EXTENSION] = fresh
    return fresh


def load(session: Session, stamp: Optional[int]) -> Catalogue:
    """Read the catalogue as the database has it now (never the session's cached rows)."""
    fresh = {"populate_existing": True}
    rows = {u.id: u for u in session.execute(sa.select(
        Unit.id, Unit.code, Unit.kind, Unit.active, Unit.name_vi, Unit.name_en,
        Unit.parent_id))}
    units: dict[int, UnitView] = {}

    def view(unit_id: int) -> UnitView:
        if unit_id not in units:
            row = rows[unit_id]
            parent = view(row.parent_id) if row.parent_id in rows else None
            units[unit_id] = UnitView(row.id, row.code, row.kind, row.active, row.name_vi,
                                      row.name_en, parent)
        return units[unit_id]

    for unit_id in rows:
        view(unit_id)
    services = tuple(ServiceView(*row) for row in session.execute(
        sa.select(Service.id, Service.code, Service.name_vi, Service.name_en, Service.active)
        .order_by(Service.position, Service.id)))
    shown = list(session.scalars(sa.select(Questionnaire).where(
        Questionnaire.status != QuestionnaireStatus.draft).execution_options(**fresh)))
    questionnaires = {q.version: questionnaire_view(q) for q in shown}
    published = [q.version for q in shown if q.status is QuestionnaireStatus.published]
    return Catalogue(stamp=stamp, units={u.code: u for u in units.values()},
                     units_by_id=units, services=services, questionnaires=questionnaires,
                     current_version=max(published) if published else None)


def questionnaire_view(questionnaire: Questionnaire) -> QuestionnaireView:
    defined = {i.get("code"): i for i in questionnaire.definition.get("items", [])}
    items = tuple(ItemView(i.code, i.dimension,
                           str(defined.get(i.code, {}).get("kind", RATING)), i.required,
                           i.text_vi, i.text_en,
                           tuple(defined.get(i.code, {}).get("services") or ()))
                  for i in questionnaire.items)
    dimensions: dict[str, list[str]] = {}
    for item in items:
        if item.dimension and item.kind == RATING:
            dimensions.setdefault(item.dimension, []).append(item.code)
    return QuestionnaireView(questionnaire.id, questionnaire.version, questionnaire.definition,
                             items, dimensions)
