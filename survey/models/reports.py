"""Versions of the quarterly and annual reports and their sign-off.

A version holds the exact figures it shows (the report as JSON, with their SHA-256), so
that its files can always be made again byte for byte. Once approved it is frozen: its
files are stored too, and new figures make a new version with a change log.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class ReportStatus(enum.Enum):
    """nháp → đã gửi → đã duyệt, or trả lại sửa (back to the preparer)."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    returned = "returned"


class ReportVersion(Model):
    """One version (v1, v2 …) of one unit's report for one period."""

    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: ``2026-Q3`` or ``2026``.
    period: Mapped[str] = mapped_column(sa.String(10))
    number: Mapped[int]
    status: Mapped[ReportStatus] = mapped_column(
        sa.Enum(ReportStatus, name="report_status", native_enum=False, length=16),
        default=ReportStatus.draft)
    #: The report's data (:meth:`survey.services.reports.model.Report.to_json`).
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: SHA-256 of the data sheets (ThongTin states it).
    figures_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Cells changed from the previous version (sheet, row, column, old, new).
    change_log: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prepared_by: Mapped[str] = mapped_column(sa.String(254))
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    submitted_by: Mapped[Optional[str]] = mapped_column(sa.String(254))
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    approved_by: Mapped[Optional[str]] = mapped_column(sa.String(254))
    returned_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: Why it was sent back (the approver's words).
    return_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))

    files: Mapped[list["ReportFile"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="ReportFile.format")

    __table_args__ = (sa.UniqueConstraint("unit_id", "period", "number"),
                      sa.CheckConstraint("number >= 1", name="number_positive"))


class ReportFile(Model):
    """A frozen file of an approved version, with its SHA-256."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_versions.id", ondelete="CASCADE"), index=True)
    #: ``xlsx``, ``csv`` (a zip) or ``pdf``.
    format: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(120))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    version: Mapped[ReportVersion] = relationship(back_populates="files")

    __table_args__ = (sa.UniqueConstraint("version_id", "format"),)
