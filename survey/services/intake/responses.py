"""Storing responses exactly once."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...models import (COMMENT_MAX, Answer, Channel, Comment, Contact, KioskDevice,
                      ReceiptCode, Response, ResponseReason, ResponseStatus, utcnow)
from ...models.questionnaires import fact_codes
from ...models.responses import FACT_BITS, FACT_NONE, MAX_FACTS, SATISFIED_SHIFT
from ..catalogue.snapshot import QuestionnaireLike, ServiceLike, UnitLike
from ..errors import ServiceError
from ..transactions import affected, begin_write, driver_errors

CONTACT_RETENTION = dt.timedelta(days=180)


@dataclass
class ContactDetails:
    """Contact details a claimant gave after ticking the consent box."""

    name: str = ""
    phone: str = ""
    email: str = ""
    purpose: str = "reply"
    #: The consent wording shown: its version and fingerprint (services/intake/consent.py).
    consent_version: Optional[str] = None
    consent_sha256: Optional[str] = None


@dataclass
class NewResponse:
    """Everything needed to store one response; validated by :func:`submit_response`."""

    id: uuid.UUID
    unit: UnitLike
    questionnaire: QuestionnaireLike
    channel: Channel
    locale: str
    answers: Mapping[str, Optional[int]]
    service: Optional[ServiceLike] = None
    submitted_at: Optional[dt.datetime] = None
    comment: str = ""
    contact: Optional[ContactDetails] = None
    reasons: Iterable[str] = ()
    device: Optional[KioskDevice] = None
    receipt_code: Optional[ReceiptCode] = None
    status: ResponseStatus = ResponseStatus.valid
    status_reason: Optional[str] = None
    partial: bool = False


def validate_answers(questionnaire: QuestionnaireLike, answers: Mapping[str, Optional[int]],
                     partial: bool = False) -> dict[str, list[str]]:
    """Return field → error codes for answers that do not fit ``questionnaire``."""
    from .sampling import too_many_per_dimension

    errors: dict[str, list[str]] = {}
    items = {item.code: item for item in questionnaire.items}
    for code, value in answers.items():
        if code not in items:
            errors.setdefault(code, []).append("unknown_item")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                    or value not in items[code].values):
            errors.setdefault(code, []).append("out_of_range")
    for code in too_many_per_dimension(questionnaire, answers):
        errors.setdefault(code, []).append("not_asked")
    if not partial:
        for code, item in items.items():
            if item.required and answers.get(code) is None:
                errors.setdefault(code, []).append("required")
    return errors


def check_response(new: NewResponse) -> None:
    """Raise :class:`ServiceError` (field → error codes) when ``new`` cannot be stored."""
    from .sampling import not_asked

    errors = validate_answers(new.questionnaire, new.answers, partial=new.partial)
    # An item for the claimants of some services only (coverage) answered by another.
    for code in not_asked(new.questionnaire.items, new.answers,
                          new.service.code if new.service is not None else None):
        errors.setdefault(code, []).append("not_asked")
    if new.comment and len(new.comment) > COMMENT_MAX:
        errors.setdefault("comment", []).append("too_long")
    if new.locale not in ("vi", "en"):
        errors.setdefault("locale", []).append("unknown_locale")
    if errors:
        raise ServiceError(_l("The response is not valid. Nothing was saved."), errors)


def store_response(session: Session, new: NewResponse, checked: bool = False) -> bool:
    """Store ``new`` once, in the caller's transaction; True when it was stored now,
    False when a response with its id exists already (a retry, a double tap, or a
    concurrent request that got there first: then nothing is written). Raises
    :class:`ServiceError` for invalid input, writing nothing.

    Plain INSERTs: the response with ``ON CONFLICT (id) DO NOTHING``, then its answers,
    reasons, comment and contact in one multi-row statement each; no ORM objects, no
    savepoint. ``checked`` is accepted for callers that looked the id up already; the
    conflict clause makes the look-up unnecessary either way. On SQLite and PostgreSQL
    the statements go straight to the driver's cursor (:class:`RawInsert`).
    """
    check_response(new)
    begin_write(session)
    connection = session.connection()
    dialect = connection.dialect
    raw = connection.connection.dbapi_connection
    if dialect.name in RAW_DIALECTS and raw is not None:
        cursor = raw.cursor()
        try:
            if not _raw_insert(dialect, "response").run(cursor, [_response_row(new)]):
                return False
            for table, rows in _child_rows(new).items():
                if rows:
                    _raw_insert(dialect, table.name, tuple(rows[0])).run(cursor, rows)
        finally:
            cursor.close()
        return True
    # Core on the session's connection: statements built once, compiled once.
    insert_response, children = _statements(dialect.name)
    if connection.execute(insert_response, _response_row(new)).first() is None:
        return False
    for table, rows in _child_rows(new).items():
        if rows:
            connection.execute(children[table], rows)
    return True


#: Dialects whose driver :class:`RawInsert` feeds directly.
RAW_DIALECTS = frozenset({"sqlite", "postgresql"})


class RawInsert:
    """An INSERT compiled once for a dialect and run on the driver's cursor.

    The SQL is what SQLAlchemy itself sends for the statement, and each value goes
    through its column type's own bind processor (UUIDs, enums, times in UTC, booleans),
    so the rows are the ones :func:`_statements` would write; what is skipped is
    SQLAlchemy's per-call execution machinery (about a quarter of the claimant's post,
    docs/performance.md). Columns left out of the rows must have no Python-side default
    (checked when compiling), since nothing would fill it in here.
    """

    def __init__(self, statement: Any, table: Any, keys: tuple[str, ...], dialect: Any,
                 returning: bool = False):
        for column in table.columns:
            if column.name not in keys and column.default is not None:
                raise ValueError(f"{table.name}.{column.name} has a default: not raw")
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        self.positional = compiled.positiontup is not None
        order = list(compiled.positiontup) if compiled.positiontup is not None else list(keys)
        self.converters = [(name, table.c[name].type.dialect_impl(dialect)
                            .bind_processor(dialect)) for name in order]
        self.returning = returning
        self.dialect = dialect

    def params(self, row: Mapping[str, Any]) -> Any:
        values = [(name, row[name] if convert is None else convert(row[name]))
                  for name, convert in self.converters]
        return [value for _name, value in values] if self.positional else dict(values)

    def run(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert ``rows``; with RETURNING, how many were inserted (0 on a conflict)."""
        with driver_errors(self.dialect, self.sql):
            if self.returning:
                cursor.execute(self.sql, self.params(rows[0]))
                return len(cursor.fetchall())
            if len(rows) == 1:
                cursor.execute(self.sql, self.params(rows[0]))
            else:
                cursor.executemany(self.sql, [self.params(row) for row in rows])
        return len(rows)


