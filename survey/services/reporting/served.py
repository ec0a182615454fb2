"""Served counts (claimants served per period × unit × service): lookup and CSV import.

A served count of a unit covers the unit's whole subtree (a centre's count includes
its counters). A count for a quarter or a year that was not imported is the sum of
its parts when every part was imported (three months make a quarter, four quarters
— each imported or made of months — make a year).

Receipt codes are not a count of the people served: a counter hands them to some
claimants, not all. They stand in for a served count only in units configured to give
one to every claimant (``SURVEY_RECEIPTS_FOR_ALL``, unit codes, each covering its
subtree), and only where nothing was imported in the unit's whole subtree. Even there
they never make a census (no finite population correction comes from them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterable, Mapping, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...io.csvfile import CsvFileError, CsvTable, problems_by_line, read_csv
from ...models import ServedCount, Service, Unit, utcnow
from ..errors import ServiceError
from .periods import Period, parse_period

IMPORTED, RECEIPTS = "imported", "receipts"
COLUMNS = ("period", "unit", "service", "count")


@dataclass(frozen=True)
class Served:
    """A unit's served count for the period and where it came from."""

    count: int
    source: str  # IMPORTED or RECEIPTS


#: (unit_id, service_id or None) → imported count for the period.
CountTable = dict[tuple[int, Optional[int]], int]


def _period_codes(period: Period) -> list[Period]:
    """The period and every finer period inside it."""
    found, queue = [], [period]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(current.parts())
    return found


def imported_counts(session: Session, period: Period) -> CountTable:
    """Imported counts for ``period``, summing complete sets of finer periods."""
    periods = _period_codes(period)
    rows = session.execute(sa.select(ServedCount.period, ServedCount.unit_id,
                                     ServedCount.service_id, ServedCount.count)
                           .where(ServedCount.period.in_([p.code for p in periods])))
    table: dict[tuple[str, int, Optional[int]], int] = {}
    for code, unit_id, service_id, count in rows:
        table[(code, unit_id, service_id)] = count

    def resolve(current: Period, key: tuple[int, Optional[int]]) -> Optional[int]:
        exact = table.get((current.code, *key))
        if exact is not None or not current.parts():
            return exact
        parts = [resolve(part, key) for part in current.parts()]
        return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]

    keys = {(unit_id, service_id) for _code, unit_id, service_id in table}
    result = {key: resolve(period, key) for key in keys}
    return {key: value for key, value in result.items() if value is not None}


def issued_table(session: Session, period: Period) -> CountTable:
    """Receipt codes issued in the period per (unit, service) and per (unit, None).

    Empty when the receipts service is not installed (older deployments).
    """
    try:
        from ..intake.receipts import issued_counts
    except ImportError:  # pragma: no cover - receipts are part of the product
        return {}
    by_service = issued_counts(session, period.first_day, period.last_day, by_service=True)
    table: CountTable = {}
    for (unit_id, service_id), count in by_service.items():
        table[(unit_id, service_id)] = table.get((unit_id, service_id), 0) + count
        table[(unit_id, None)] = table.get((unit_id, None), 0) + count
    return table


def served_by_unit(imported: CountTable, issued: CountTable, service_id: Optional[int],
                   subtrees: Mapping[int, Iterable[int]],
                   receipt_units: Collection[int] = ()) -> dict[int, Served]:
    """Served count per unit for one service (``None`` = all services).

    ``subtrees`` maps each unit id to the ids of its subtree (itself included).
    Imported counts win; a unit of ``receipt_units`` (units that give a receipt code
    to every claimant) with no import anywhere in its subtree gets the number of
    receipt codes issued in its subtree, if any.
    """
    result = {unit_id: Served(count, IMPORTED)
              for (unit_id, sid), count in imported.items() if sid == service_id}
    imported_units = set(result)
    for unit_id, members in subtrees.items():
        members = list(members)
        if unit_id not in receipt_units or unit_id in result \
                or imported_units.intersection(members):
            continue
        codes = sum(issued.get((m, service_id), 0) for m in members)
        if codes > 0:
            result[unit_id] = Served(codes, RECEIPTS)
    return result


