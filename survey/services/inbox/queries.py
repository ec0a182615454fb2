"""Reading the inbox: filtered pages of cases, one case with its response, who may be
assigned, kiosk reasons per unit, a case by its reference code. Nothing here writes."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ...models import (Case, CaseCategory, CaseKind, CaseEvent, CaseEventKind, CaseStatus, Comment,
                       Contact, Grant, Questionnaire, Response, ResponseReason, Role, Unit,
                       User)
from ..accounts.scope import Scope, subtree_ids
from .codes import looks_valid, normalise_code

#: ``CaseFilter.assignee`` for cases given to nobody.
NOBODY = 0


@dataclass(frozen=True)
class CaseFilter:
    """What to list; every field optional. Dates are Vietnam's (local) calendar days of
    receipt, ``until`` included."""

    status: Optional[CaseStatus] = None
    #: A unit and everything below it.
    unit_id: Optional[int] = None
    service_id: Optional[int] = None
    category: Optional[CaseCategory] = None
    #: A user id, or :data:`NOBODY`.
    assignee: Optional[int] = None
    since: Optional[dt.datetime] = None
    until: Optional[dt.datetime] = None
    overdue: bool = False
    #: Words of the comment, or a reference code.
    text: str = ""


@dataclass
class CasePage:
    """One page of cases, each with its comment (or ``None``), and the total found."""

    rows: list[tuple[Case, Optional[str]]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_filter(session: Session, text: str) -> sa.ColumnElement[bool]:
    code = normalise_code(text)
    pattern = _like(text.strip())
    # SQLite's LIKE already ignores (ASCII) case, and lower() on every row is slow;
    # neither folds Vietnamese capitals, so the words are searched as typed there.
    sqlite = session.get_bind().dialect.name == "sqlite"
    by_comment = Comment.body.like(pattern, escape="\\") if sqlite \
        else Comment.body.ilike(pattern, escape="\\")
    # The matching comments first (one scan), then their cases by the unique response id.
    matching = Case.response_id.in_(sa.select(Comment.response_id).where(by_comment))
    return sa.or_(matching, Case.reference == code) if looks_valid(code) else matching


def _filtered(session: Session, query: sa.Select, scope: Scope, wanted: CaseFilter,
              today: dt.date) -> sa.Select:
    query = query.where(scope.where(Case.unit_id))
    if wanted.unit_id is not None:
        query = query.where(Case.unit_id.in_(sorted(subtree_ids(session, [wanted.unit_id]))))
    simple: list[tuple[Any, Any]] = [
        (Case.status, wanted.status), (Case.service_id, wanted.service_id),
        (Case.category, wanted.category)]
    for column, value in simple:
        if value is not None:
            query = query.where(column == value)
    if wanted.assignee is not None:
        query = query.where(Case.assignee_id.is_(None) if wanted.assignee == NOBODY
                            else Case.assignee_id == wanted.assignee)
    if wanted.since is not None:
        query = query.where(Case.received_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(Case.received_at < wanted.until)
    if wanted.overdue:
        query = query.where(Case.due_on < today)
    if wanted.text.strip():
        query = query.where(_text_filter(session, wanted.text))
    return query


def _page_ids(session: Session, scope: Scope, wanted: CaseFilter, today: dt.date,
              offset: int, limit: int) -> list[int]:
    """The ids of one page in the list's order: cases with a running deadline by that
    deadline (then the first opened), then finished cases, newest first. Two queries
    that each read their order off an index (``ix_cases_queue``, or
    ``ix_cases_status_queue`` after a status) instead of sorting every match."""
    def part(running: bool) -> sa.Select:
        where = Case.due_on.is_not(None) if running else Case.due_on.is_(None)
        return _filtered(session, sa.select(Case.id), scope, wanted, today).where(where)

    ids = list(session.scalars(part(True).order_by(Case.due_on, Case.opened_at, Case.id)
                               .offset(offset).limit(limit)))
    if len(ids) == limit or (wanted.overdue and not ids):
        return ids  # (overdue cases all have a running deadline)
    if ids:
        skip = 0
    else:  # the page starts among the finished cases: how far in?
        running = session.scalar(sa.select(sa.func.count()).select_from(
            part(True).subquery())) or 0
        skip = offset - running
    return ids + list(session.scalars(
        part(False).order_by(Case.opened_at.desc(), Case.id.desc())
        .offset(skip).limit(limit - len(ids))))


def list_cases(session: Session, scope: Scope, wanted: CaseFilter, today: dt.date,
               page: int = 1, per_page: int = 50) -> CasePage:
    """One page of the cases in ``scope`` that match, the most urgent first (running
    deadline, earliest first; finished cases last, newest first), with the total.

    A count, the page's ids (cases only, so that the order needs no comments), its
    cases, and their comments: small queries rather than one join."""
    total = session.scalar(_filtered(session, sa.select(sa.func.count(Case.id)), scope,
                                     wanted, today)) or 0
    page = max(1, page)
    ids = _page_ids(session, scope, wanted, today, (page - 1) * per_page, per_page)
    if not ids:
        return CasePage([], total, page, per_page)
    cases = {case.id: case for case in session.scalars(
        sa.select(Case).where(Case.id.in_(ids)).options(
            selectinload(Case.unit), selectinload(Case.service), selectinload(Case.assignee)))}
    bodies = {response_id: body for response_id, body in session.execute(
        sa.select(Comment.response_id, Comment.body).where(
            Comment.response_id.in_([case.response_id for case in cases.values()])))}
    rows = [(cases[i], bodies.get(cases[i].response_id)) for i in ids]
    return CasePage(rows, total, page, per_page)


def get_case(session: Session, case_id: int, scope: Scope) -> Optional[Case]:
    """The case if it exists and its unit is in ``scope``; else ``None``."""
    case = session.get(Case, case_id)
    return case if case is not None and case.unit_id in scope else None


def cases_in_scope(session: Session, ids: Iterable[int], scope: Scope) -> list[Case]:
    """The cases among ``ids`` whose unit is in ``scope`` (others silently left out)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    return list(session.scalars(sa.select(Case).where(Case.id.in_(wanted),
                                                      scope.where(Case.unit_id))
                                .order_by(Case.id)))