_RAW: dict[tuple[Any, ...], RawInsert] = {}


def _raw_insert(dialect: Any, table: str, keys: tuple[str, ...] = ()) -> RawInsert:
    key = (dialect.name, dialect.driver, table, keys)
    found = _RAW.get(key)
    if found is None:
        insert_response, children = _statements(dialect.name)
        if table == "response":
            columns = Response.__table__
            found = RawInsert(insert_response, columns, tuple(c.name for c in columns.columns),
                              dialect, returning=True)
        else:
            child = next(t for t in children if t.name == table)
            found = RawInsert(children[child], child, keys, dialect)
        _RAW[key] = found
    return found


def store_responses(session: Session, news: list[NewResponse]) -> set[uuid.UUID]:
    """Store many checked responses (:func:`check_response`) at once: one multi-row
    insert per table. Returns the ids stored now; the others existed already (stored by
    a concurrent request, which the primary key tells) and nothing of theirs is written.
    """
    if not news:
        return set()
    begin_write(session)
    connection = session.connection()
    insert_response, children = _statements(connection.dialect.name)
    result = connection.execute(insert_response, [_response_row(new) for new in news])
    stored = {row[0] for row in result}
    rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in children}
    for new in news:
        if new.id in stored:
            for table, values in _child_rows(new).items():
                rows[table].extend(values)
    for table, values in rows.items():
        if values:
            connection.execute(children[table], values)
    return stored


