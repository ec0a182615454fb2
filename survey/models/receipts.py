"""Receipt codes (single-use invitations) and served counts (the population)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class ReceiptCode(Model):
    """A single-use code printed on a claimant's receipt; carries no personal data."""

    __tablename__ = "receipt_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 8 characters from an unambiguous alphabet, stored upper case.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"))
    #: Local (Vietnam) date of issue: the period it counts in.
    issued_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Set atomically by the first valid submission.
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    unit = relationship("Unit")
    service = relationship("Service")


class ServedCount(Model):
    """Claimants served in a period at a unit (optionally for one service)."""

    __tablename__ = "served_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``2026-09`` (month), ``2026-Q3`` (quarter) or ``2026`` (year).
    period: Mapped[str] = mapped_column(sa.String(7))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    #: ``None`` = all services together.
    service_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("services.id"))
    count: Mapped[int]
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit = relationship("Unit")
    service = relationship("Service")

    __table_args__ = (
        # Unique per service; NULLs are distinct in a unique constraint, so the
        # "all services" row (service_id NULL) has a partial unique index of its own.
        sa.UniqueConstraint("period", "unit_id", "service_id"),
        sa.Index("uq_served_counts_period_unit_all_services", "period", "unit_id", unique=True,
                 sqlite_where=sa.text("service_id IS NULL"),
                 postgresql_where=sa.text("service_id IS NULL")),
        sa.CheckConstraint("count >= 0", name="count_nonnegative"),
    )