@dataclass
class CaseDetail:
    """What a case page shows of its response: answers by item, comment, kiosk reasons,
    and whether contact details exist (not the details themselves)."""

    answers: list[tuple[str, Optional[int]]]
    comment: Optional[str]
    reasons: list[str] = field(default_factory=list)
    has_contact: bool = False


def case_detail(session: Session, case: Case) -> CaseDetail:
    """The response behind ``case``: answers in questionnaire order (item code, value)."""
    response: Response = case.response
    order = {code: i for i, code in enumerate(response.questionnaire.item_codes())}
    answers = sorted(((a.item_code, a.value) for a in response.answers),
                     key=lambda pair: order.get(pair[0], len(order)))
    has_contact = session.scalar(sa.select(sa.func.count(Contact.id))
                                 .where(Contact.response_id == case.response_id)) or 0
    return CaseDetail(answers=answers,
                      comment=response.comment.body if response.comment else None,
                      reasons=sorted(r.reason_code for r in response.reasons),
                      has_contact=bool(has_contact))


def contact_of(session: Session, case: Case) -> Optional[Contact]:
    """The claimant's contact details for ``case``, if they left any and they are kept."""
    return session.scalar(sa.select(Contact).where(Contact.response_id == case.response_id))


def item_texts(case: Case, locale: str) -> dict[str, str]:
    """Item code → its text in ``locale``, from the version the response answered."""
    return {item.code: item.text(locale) for item in case.response.questionnaire.items}


def _ancestors(session: Session, unit_id: int) -> list[int]:
    found, current = [], session.get(Unit, unit_id)
    while current is not None:
        found.append(current.id)
        current = current.parent
    return found


def assignable_users(session: Session, unit_ids: Iterable[int],
                     roles: Iterable[Role]) -> list[User]:
    """Active users who hold one of ``roles`` over every unit of ``unit_ids`` (over a
    unit or any unit above it, or as administrators), by e-mail."""
    roles = set(roles)
    users: Optional[set[int]] = None
    for unit_id in set(unit_ids):
        above = _ancestors(session, unit_id)
        ids = set(session.scalars(sa.select(Grant.user_id).where(
            Grant.role.in_(sorted(roles, key=lambda r: r.value)),
            sa.or_(Grant.unit_id.in_(above), Grant.role == Role.admin))))
        users = ids if users is None else users & ids
    if not users:
        return []
    return list(session.scalars(sa.select(User).where(User.id.in_(sorted(users)),
                                                      User.active.is_(True))
                                .order_by(User.email)))


