"""A unit's public "Ý kiến của Ông/Bà – việc chúng tôi đã làm" page: whether a manager
opted in, and the short entries saying what was done about the feedback. Nothing here
holds personal data."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow

#: Longest action entry, in characters: a line, not a report.
ACTION_MAX = 300


class FeedbackPage(Model):
    """A unit's public page, present only once a manager opted in or out."""

    __tablename__ = "feedback_pages"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"),
                                         primary_key=True)
    published: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who last changed it (e-mail of the manager).
    updated_by: Mapped[str] = mapped_column(sa.String(254))


class FeedbackAction(Model):
    """One thing a unit did in answer to feedback, written by a manager for the public."""

    __tablename__ = "feedback_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"),
                                         index=True)
    #: When it was done (the page lists the newest first).
    done_on: Mapped[dt.date] = mapped_column(sa.Date)
    text: Mapped[str] = mapped_column(sa.String(ACTION_MAX))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(254))

    __table_args__ = (sa.CheckConstraint("length(text) >= 1", name="text_present"),)
