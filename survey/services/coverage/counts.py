"""Administrative coverage counts: validation, the CSV import and the API's rows, stored
per reporting unit and month with every change in the audit log.

A row belongs to a *reporting unit* (a centre or a branch: the units the case software
knows) and one month. Re-sending a unit's month replaces its row; a row whose values
change, or a new row, adds one ``coverage.changed`` event (the values before and after)
to the audit log. All or nothing: one bad row refuses the whole file or request.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...io.csvfile import CsvFileError, problems_by_line, read_csv
from ...models import CoverageCount, Unit, UnitKind, utcnow
from ...models.coverage import BOUNDED, COUNT_FIELDS
from .. import audit
from ..audit import Action, Actor
from ..errors import ServiceError
from ..reporting.periods import parse_period

COLUMNS = ("month", "unit", *COUNT_FIELDS)
#: The units whose counts the case software reports.
REPORTING_KINDS = frozenset({UnitKind.centre, UnitKind.branch})
#: How the current values of a row arrived.
CSV, API, DEMO = "csv", "api", "demo"

#: The column names as people read them, in messages.
FIELD_LABELS: dict[str, Any] = {
    "applicants": _l("allowance applicants"),
    "counselling_asked": _l("asked for counselling"),
    "counselled": _l("counselled"),
    "referral_asked": _l("asked for a job referral"),
    "referred": _l("referred to a job"),
    "placed": _l("placed through a referral"),
    "training_supported": _l("supported to train"),
}


@dataclass(frozen=True)
class RowProblem:
    """One problem of a row: a machine code (for the API) and a lazy message; it reads
    as its message wherever a message is shown."""

    code: str
    message: Any

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CoverageRow:
    """One valid row: a reporting unit's counts for a month."""

    month: str
    unit_id: int
    unit_code: str
    counts: Mapping[str, int]

    @property
    def key(self) -> tuple[str, int]:
        return (self.month, self.unit_id)


@dataclass(frozen=True)
class StoreSummary:
    """What storing rows did."""

    inserted: int
    updated: int
    unchanged: int


def _month(value: Any) -> tuple[Optional[str], list]:
    text = str(value or "").strip()
    try:
        period = parse_period(text)
    except ServiceError:
        period = None
    if period is None or period.kind != "month":
        return None, [RowProblem("invalid_month", _l(
            "month must be a month such as 2026-09, got %(value)s", value=repr(text)))]
    return period.code, []