# --- CSV import -------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    inserted: int
    updated: int
    unchanged: int


def _read_rows(data: bytes) -> CsvTable:
    try:
        table = read_csv(data, required=[c for c in COLUMNS if c != "service"])
    except CsvFileError as exc:
        raise ServiceError(_l("The file has errors; nothing was imported."), problems_by_line(
            exc.problems)) from None
    if table.problems:
        raise ServiceError(_l("The file has errors; nothing was imported."), problems_by_line(
            table.problems))
    return table


def _check_row(row: dict[str, str], units: dict[str, Unit],
               services: dict[str, Service]) -> tuple[Optional[tuple], list]:
    """Validate one row; returns ((period, unit_id, service_id, count), errors)."""
    errors: list = []
    try:
        period = parse_period(row.get("period", "")).code
    except ServiceError as exc:
        errors.append(exc.message)
        period = None
    unit = units.get(row.get("unit", "").upper())
    if unit is None:
        errors.append(_l("unknown unit code %(code)s", code=repr(row.get("unit", ""))))
    service_code = row.get("service", "")
    service = services.get(service_code) if service_code else None
    if service_code and service is None:
        errors.append(_l("unknown service code %(code)s", code=repr(service_code)))
    raw = row.get("count", "")
    count = int(raw) if raw.isascii() and raw.isdigit() else None
    if count is None:
        errors.append(_l("count must be a whole number ≥ 0, got %(value)s", value=repr(raw)))
    if errors or unit is None:
        return None, errors
    return (period, unit.id, service.id if service else None, count), []


def import_served_csv(session: Session, data: bytes) -> ImportSummary:
    """Insert or update served counts from CSV bytes (UTF-8, with or without BOM).

    Columns ``period, unit, service, count`` (``service`` blank or absent = all
    services; ``;`` also accepted as separator). All or nothing: any bad row raises
    :class:`ServiceError` whose ``errors`` map ``"<line>"`` to messages, and nothing
    is written. Flushes; the caller commits.
    """
    rows = _read_rows(data).rows
    units = {u.code: u for u in session.scalars(sa.select(Unit))}
    services = {s.code: s for s in session.scalars(sa.select(Service))}
    errors: dict[str, list] = {}
    parsed: dict[tuple, tuple[int, int]] = {}
    for line, row in rows:
        values, row_errors = _check_row(row, units, services)
        if values is not None and values[:3] in parsed:
            row_errors = [_l("repeats line %(line)s", line=parsed[values[:3]][0])]
        if row_errors:
            errors[str(line)] = row_errors
        else:
            assert values is not None  # no errors: the row's values
            parsed[values[:3]] = (line, values[3])
    if errors:
        raise ServiceError(_l("The file has errors; nothing was imported."), errors)
    return _upsert(session, {key: count for key, (_line, count) in parsed.items()})


def _upsert(session: Session, counts: dict[tuple, int]) -> ImportSummary:
    periods = {key[0] for key in counts}
    existing = {(row.period, row.unit_id, row.service_id): row for row in session.scalars(
        sa.select(ServedCount).where(ServedCount.period.in_(periods)))}
    inserted = updated = unchanged = 0
    now = utcnow()
    for (period, unit_id, service_id), count in counts.items():
        row = existing.get((period, unit_id, service_id))
        if row is None:
            session.add(ServedCount(period=period, unit_id=unit_id, service_id=service_id,
                                    count=count, imported_at=now))
            inserted += 1
        elif row.count != count:
            row.count, row.imported_at = count, now
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return ImportSummary(inserted, updated, unchanged)


#: One row's validation, for previews that show each line's values and errors.
check_row = _check_row
