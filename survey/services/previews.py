"""What a CSV import would do, line by line, without writing anything.

A preview runs the importer itself inside a savepoint that is rolled back, so it finds
exactly the errors the import would, and says for each line whether it adds, changes
or leaves a row. Its ``fingerprint`` digests that plan together with the file: the
confirming request recomputes it before writing and refuses when it differs (the file
or the database changed in between), so what is written is what was previewed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..io.csvfile import CsvFileError, read_csv
from ..models import ServedCount, Service, Unit
from .catalogue.units import COLUMNS as UNIT_COLUMNS
from .catalogue.units import UnitImportError, import_units
from .errors import ServiceError
from .reporting import served as served_counts

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass
class PreviewLine:
    line: int
    cells: list[str]
    status: str
    #: For a changed line, the values it replaces (same order as ``cells``).
    before: Optional[list[str]] = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    columns: tuple[str, ...]
    lines: list[PreviewLine] = field(default_factory=list)
    #: Problems with the whole file (encoding, header, no rows).
    file_errors: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not line.errors for line in self.lines)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def changes(self) -> int:
        return self.count(NEW) + self.count(CHANGED)


def _fingerprint(data: bytes, preview: Preview) -> str:
    plan = [(line.line, line.status, line.cells, line.before) for line in preview.lines]
    digest = hashlib.sha256(data)
    digest.update(json.dumps(plan, ensure_ascii=False).encode())
    return digest.hexdigest()


def _dry_run(session: Session, action: Callable[[], Any]) -> None:
    """Run ``action`` and undo whatever it flushed."""
    savepoint = session.begin_nested()
    try:
        action()
    finally:
        savepoint.rollback()


def _errors_by_line(errors: dict[str, list]) -> dict[int, list[str]]:
    return {int(line or 0): [str(m) for m in messages] for line, messages in errors.items()}


def _read(data: bytes, columns: tuple[str, ...], required: tuple[str, ...],
          aliases: Optional[dict[str, str]] = None) -> tuple[Preview, list]:
    preview = Preview(columns)
    try:
        table = read_csv(data, required=required, aliases=aliases)
    except CsvFileError as exc:
        preview.file_errors = [str(p.message) if not p.column else f"{p.column}: {p.message}"
                               for p in exc.problems]
        return preview, []
    return preview, table.rows


def _place_errors(preview: Preview, errors: dict[int, list[str]]) -> None:
    by_line = {line.line: line for line in preview.lines}
    for number, messages in errors.items():
        target = by_line.get(number)
        if target is None:
            preview.file_errors.extend(messages)
        else:
            target.errors.extend(messages)
            target.status = ERROR


def _unit_state(unit: Unit) -> list[str]:
    return [unit.code, unit.parent.code if unit.parent else "", unit.kind.value, unit.name_vi,
            unit.name_en, "1" if unit.active else "0"]


def preview_units(session: Session, data: bytes) -> Preview:
    """The units import of ``data`` (see :mod:`.catalogue.units`), line by line."""
    preview, rows = _read(data, UNIT_COLUMNS, ("code", "kind", "name_vi"),
                          {"parent": "parent_code"})
    if preview.file_errors:
        return preview
    existing = {unit.code: _unit_state(unit) for unit in session.scalars(sa.select(Unit))}
    for line, record in rows:
        cells = [record.get(name, "") for name in UNIT_COLUMNS]
        cells[0], cells[1], cells[2] = cells[0].upper(), cells[1].upper(), cells[2].lower()
        cells[5] = "0" if cells[5].lower() in {"0", "false", "no", "n", "không", "khong",
                                                "inactive"} else "1"
        before = existing.get(cells[0])
        status = NEW if before is None else UNCHANGED if before == cells else CHANGED
        preview.lines.append(PreviewLine(line, cells, status,
                                         before if status == CHANGED else None))
    try:
        _dry_run(session, lambda: import_units(session, data))
    except UnitImportError as exc:
        errors: dict[int, list[str]] = {}
        for row in exc.rows:
            message = f"{row.column}: {row.message}" if row.column else str(row.message)
            errors.setdefault(row.line, []).append(message)
        _place_errors(preview, errors)
    preview.fingerprint = _fingerprint(data, preview)
    return preview


def preview_served(session: Session, data: bytes) -> Preview:
    """The served-counts import of ``data`` (see :mod:`.reporting.served`), line by line."""
    columns = served_counts.COLUMNS
    preview, rows = _read(data, columns, ("period", "unit", "count"))
    if preview.file_errors:
        return preview
    units = {u.code: u for u in session.scalars(sa.select(Unit))}
    services = {s.code: s for s in session.scalars(sa.select(Service))}
    existing = {(row.period, row.unit_id, row.service_id): row.count
                for row in session.scalars(sa.select(ServedCount))}
    for line, record in rows:
        cells = [record.get(name, "") for name in columns]
        values, _errors = served_counts.check_row(record, units, services)
        status, before = NEW, None
        if values is not None:
            previous = existing.get(values[:3])
            if previous is not None:
                status = UNCHANGED if previous == values[3] else CHANGED
                before = [*cells[:3], str(previous)] if status == CHANGED else None
            cells[0] = values[0]
        preview.lines.append(PreviewLine(line, cells, status, before))
    try:
        _dry_run(session, lambda: served_counts.import_served_csv(session, data))
    except ServiceError as exc:
        _place_errors(preview, _errors_by_line(exc.errors))
    preview.fingerprint = _fingerprint(data, preview)
    return preview


def preview_coverage(session: Session, data: bytes) -> Preview:
    """The coverage-counts import of ``data`` (see :mod:`.coverage.counts`), line by line."""
    from ..models import CoverageCount
    from .coverage import counts as coverage_counts

    columns = coverage_counts.COLUMNS
    preview, rows = _read(data, columns, columns)
    if preview.file_errors:
        return preview
    units = {u.code: u for u in session.scalars(sa.select(Unit))}
    existing = {(row.month, row.unit_id): row.counts()
                for row in session.scalars(sa.select(CoverageCount))}
    for line, record in rows:
        cells = [record.get(name, "") for name in columns]
        checked, _errors = coverage_counts.check_row(record, units)
        status, before = NEW, None
        if checked is not None:
            cells[0], cells[1] = checked.month, checked.unit_code
            previous = existing.get(checked.key)
            if previous is not None:
                status = UNCHANGED if previous == dict(checked.counts) else CHANGED
                if status == CHANGED:
                    before = cells[:2] + [str(previous[name]) for name in columns[2:]]
        preview.lines.append(PreviewLine(line, cells, status, before))
    try:
        _dry_run(session, lambda: coverage_counts.read_coverage_csv(session, data))
    except ServiceError as exc:
        _place_errors(preview, _errors_by_line(exc.errors))
    preview.fingerprint = _fingerprint(data, preview)
    return preview
