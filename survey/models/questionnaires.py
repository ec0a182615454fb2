"""Questionnaire versions and their items."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Mapping, Optional

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

    @property
    def matrix_sampling(self) -> bool:
        """True when each claimant is asked one rated item per dimension, drawn at
        random (planned missingness; :mod:`survey.services.intake.sampling`)."""
        return bool(self.definition.get("matrix_sampling"))

    def item_definition(self, code: str) -> dict[str, Any]:
        """The item's entry in the definition (its kind, indicator …)."""
        return next((i for i in self.definition.get("items", []) if i.get("code") == code), {})

    def rated_items(self) -> list["QuestionnaireItem"]:
        """Items rated on the 1–5 satisfaction scale (facts excluded)."""
        return [item for item in self.items if item.kind == RATING]

    def dimension_map(self) -> dict[str, list[str]]:
        """Dimension code → rated item codes, in questionnaire order."""
        dims: dict[str, list[str]] = {}
        for item in self.items:
            if item.dimension and item.kind == RATING:
                dims.setdefault(item.dimension, []).append(item.code)
        return dims

    def __repr__(self) -> str:
        return f"<Questionnaire v{self.version} {self.status.value}>"


#: Item kinds and the stored values each accepts: a satisfaction rating 1–5; a fact asked
#: as yes (1) / no (2); the number of trips, 1, 2, 3 or 4 (= four or more); a coverage
#: item (``need``: "were you counselled free of charge when you needed it?") asked as yes
#: (1) / no (2), whose ``None`` means "I did not need it" (out of the indicator's
#: denominator). ``None`` is "not applicable" / "I do not remember" for the other kinds.
RATING, YES_NO, TRIPS, NEED = "rating", "yes_no", "trips", "need"
KIND_VALUES = {RATING: (1, 2, 3, 4, 5), YES_NO: (1, 2), TRIPS: (1, 2, 3, 4), NEED: (1, 2)}


def fact_codes(definition: Mapping[str, Any]) -> list[str]:
    """The codes of a version's facts (items not rated 1–5), in questionnaire order: the
    order of their slots in :attr:`~survey.models.Response.fact_values`."""
    return [item["code"] for item in definition["items"]
            if item.get("kind", RATING) != RATING]


class QuestionnaireItem(Model):
    """An item: rated 1–5, or a fact (:data:`KIND_VALUES`). Codes keep their meaning
    across versions."""

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

    @property
    def kind(self) -> str:
        """``rating`` (default), ``yes_no`` or ``trips``, from the version's definition."""
        return str(self.questionnaire.item_definition(self.code).get("kind", RATING))

    @property
    def values(self) -> tuple[int, ...]:
        """The stored values this item accepts (besides ``None``)."""
        return KIND_VALUES[self.kind]

    @property
    def services(self) -> tuple[str, ...]:
        """Codes of the services whose claimants are asked this item (empty: everyone)."""
        return tuple(self.questionnaire.item_definition(self.code).get("services") or ())


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
