"""Questionnaire versions and their items."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime


class QuestionnaireStatus(enum.Enum):
    draft = "draft"
    published = "published"
    retired = "retired"


class Questionnaire(Model):
    """One version of the questionnaire; immutable once published."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Version number that clients send back with each response.
    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[QuestionnaireStatus] = mapped_column(
        sa.Enum(QuestionnaireStatus, name="questionnaire_status", native_enum=False, length=16),
        default=QuestionnaireStatus.draft)
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: The whole definition as loaded (titles, dimensions, items, reasons), for clients.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    items: Mapped[list["QuestionnaireItem"]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireItem.position",
        cascade="all, delete-orphan")

    def item_codes(self) -> list[str]:
        return [item.code for item in self.items]

    def dimension_map(self) -> dict[str, list[str]]:
        """Dimension code → item codes, in questionnaire order."""
        dims: dict[str, list[str]] = {}
        for item in self.items:
            if item.dimension:
                dims.setdefault(item.dimension, []).append(item.code)
        return dims

    def __repr__(self) -> str:
        return f"<Questionnaire v{self.version} {self.status.value}>"


class QuestionnaireItem(Model):
    """A rated item. Codes keep their meaning across versions."""

    __tablename__ = "questionnaire_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaires.id"))
    code: Mapped[str] = mapped_column(sa.String(40))
    #: SIPAS dimension (``access`` …); ``None`` for the overall question.
    dimension: Mapped[Optional[str]] = mapped_column(sa.String(40))
    position: Mapped[int]
    text_vi: Mapped[str] = mapped_column(sa.String(500))
    text_en: Mapped[str] = mapped_column(sa.String(500))
    required: Mapped[bool] = mapped_column(default=False)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="items")

    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "code"),)

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_vi


class ImmutableQuestionnaireError(RuntimeError):
    """Raised when code tries to change a published questionnaire."""


def _committed_status(q: Questionnaire) -> QuestionnaireStatus:
    hist = sa.inspect(q).attrs.status.history
    return hist.deleted[0] if hist.deleted else q.status


@sa.event.listens_for(Session, "before_flush")
def _refuse_published_changes(session, flush_context, instances) -> None:
    """Published versions are frozen: only their status may move on (to retired)."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, QuestionnaireItem) and obj.questionnaire is not None:
            frozen = _committed_status(obj.questionnaire) is not QuestionnaireStatus.draft
            if frozen and (obj in session.deleted or session.is_modified(obj)):
                raise ImmutableQuestionnaireError(
                    f"questionnaire v{obj.questionnaire.version} is published; items cannot change")
        elif isinstance(obj, Questionnaire):
            if _committed_status(obj) is QuestionnaireStatus.draft:
                continue
            changed = {a.key for a in sa.inspect(obj).attrs if a.history.has_changes()}
            if obj in session.deleted or changed - {"status"}:
                raise ImmutableQuestionnaireError(
                    f"questionnaire v{obj.version} is published and cannot change")
