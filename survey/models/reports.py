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
    #: The user who last generated the figures (None: the command line).
    prepared_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    submitted_by: Mapped[Optional[str]] = mapped_column(sa.String(254))
    submitted_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    approved_by: Mapped[Optional[str]] = mapped_column(sa.String(254))
    approved_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Approved by someone who also prepared or submitted it ("tự duyệt"): allowed only
    #: with ``SURVEY_REPORT_FOUR_EYES`` off (a one-person centre), and said so everywhere.
    self_approved: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
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


class JobKind(enum.Enum):
    """What a background report job does."""

    generate = "generate"
    approve = "approve"


class JobStatus(enum.Enum):
    """queued → running → done or failed (a stale running job is queued again)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ReportJob(Model):
    """A report generation or approval run in the background, with its progress.

    At most one job per unit and period is queued or running: ``active_key`` holds
    ``<unit id>:<period>`` while it is, NULL after (NULLs never collide in a unique
    constraint, on SQLite as on PostgreSQL).
    """

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[JobKind] = mapped_column(
        sa.Enum(JobKind, name="report_job_kind", native_enum=False, length=16))
    status: Mapped[JobStatus] = mapped_column(
        sa.Enum(JobStatus, name="report_job_status", native_enum=False, length=16),
        default=JobStatus.queued)
    #: ``<unit id>:<period>`` while queued or running, else NULL (one active job each).
    active_key: Mapped[Optional[str]] = mapped_column(sa.String(40), unique=True)
    #: The version to approve (approval jobs).
    version_number: Mapped[Optional[int]]
    requested_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(sa.String(254))
    #: 0–100, and the step being worked on: a code (``unit``, ``sheet``, ``xlsx`` …) and
    #: its facts (a unit code, a sheet name), translated when shown.
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(20), default="queued")
    step_detail: Mapped[str] = mapped_column(sa.String(80), default="")
    #: Why it failed, in Vietnamese, for the person who asked.
    error: Mapped[Optional[str]] = mapped_column(sa.String(1000))
    #: How often a runner took it (a stale job is taken again, up to a limit).
    attempts: Mapped[int] = mapped_column(default=0)
    #: The runner that holds it now: only that runner may finish it.
    runner: Mapped[Optional[str]] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: The version made, updated or approved (done jobs).
    version_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("report_versions.id", ondelete="SET NULL"))
    #: ``created``, ``updated``, ``unchanged`` (generation) or ``approved``.
    outcome: Mapped[Optional[str]] = mapped_column(sa.String(16))

    version: Mapped[Optional[ReportVersion]] = relationship()

    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        sa.Index("ix_report_jobs_unit_period", "unit_id", "period", "created_at"),
    )