def submit_response(session: Session, new: NewResponse,
                    checked: bool = False) -> tuple[Response, bool]:
    """:func:`store_response`, then the stored :class:`Response` (the one found when the
    id existed already): for callers that want the ORM object."""
    created = store_response(session, new, checked)
    response = session.get(Response, new.id, populate_existing=True)
    assert response is not None  # stored now, or found by the conflict
    return response, created


def _response_row(new: NewResponse) -> dict[str, Any]:
    now = utcnow()
    return dict(
        id=new.id, unit_id=new.unit.id, service_id=new.service.id if new.service else None,
        channel=new.channel, questionnaire_id=new.questionnaire.id, locale=new.locale,
        submitted_at=new.submitted_at or now, received_at=now, status=new.status,
        status_reason=new.status_reason, device_id=new.device.id if new.device else None,
        receipt_code_id=new.receipt_code.id if new.receipt_code else None,
        partial=new.partial, answer_bits=answer_bits(new.questionnaire, new.answers),
        fact_values=fact_values(new.questionnaire, new.answers))


def fact_values(questionnaire: QuestionnaireLike,
                answers: Mapping[str, Optional[int]]) -> Optional[int]:
    """:attr:`Response.fact_values` of these answers: 3 bits per fact of the version, in
    :func:`fact_codes` order: 0 when not answered, 7 for an answer of ``None``, else the
    value (1–4). ``None`` for a version of more than 21 facts."""
    codes = fact_codes(questionnaire.definition)
    if len(codes) > MAX_FACTS:
        return None
    values = 0
    for i, code in enumerate(codes):
        if code in answers:
            value = answers[code]
            values |= (FACT_NONE if value is None else value) << (FACT_BITS * i)
    return values


def answer_bits(questionnaire: QuestionnaireLike,
                answers: Mapping[str, Optional[int]]) -> Optional[int]:
    """:attr:`Response.answer_bits` of these answers: bit i when item i of the version (its
    position) has a value, bit 30 + i when that value is 4 or 5 (what the index counts as
    satisfied; the facts' bits are kept too but never read as such). ``None`` for a
    version of more than 30 items, whose answers the index reads instead."""
    items = questionnaire.definition["items"]
    if len(items) > SATISFIED_SHIFT:
        return None
    bits = 0
    for i, item in enumerate(items):
        value = answers.get(item["code"])
        if value is not None:
            bits |= (1 << i) | ((value >= 4) << (SATISFIED_SHIFT + i))
    return bits


_STATEMENTS: dict[str, tuple[Any, dict[Any, Any]]] = {}


def _statements(dialect: str) -> tuple[Any, dict[Any, Any]]:
    """``INSERT INTO responses … ON CONFLICT (id) DO NOTHING RETURNING id`` in the
    dialect (a clash on any other unique column, such as the receipt code, still raises;
    RETURNING because psycopg reports -1 rows for DO NOTHING), and the child inserts."""
    if dialect not in _STATEMENTS:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        table = Response.__table__
        response = module.insert(table).on_conflict_do_nothing(
            index_elements=["id"]).returning(table.c.id)
        tables: tuple[Any, ...] = (Answer.__table__, ResponseReason.__table__,
                                   Comment.__table__, Contact.__table__)
        children = {t: sa.insert(t) for t in tables}
        _STATEMENTS[dialect] = (response, children)
    return _STATEMENTS[dialect]