def _count(value: Any) -> Optional[int]:
    """A whole number ≥ 0 from a CSV cell (text) or a JSON value (an integer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _unit(value: Any, units: Mapping[str, Unit]) -> tuple[Optional[Unit], list]:
    code = str(value or "").strip().upper()
    unit = units.get(code)
    if unit is None:
        return None, [RowProblem("unknown_unit", _l("unknown unit code %(code)s",
                                                    code=repr(str(value or ""))))]
    if unit.kind not in REPORTING_KINDS:
        return None, [RowProblem("not_reporting_unit", _l(
            "unit %(code)s is not a centre or a branch: the case software's counts belong "
            "to a centre or a branch", code=code))]
    return unit, []


def check_row(row: Mapping[str, Any], units: Mapping[str, Unit]
              ) -> tuple[Optional[CoverageRow], list]:
    """Validate one row (CSV cells or JSON values); returns (the row, []) or (None,
    :class:`RowProblem` list): month, unit, each count a whole number ≥ 0, no part above
    its whole."""
    month, errors = _month(row.get("month"))
    unit, unit_errors = _unit(row.get("unit"), units)
    errors += unit_errors
    counts: dict[str, int] = {}
    for name in COUNT_FIELDS:
        value = _count(row.get(name))
        if value is None:
            errors.append(RowProblem("not_a_count", _l(
                "%(column)s must be a whole number ≥ 0, got %(value)s",
                column=FIELD_LABELS[name], value=repr(row.get(name, "")))))
        else:
            counts[name] = value
    for part, whole in BOUNDED:
        if part in counts and whole in counts and counts[part] > counts[whole]:
            errors.append(RowProblem("part_above_whole", _l(
                "%(part)s (%(a)s) is more than %(whole)s (%(b)s)", part=FIELD_LABELS[part],
                a=counts[part], whole=FIELD_LABELS[whole], b=counts[whole])))
    if errors or unit is None or month is None:
        return None, errors
    return CoverageRow(month, unit.id, unit.code, counts), []


def _key(row: Mapping[str, Any], units: Mapping[str, Unit]) -> Optional[tuple[str, str]]:
    """(month, unit code) when both are valid, whatever the counts."""
    month, _errors = _month(row.get("month"))
    unit, _unit_errors = _unit(row.get("unit"), units)
    return (month, unit.code) if month is not None and unit is not None else None


def check_rows(session: Session, rows: Iterable[tuple[str, Mapping[str, Any]]],
               repeats: Callable[[str], Any]) -> list[CoverageRow]:
    """Validate ``(where, row)`` pairs (``where``: a line number or a JSON pointer);
    a unit's month given twice is an error at the second (``repeats(first)`` says so).
    Raises :class:`ServiceError` whose ``errors`` map each ``where`` to its messages."""
    units = {unit.code: unit for unit in session.scalars(sa.select(Unit))}
    errors: dict[str, list] = {}
    seen: dict[tuple[str, str], str] = {}
    valid: list[CoverageRow] = []
    for where, row in rows:
        checked, row_errors = check_row(row, units)
        key = _key(row, units)
        if key is not None and key in seen:  # even when either line has other errors
            row_errors = [RowProblem("duplicate", repeats(seen[key]))]
        elif key is not None:
            seen[key] = where
        if row_errors:
            errors[where] = row_errors
        else:
            assert checked is not None
            valid.append(checked)
    if errors:
        raise ServiceError(_l("The data have errors; nothing was saved."), errors)
    return valid


def read_coverage_csv(session: Session, data: bytes) -> list[CoverageRow]:
    """The rows of a coverage CSV file (see docs/coverage.md), all valid, or
    :class:`ServiceError` with the errors of each line."""
    try:
        table = read_csv(data, required=COLUMNS)
    except CsvFileError as exc:
        raise ServiceError(_l("The file has errors; nothing was imported."),
                           problems_by_line(exc.problems)) from None
    if table.problems:
        raise ServiceError(_l("The file has errors; nothing was imported."),
                           problems_by_line(table.problems))
    try:
        return check_rows(session, ((str(line), row) for line, row in table.rows),
                          lambda first: _l("repeats line %(line)s", line=first))
    except ServiceError as exc:
        raise ServiceError(_l("The file has errors; nothing was imported."),
                           exc.errors) from None


def import_coverage_csv(session: Session, data: bytes, actor: Actor) -> StoreSummary:
    """Validate then store a coverage CSV file, recording the import itself in the audit
    log (besides each changed row), even when it changes nothing. Flushes, the caller
    commits."""
    summary = store_rows(session, read_coverage_csv(session, data), CSV, actor)
    audit.record(session, Action.COVERAGE_IMPORTED, actor,
                 detail={"inserted": summary.inserted, "updated": summary.updated,
                         "unchanged": summary.unchanged})
    return summary


def store_rows(session: Session, rows: list[CoverageRow], source: str,
               actor: Actor) -> StoreSummary:
    """Insert or replace each unit's month; audit every new or changed row. Flushes."""
    months = sorted({row.month for row in rows})
    existing = {(r.month, r.unit_id): r for r in session.scalars(
        sa.select(CoverageCount).where(CoverageCount.month.in_(months)))}
    inserted = updated = unchanged = 0
    now = utcnow()
    for row in rows:
        stored = existing.get(row.key)
        before = stored.counts() if stored is not None else None
        if before == dict(row.counts):
            unchanged += 1
            continue
        if stored is None:
            stored = CoverageCount(month=row.month, unit_id=row.unit_id, **row.counts)
            session.add(stored)
            inserted += 1
        else:
            updated += 1
            for name, value in row.counts.items():
                setattr(stored, name, value)
        stored.source, stored.updated_at = source, now
        audit.record(session, Action.COVERAGE_CHANGED, actor, object_type="coverage_count",
                     object_id=f"{row.unit_code}/{row.month}", unit_id=row.unit_id,
                     detail={"month": row.month, "via": source, "before": before,
                             "after": dict(row.counts)}, flush=False)
    session.flush()
    return StoreSummary(inserted, updated, unchanged)


def counts_version(session: Session, members: Optional[Iterable[int]]) -> tuple:
    """What the coverage counts of the units ``members`` (None: every unit) look like
    now: how many rows and when the last was stored (:func:`store_rows` stamps each row
    it writes). Equal versions, equal counts — for caches."""
    query = sa.select(sa.func.count(), sa.func.max(CoverageCount.updated_at))
    if members is not None:
        query = query.where(CoverageCount.unit_id.in_(list(members)))
    count, last = session.execute(query).one()
    return (count, str(last))
