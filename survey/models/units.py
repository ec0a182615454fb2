"""The organisation tree and the service catalogue."""
from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Optional, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class UnitKind(enum.Enum):
    province = "province"
    centre = "centre"
    branch = "branch"
    counter = "counter"


class Unit(Model):
    """A node of the tree province → centre → branch/reception point → counter."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in URLs (``NA-VINH-Q3``); upper case, never reused.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(
        sa.Enum(UnitKind, name="unit_kind", native_enum=False, length=16))
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Inactive units keep their responses but get no new ones.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Optional["Unit"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.code")

    __table_args__ = (sa.CheckConstraint("code = upper(code)", name="code_upper"),)

    def name(self, locale: str) -> str:
        """The unit's name in ``locale``, falling back to Vietnamese."""
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def centre(self) -> "Unit":
        """The centre the unit belongs to (itself if it is one): the nearest centre above
        it, else the top of its tree. Claimants are thanked in the centre's name."""
        node = self
        while node.kind is not UnitKind.centre and node.parent is not None:
            node = node.parent
        return node

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Service(Model):
    """One BHTN service a claimant can use (catalogue in reference/domain.md)."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used in URLs (``?svc=``) and exports.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def __repr__(self) -> str:
        return f"<Service {self.code}>"


class CatalogueStamp(Model):
    """One row whose ``stamp`` changes whenever units, services or questionnaires do, in
    the same transaction: every worker compares it with the stamp of its in-process copy
    of the catalogue (:mod:`survey.services.catalogue.snapshot`) and reloads on a change."""

    __tablename__ = "catalogue_stamp"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: A random number, not a counter: a rolled-back change can never bring back a stamp
    #: that some worker cached with the uncommitted data it saw.
    stamp: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


@sa.event.listens_for(Session, "before_flush")
def _stamp_catalogue_changes(session: Session, _context, _instances) -> None:
    """Write a new catalogue stamp in the flush that adds, changes or deletes a unit,
    service, questionnaire or item (the same transaction commits or undoes both)."""
    from .questionnaires import Questionnaire, QuestionnaireItem

    kinds = (Unit, Service, Questionnaire, QuestionnaireItem)
    if not any(isinstance(obj, kinds)
               for group in (session.new, session.dirty, session.deleted) for obj in group):
        return
    stamp = secrets.randbits(62)
    table = cast(sa.Table, CatalogueStamp.__table__)
    result = session.execute(sa.update(table).where(table.c.id == 1).values(stamp=stamp))
    if not getattr(result, "rowcount", 0):  # a schema made by create_all has no row yet
        session.execute(sa.insert(table).values(id=1, stamp=stamp))
