"""Importing the organisation tree from a CSV file, all or nothing.

Columns (header required, any order): ``code, parent_code (or parent), kind, name_vi,
name_en, active``. Comma, semicolon or tab separated; UTF-8 with or without BOM.

Rules:

- Codes are upper-cased, globally unique and never reused: units are never deleted.
  A unit missing from the file is kept unchanged.
- Renaming and (de)activating always work; responses keep their ``unit_id``.
- A root has kind ``province``; otherwise the parent's kind ranks above the child's
  (province → centre → branch → counter; a counter may sit under a centre or a branch).
- An existing unit's kind or parent may change only while no response or receipt code
  refers to it: otherwise old figures would move in the tree. Create a new code instead
  and deactivate the old one.

Every error names its line and column; its message is a Babel lazy string rendered in
the active locale (``force_locale``). Nothing is written when there is any error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...io.csvfile import CsvFileError, problems_by_line, read_csv
from ...models import ReceiptCode, Response, Unit, UnitKind
from ..errors import ServiceError

RANK = {UnitKind.province: 0, UnitKind.centre: 1, UnitKind.branch: 2, UnitKind.counter: 3}
CODE_RE = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,38}[A-Z0-9])?")
TRUE = {"", "1", "true", "yes", "y", "x", "có", "co", "active"}
FALSE = {"0", "false", "no", "n", "không", "khong", "inactive"}
COLUMNS = ("code", "parent_code", "kind", "name_vi", "name_en", "active")


@dataclass
class RowError:
    """One problem, with the file line (the header is line 1; 0 = the whole file), the
    column (may be empty) and a lazy message rendered in the active locale."""

    line: int
    column: str
    message: Any

    def __str__(self) -> str:
        if not self.line:
            return str(self.message)
        if self.column:
            return _("Line %(line)s, column %(column)s: %(error)s", line=self.line,
                     column=self.column, error=self.message)
        return _("Line %(line)s: %(errors)s", line=self.line, errors=self.message)


class UnitImportError(ServiceError):
    """The file was refused; ``rows`` lists every problem found.

    As for served counts, ``message`` says nothing was imported and ``errors`` maps a
    line (``""`` for the whole file) to its messages.
    """

    def __init__(self, rows: list[RowError]):
        super().__init__(_l("The file has errors; nothing was imported."),
                         problems_by_line(rows))
        self.rows = rows

    def __str__(self) -> str:
        return "\n".join(str(row) for row in self.rows)


@dataclass
class UnitRow:
    line: int
    code: str
    parent_code: str
    kind: UnitKind
    name_vi: str
    name_en: str
    active: bool


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: Existing units not in the file: kept as they are.
    absent: list[str] = field(default_factory=list)


def parse_csv(data: bytes) -> list[UnitRow]:
    """Rows of the file, validated one by one (not yet against the database)."""
    try:
        table = read_csv(data, required=("code", "kind", "name_vi"),
                         aliases={"parent": "parent_code"})
    except CsvFileError as exc:
        raise UnitImportError([RowError(p.line, p.column, p.message)
                               for p in exc.problems]) from None
    errors = [RowError(p.line, p.column, p.message) for p in table.problems]
    rows = []
    for line, record in table.rows:
        row = _parse_row(line, record, errors)
        if row is not None:
            rows.append(row)
    if errors:
        raise UnitImportError(sorted(errors, key=lambda e: e.line))
    return rows


def _cell(record: dict[str, str], name: str) -> str:
    return record.get(name, "")


def _parse_row(line: int, record: dict, errors: list[RowError]) -> Optional[UnitRow]:
    before = len(errors)
    code = _cell(record, "code").upper()
    if not CODE_RE.fullmatch(code):
        errors.append(RowError(line, "code", _l(
            "invalid code “%(code)s” (letters A–Z, digits, hyphens; at most 40 characters)",
            code=code)))
    kind_text = _cell(record, "kind").lower()
    kind = UnitKind.__members__.get(kind_text)
    if kind is None:
        errors.append(RowError(line, "kind", _l(
            "invalid kind “%(kind)s” (province, centre, branch, counter)", kind=kind_text)))
    name_vi, name_en = _cell(record, "name_vi"), _cell(record, "name_en")
    if not name_vi or len(name_vi) > 200:
        errors.append(RowError(line, "name_vi", _l(
            "a Vietnamese name is required (200 characters at most)")))
    if len(name_en) > 200:
        errors.append(RowError(line, "name_en", _l("name too long (200 characters at most)")))
    active_text = _cell(record, "active").lower()
    if active_text not in TRUE | FALSE:
        errors.append(RowError(line, "active", _l("invalid value “%(value)s” (1/0)",
                                                  value=active_text)))
    if len(errors) > before or kind is None:
        return None
    return UnitRow(line, code, _cell(record, "parent_code").upper(), kind, name_vi, name_en,
                   active_text in TRUE)


def _check_tree(rows: list[UnitRow], existing: dict[str, Unit]) -> list[RowError]:
    """Duplicates, unknown parents and kind order, against the file and the database."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    kinds = {code: unit.kind for code, unit in existing.items()}
    kinds.update({row.code: row.kind for row in rows})
    for row in rows:
        if row.code in seen:
            errors.append(RowError(row.line, "code", _l(
                "code %(code)s repeats line %(line)s", code=row.code, line=seen[row.code])))
        seen.setdefault(row.code, row.line)
        if not row.parent_code:
            if row.kind is not UnitKind.province:
                errors.append(RowError(row.line, "parent_code", _l(
                    "only a province may have no parent")))
            continue
        parent_kind = kinds.get(row.parent_code)
        if parent_kind is None:
            errors.append(RowError(row.line, "parent_code", _l(
                "unknown parent %(code)s", code=row.parent_code)))
        elif RANK[parent_kind] >= RANK[row.kind]:
            errors.append(RowError(row.line, "kind", _l(
                "a %(kind)s cannot be under a %(parent)s", kind=row.kind.value,
                parent=parent_kind.value)))
    in_file = {row.code: row for row in rows}
    for code, unit in existing.items():  # children left out of the file keep their parent
        parent = unit.parent.code if unit.parent else ""
        if code not in in_file and parent in in_file and RANK[in_file[parent].kind] >= RANK[
                unit.kind]:
            row = in_file[parent]
            errors.append(RowError(row.line, "kind", _l(
                "%(child)s (%(child_kind)s) is under %(code)s: it cannot become a %(kind)s",
                child=code, child_kind=unit.kind.value, code=row.code, kind=row.kind.value)))
    return errors


