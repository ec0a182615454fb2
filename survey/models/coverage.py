"""Administrative counts for the plan's coverage targets (Decision 2269/QĐ-TTg): per
reporting unit and month, from the BHTN case software (CSV import or the API)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow

#: The counts of a row, in the order of the CSV columns and the API fields.
COUNT_FIELDS = ("applicants", "counselling_asked", "counselled", "referral_asked", "referred",
                "placed", "training_supported")
#: (numerator, denominator) pairs a row must respect: nobody is counselled who did not
#: ask, nobody placed through a referral who was not referred.
BOUNDED = (("counselled", "counselling_asked"), ("referred", "referral_asked"),
           ("placed", "referred"), ("training_supported", "applicants"))


class CoverageCount(Model):
    """One reporting unit's counts for one month; a re-sent month replaces the row (each
    change is in the audit log)."""

    __tablename__ = "coverage_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``2026-09``: always one month.
    month: Mapped[str] = mapped_column(sa.String(7))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: People who applied for the unemployment allowance in the month.
    applicants: Mapped[int]
    #: People who asked for job counselling, and of them those counselled.
    counselling_asked: Mapped[int]
    counselled: Mapped[int]
    #: People who asked to be referred to a job, those referred, and of those referred
    #: the ones who found work through the referral.
    referral_asked: Mapped[int]
    referred: Mapped[int]
    placed: Mapped[int]
    #: Allowance applicants given vocational training support.
    training_supported: Mapped[int]
    #: ``csv``, ``api`` or ``demo``: how the current values arrived.
    source: Mapped[str] = mapped_column(sa.String(10))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit = relationship("Unit")

    __table_args__ = (
        sa.UniqueConstraint("month", "unit_id"),
        *(sa.CheckConstraint(f"{name} >= 0", name=f"{name}_nonnegative")
          for name in COUNT_FIELDS),
        *(sa.CheckConstraint(f"{part} <= {whole}", name=f"{part}_within_{whole}")
          for part, whole in BOUNDED),
    )

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}
