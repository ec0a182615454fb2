"""The organisation tree and the service catalogue."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