def _in_use(session: Session, unit_ids: list[int]) -> set[int]:
    """Units referred to by a response or a receipt code."""
    used: set[int] = set()
    for model in (Response, ReceiptCode):
        used |= set(session.scalars(sa.select(model.unit_id).where(
            model.unit_id.in_(unit_ids)).distinct()))
    return used


def _parent_code(unit: Unit) -> str:
    return unit.parent.code if unit.parent is not None else ""


def _check_moves(session: Session, rows: list[UnitRow],
                 existing: dict[str, Unit]) -> list[RowError]:
    moved = [(row, existing[row.code]) for row in rows if row.code in existing and (
        existing[row.code].kind is not row.kind or _parent_code(existing[row.code])
        != row.parent_code)]
    used = _in_use(session, [unit.id for _row, unit in moved]) if moved else set()
    return [RowError(row.line, "parent_code/kind", _l(
        "%(code)s has responses or receipt codes: its kind and parent cannot change; create "
        "a new code and deactivate the old one", code=row.code))
        for row, unit in moved if unit.id in used]


def import_units(session: Session, data: bytes) -> ImportSummary:
    """Validate the whole CSV file, then create or update its units (flushes only).

    Raises :class:`UnitImportError` listing every problem; nothing is written then.
    """
    rows = parse_csv(data)
    existing = {u.code: u for u in session.scalars(sa.select(Unit))}
    errors = _check_tree(rows, existing) or _check_moves(session, rows, existing)
    if errors:
        raise UnitImportError(errors)
    summary = ImportSummary()
    by_code = dict(existing)
    for row in sorted(rows, key=lambda r: RANK[r.kind]):  # parents before children
        unit = by_code.get(row.code)
        target = (row.kind, row.parent_code, row.name_vi, row.name_en, row.active)
        if unit is not None and _state(unit) == target:
            summary.unchanged.append(row.code)
            continue
        (summary.updated if unit is not None else summary.created).append(row.code)
        unit = unit or Unit(code=row.code)
        unit.kind, unit.name_vi, unit.name_en, unit.active = target[0], *target[2:]
        unit.parent = by_code.get(row.parent_code) if row.parent_code else None
        session.add(unit)
        by_code[row.code] = unit
    session.flush()
    in_file = {row.code for row in rows}
    summary.absent = sorted(code for code in existing if code not in in_file)
    return summary


def _state(unit: Unit) -> tuple:
    return (unit.kind, unit.parent.code if unit.parent else "", unit.name_vi, unit.name_en,
            unit.active)


def unit_tree(session: Session) -> list[tuple[int, Unit]]:
    """Every unit as ``(depth, unit)`` in tree order (parents first, codes sorted)."""
    units = list(session.scalars(sa.select(Unit).order_by(Unit.code)))
    children: dict[Optional[int], list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    result: list[tuple[int, Unit]] = []

    def walk(parent_id: Optional[int], depth: int) -> None:
        for unit in children.get(parent_id, []):
            result.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return result
