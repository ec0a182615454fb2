"""Responses, their answers, comments and (consented) contacts."""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow

#: :attr:`Response.answer_bits`: where the "answered 4 or 5" bits start (the answered
#: bits below them), and how many items a version may have for its bits to be kept.
SATISFIED_SHIFT = 30
#: :attr:`Response.fact_values`: bits per fact, the most facts kept, the code of ``None``.
FACT_BITS, MAX_FACTS, FACT_NONE = 3, 21, 7


def fact_slot(values, slot: int):
    """The value kept in ``slot`` of :attr:`Response.fact_values` (an int or a numpy
    array of them): 0 not answered, :data:`FACT_NONE` for ``None``, else the value."""
    return (values >> (FACT_BITS * slot)) & ((1 << FACT_BITS) - 1)

#: Longest free-text comment, in characters: the phone form, the service and this
#: table's check all use it.
COMMENT_MAX = 2000


#: ``status_reason`` of a flagged response a manager restored: never flagged again.
RESTORED = "restored"


class Channel(enum.Enum):
    qr = "qr"
    receipt = "receipt"
    kiosk = "kiosk"
    web = "web"


class ResponseStatus(enum.Enum):
    valid = "valid"
    flagged = "flagged"
    excluded = "excluded"


class Response(Model):
    """One anonymous completed questionnaire. No IP address or device fingerprint."""

    __tablename__ = "responses"

    #: Made by the client (form render or kiosk) so that retries are idempotent.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: ``None`` only when a kiosk submits a partial response without it.
    service_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("services.id"), index=True)
    channel: Mapped[Channel] = mapped_column(
        sa.Enum(Channel, name="channel", native_enum=False, length=16))
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaires.id"))
    locale: Mapped[str] = mapped_column(sa.String(8))
    #: When the claimant finished, by the submitting device's clock (UTC).
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    #: When the server stored it (UTC); indexed for the inbox, which opens cases for what
    #: arrived since it last looked.
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    status: Mapped[ResponseStatus] = mapped_column(
        sa.Enum(ResponseStatus, name="response_status", native_enum=False, length=16),
        default=ResponseStatus.valid, index=True)
    #: Why a response is flagged or excluded (``too_fast``, ``rate_client`` …; see
    #: survey/services/quality), or ``restored`` once a manager restored it.
    status_reason: Mapped[Optional[str]] = mapped_column(sa.String(200))
    #: Kiosk that collected it, if any.
    device_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("kiosk_devices.id"))
    #: Receipt code that invited it, if any; the code holds no personal data.
    receipt_code_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("receipt_codes.id"), unique=True)
    #: True when the claimant left before the end and only part was kept.
    partial: Mapped[bool] = mapped_column(default=False)
    #: The answers folded into one integer when stored, so that the index reads responses
    #: alone (:func:`survey.services.intake.responses.answer_bits`): bit i set when item i
    #: of the questionnaire version (its position) was answered, bit 30 + i when it was
    #: answered 4 or 5. ``None`` when not computed (responses written by other means than
    #: the intake, before this column existed, or of a questionnaire beyond 30 items):
    #: the index then reads their answers.
    answer_bits: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    #: The answers to the version's facts (items not rated 1–5: yes/no, trips, need), in
    #: their order among its facts, 3 bits each
    #: (:func:`survey.services.intake.responses.fact_values`): 0 not answered, 7 answered
    #: "not applicable" / "no need" (``None``), else the value. ``None`` when not computed,
    #: as for :attr:`answer_bits` (or a version of more than 21 facts).
    fact_values: Mapped[Optional[int]] = mapped_column(sa.BigInteger)

    unit = relationship("Unit")
    service = relationship("Service")
    questionnaire = relationship("Questionnaire")
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan")
    comment: Mapped[Optional["Comment"]] = relationship(
        back_populates="response", cascade="all, delete-orphan")
    reasons: Mapped[list["ResponseReason"]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        sa.Index("ix_responses_unit_submitted", "unit_id", "submitted_at"),
        # The kiosk's too-fast check: the device's response just before / after a time.
        sa.Index("ix_responses_device_submitted", "device_id", "submitted_at"),
        sa.CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
    )


class Answer(Model):
    """One item's answer: 1–5, or ``None`` for "not applicable"."""

    __tablename__ = "answers"

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    item_code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[Optional[int]] = mapped_column(sa.SmallInteger)

    response: Mapped[Response] = relationship(back_populates="answers")

    __table_args__ = (
        sa.CheckConstraint("value IS NULL OR (value >= 1 AND value <= 5)", name="value_range"),
        sa.Index("ix_answers_item_value", "item_code", "value"),
    )


class ResponseReason(Model):
    """A tap-to-choose reason for a low rating (kiosk)."""

    __tablename__ = "response_reasons"

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    reason_code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class Comment(Model):
    """Free text left with a response."""

    __tablename__ = "comments"

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(sa.Text)

    response: Mapped[Response] = relationship(back_populates="comment")

    __table_args__ = (
        sa.CheckConstraint(f"length(body) BETWEEN 1 AND {COMMENT_MAX}", name="body_length"),
    )


class Contact(Model):
    """Contact details given with explicit consent for one purpose, kept apart from answers."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The purpose the claimant consented to (``reply``).
    purpose: Mapped[str] = mapped_column(sa.String(40))
    consented_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The version of the consent wording shown (survey/services/intake/consent.py) and
    #: the SHA-256 of its exact text in the claimant's language; empty before versions.
    consent_version: Mapped[Optional[str]] = mapped_column(sa.String(32))
    consent_sha256: Mapped[Optional[str]] = mapped_column(sa.String(64))
    #: After the reply plus the retention period the row is deleted.
    delete_after: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("phone <> '' OR email <> ''", name="reachable"),
    )