def reason_counts(session: Session, scope: Scope, since: dt.datetime, until: dt.datetime,
                  unit_id: Optional[int] = None) -> list[tuple[Unit, str, int]]:
    """Kiosk reasons ("phải chờ lâu" …) of the responses received in [since, until), per
    unit and reason, most frequent first: (unit, reason code, count)."""
    query = (sa.select(Response.unit_id, ResponseReason.reason_code, sa.func.count())
             .join(ResponseReason, ResponseReason.response_id == Response.id)
             .where(scope.where(Response.unit_id), Response.received_at >= since,
                    Response.received_at < until)
             .group_by(Response.unit_id, ResponseReason.reason_code))
    if unit_id is not None:
        query = query.where(Response.unit_id.in_(sorted(subtree_ids(session, [unit_id]))))
    rows = list(session.execute(query))
    units = {u.id: u for u in session.scalars(
        sa.select(Unit).where(Unit.id.in_(sorted({row[0] for row in rows}))))} if rows else {}
    return sorted(((units[u], code, n) for u, code, n in rows),
                  key=lambda row: (-row[2], row[0].code, row[1]))


def case_by_reference(session: Session, text: str) -> Optional[Case]:
    """The case whose reference code is ``text`` (as typed: spaces and dashes allowed);
    ``None`` for an unknown or malformed code."""
    code = normalise_code(text)
    if not looks_valid(code):
        return None
    return session.scalar(sa.select(Case).where(Case.reference == code,
                                            Case.kind == CaseKind.feedback)
                          .order_by(Case.id).limit(1))


def case_for_response(session: Session, response_id: uuid.UUID) -> Optional[Case]:
    """The case opened for a response, if any."""
    return session.scalar(sa.select(Case).where(Case.response_id == response_id,
                                            Case.kind == CaseKind.feedback))



def assignees_in_scope(session: Session, scope: Scope) -> list[User]:
    """The users to whom cases in ``scope`` are assigned (the list's filter), by e-mail."""
    # One index probe per user (few) rather than every assigned case made distinct.
    assigned = sa.exists().where(Case.assignee_id == User.id, scope.where(Case.unit_id))
    return list(session.scalars(sa.select(User).where(assigned).order_by(User.email)))


def reason_labels(session: Session, locale: str) -> dict[str, str]:
    """Kiosk reason code → its label in ``locale``, from every questionnaire version
    (the newest wording wins)."""
    labels: dict[str, str] = {}
    for definition in session.scalars(sa.select(Questionnaire.definition)
                                      .order_by(Questionnaire.version)):
        for reason in definition.get("reasons", []):
            labels[reason["code"]] = reason.get(locale) or reason.get("vi") or reason["code"]
    return labels


def handlers_in_scope(session: Session, scope: Scope, roles: Iterable[Role]) -> list[User]:
    """Active users holding one of ``roles`` over some unit of ``scope`` (through a
    grant on it or above it, or as administrators), by e-mail: whom bulk actions may
    assign to (the service then checks each case)."""
    wanted = sorted(set(roles), key=lambda r: r.value)
    query = sa.select(Grant.user_id).where(Grant.role.in_(wanted))
    if not scope.everything:
        reach: set[int] = set()
        for unit_id in scope.unit_ids:
            if unit_id not in reach:
                reach.update(_ancestors(session, unit_id))
        query = query.where(sa.or_(Grant.unit_id.in_(sorted(reach)), Grant.role == Role.admin))
    return list(session.scalars(sa.select(User).where(User.id.in_(query), User.active.is_(True))
                                .order_by(User.email)))


def open_cases_by_assignee(session: Session) -> dict[User, list[Case]]:
    """Active users → their unfinished cases (new or in progress), most urgent first:
    what a daily digest lists."""
    found: dict[User, list[Case]] = {}
    query = (sa.select(Case).join(User, User.id == Case.assignee_id)
             .where(Case.status.in_([CaseStatus.new, CaseStatus.in_progress]),
                    User.active.is_(True))
             .options(selectinload(Case.unit), selectinload(Case.assignee))
             .order_by(User.email, Case.due_on, Case.id))
    for case in session.scalars(query):
        found.setdefault(case.assignee, []).append(case)
    return found


def assignee_emails(session: Session, events: Iterable[CaseEvent]) -> dict[int, str]:
    """User id → e-mail of everyone the ``events`` assigned a case to or from."""
    ids = {int(value) for e in events if e.kind is CaseEventKind.assigned
           for value in (e.from_value, e.to_value) if value and value.isdigit()}
    if not ids:
        return {}
    return {user_id: email for user_id, email in session.execute(
        sa.select(User.id, User.email).where(User.id.in_(sorted(ids))))}
