"""Credentials: API tokens for integrations and paired kiosk devices."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class ApiToken(Model):
    """A bearer token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class KioskDevice(Model):
    """A counter kiosk bound to one unit; pairs once with a one-time code."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: SHA-256 of the one-time pairing code; cleared once used.
    pairing_code_hash: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    pairing_expires_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: SHA-256 of the device token given at pairing.
    token_hash: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paired_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    unit = relationship("Unit")
