"""A unit's public "Ý kiến của Ông/Bà – việc chúng tôi đã làm" page: opted in by a
manager; shows the themes of the last quarter (feedback cases counted by category), the
actions a manager wrote, and only the comments a manager approved as quotes. Nothing
personal: no names, contacts, codes or dates of single cases. Writes flush and are
audited; the caller commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import (ACTION_MAX, Case, CaseCategory, CaseEvent, CaseEventKind, CaseKind,
                       CaseStatus, Comment, FeedbackAction, FeedbackPage, Unit, utcnow)
from ...timeutil import local_tz
from .. import audit
from ..accounts.scope import subtree_ids
from ..audit import Action, Actor
from ..errors import ServiceError
from .inert import plain

#: The "last quarter" the themes cover: the 3 months up to today.
QUARTER_DAYS = 91
#: Quotes and actions shown at most.
SHOWN = 10


@dataclass
class PublicSummary:
    """What the public page shows, all plain data."""

    since: dt.date
    #: (category or None for not yet sorted, number of cases), most first.
    themes: list[tuple[Optional[CaseCategory], int]]
    total: int
    actions: list[FeedbackAction]
    quotes: list[str]


def published_units(session: Session, unit_ids: Sequence[int]) -> set[int]:
    """Which of ``unit_ids`` have opted in."""
    return set(session.scalars(sa.select(FeedbackPage.unit_id).where(
        FeedbackPage.unit_id.in_(list(unit_ids)), FeedbackPage.published)))


def all_published(session: Session) -> frozenset[int]:
    """Every unit that has opted in."""
    return frozenset(session.scalars(sa.select(FeedbackPage.unit_id).where(
        FeedbackPage.published)))


def is_published(session: Session, unit: Unit) -> bool:
    return bool(published_units(session, [unit.id]))


def set_published(session: Session, unit: Unit, published: bool, actor: Actor) -> None:
    """Opt the unit's public page in or out (audited)."""
    page = session.get(FeedbackPage, unit.id)
    if page is None:
        page = FeedbackPage(unit_id=unit.id, updated_by=actor.label)
        session.add(page)
    page.published, page.updated_at, page.updated_by = published, utcnow(), actor.label
    audit.record(session, Action.FEEDBACK_PAGE, actor, object_type="unit", object_id=unit.id,
                 unit_id=unit.id, detail={"published": published})
    session.flush()


def add_action(session: Session, unit: Unit, done_on: dt.date, text: str,
               actor: Actor) -> FeedbackAction:
    """Add an entry "what we did"; raises :class:`ServiceError` for an empty or too
    long text."""
    text = " ".join(text.split())
    if not text or len(text) > ACTION_MAX:
        message = _l("Write what was done in at most %(max)s characters.", max=ACTION_MAX)
        raise ServiceError(message, {"text": [message]})
    action = FeedbackAction(unit_id=unit.id, done_on=done_on, text=text,
                            created_by=actor.label)
    session.add(action)
    session.flush()
    audit.record(session, Action.FEEDBACK_ACTION_ADDED, actor, object_type="feedback_action",
                 object_id=action.id, unit_id=unit.id)
    return action


def remove_action(session: Session, unit: Unit, action_id: int, actor: Actor) -> bool:
    """Remove an entry of ``unit``; returns whether there was one."""
    action = session.get(FeedbackAction, action_id)
    if action is None or action.unit_id != unit.id:
        return False
    session.delete(action)
    audit.record(session, Action.FEEDBACK_ACTION_REMOVED, actor, object_type="feedback_action",
                 object_id=action_id, unit_id=unit.id)
    session.flush()
    return True


def set_quote(session: Session, case: Case, approved: bool, actor: Actor) -> bool:
    """Allow (or withdraw) the case's comment as a public quote; returns whether it
    changed. Raises :class:`ServiceError` for a case without a comment."""
    if approved and (case.kind is not CaseKind.feedback or case.response.comment is None):
        message = _l("Only a written comment can be quoted.")
        raise ServiceError(message, {"quote": [message]})
    if case.public_quote == approved:
        return False
    case.public_quote, case.updated_at = approved, utcnow()
    session.add(CaseEvent(case=case, actor_user_id=actor.user_id, actor_label=actor.label,
                          kind=CaseEventKind.quote_approved if approved
                          else CaseEventKind.quote_withdrawn))
    audit.record(session, Action.QUOTE_APPROVED if approved else Action.QUOTE_WITHDRAWN, actor,
                 object_type="case", object_id=case.id, unit_id=case.unit_id)
    session.flush()
    return True


def public_summary(session: Session, unit: Unit, today: dt.date) -> PublicSummary:
    """The themes of the last quarter for ``unit`` and the units below it, its actions
    and its approved quotes."""
    since = today - dt.timedelta(days=QUARTER_DAYS)
    start = dt.datetime.combine(since, dt.time(), tzinfo=local_tz())
    units = sorted(subtree_ids(session, [unit.id]))
    feedback = (Case.kind == CaseKind.feedback, Case.unit_id.in_(units))
    rows = session.execute(
        sa.select(Case.category, sa.func.count(Case.id))
        .where(*feedback, Case.received_at >= start, Case.status != CaseStatus.no_action)
        .group_by(Case.category))
    themes = sorted(((category, int(n)) for category, n in rows),
                    key=lambda row: (-row[1], row[0] is None, row[0].value if row[0] else ""))
    actions = list(session.scalars(
        sa.select(FeedbackAction).where(FeedbackAction.unit_id == unit.id)
        .order_by(FeedbackAction.done_on.desc(), FeedbackAction.id.desc()).limit(SHOWN)))
    quotes = list(session.scalars(
        sa.select(Comment.body).join(Case, Case.response_id == Comment.response_id)
        .where(*feedback, Case.public_quote).order_by(Case.received_at.desc()).limit(SHOWN)))
    return PublicSummary(since, themes, sum(n for _c, n in themes), actions,
                         [plain(quote) for quote in quotes])