def _child_rows(new: NewResponse) -> dict[Any, list[dict[str, Any]]]:
    now = utcnow()
    rows: dict[Any, list[dict[str, Any]]] = {
        Answer.__table__: [dict(response_id=new.id, item_code=code, value=value)
                           for code, value in new.answers.items()],
        ResponseReason.__table__: [dict(response_id=new.id, reason_code=code)
                                   for code in sorted(set(new.reasons))],
        Comment.__table__: ([dict(response_id=new.id, body=new.comment.strip())]
                            if new.comment.strip() else []),
        # Kept in its own table, linked only so that a reply can be sent.
        Contact.__table__: ([dict(response_id=new.id, name=new.contact.name,
                                  phone=new.contact.phone, email=new.contact.email,
                                  purpose=new.contact.purpose, consented_at=now,
                                  consent_version=new.contact.consent_version,
                                  consent_sha256=new.contact.consent_sha256,
                                  delete_after=now + CONTACT_RETENTION)]
                            if new.contact is not None else []),
    }
    return rows


#: :func:`answer_bits` in SQL (SQLite and PostgreSQL alike) for the responses without
#: them: each item is answered once, so the sum never carries. The migration that added
#: the column keeps its own copy.
FILL_ANSWER_BITS = sa.text("""
UPDATE responses SET answer_bits = (
    SELECT COALESCE(SUM((CAST(1 AS BIGINT) << qi.position)
                        + CASE WHEN a.value >= 4
                               THEN CAST(1 AS BIGINT) << (30 + qi.position) ELSE 0 END), 0)
    FROM answers a
    JOIN questionnaire_items qi
      ON qi.questionnaire_id = responses.questionnaire_id AND qi.code = a.item_code
    WHERE a.response_id = responses.id AND a.value IS NOT NULL)
WHERE answer_bits IS NULL
  AND questionnaire_id IN (SELECT questionnaire_id FROM questionnaire_items
                           GROUP BY questionnaire_id HAVING MAX(position) < 30)
""")


def fill_answer_bits(session: Session) -> int:
    """Compute :attr:`Response.answer_bits` and :attr:`Response.fact_values` of the
    responses stored without them (by an older release while an upgrade ran, or by other
    means); returns how many. The index is right either way (it reads their answers),
    only slower."""
    count = affected(session.execute(FILL_ANSWER_BITS))
    return max(count, fill_fact_values(session))


def fill_fact_values(session: Session) -> int:
    """:func:`fact_values` in SQL for the responses without them, one UPDATE per
    questionnaire version; returns how many."""
    from ...models import Questionnaire

    count = 0
    for qid, definition in session.execute(sa.select(Questionnaire.id,
                                                     Questionnaire.definition)).all():
        codes = fact_codes(definition)
        if len(codes) > MAX_FACTS:
            continue
        count += affected(session.execute(fact_fill(codes), {"questionnaire_id": qid}))
    return count


def fact_fill(codes: Sequence[str]) -> sa.TextClause:
    """The UPDATE that fills :attr:`Response.fact_values` of one version's responses."""
    whens = " ".join(f"WHEN :code_{i} THEN CAST(COALESCE(a.value, {FACT_NONE}) AS BIGINT)"
                     f" << {FACT_BITS * i}" for i in range(len(codes)))
    value = (f"(SELECT COALESCE(SUM(CASE a.item_code {whens} ELSE 0 END), 0) FROM answers a "
             "WHERE a.response_id = responses.id)") if codes else "0"
    return sa.text(f"UPDATE responses SET fact_values = {value} "
                   "WHERE questionnaire_id = :questionnaire_id AND fact_values IS NULL"
                   ).bindparams(**{f"code_{i}": code for i, code in enumerate(codes)})


def purge_contacts(session: Session, now: Optional[dt.datetime] = None) -> int:
    """Delete contact details whose retention has ended; returns how many."""
    now = now or utcnow()
    result = session.execute(sa.delete(Contact).where(Contact.delete_after <= now))
    return affected(result)
