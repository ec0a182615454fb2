"""A report as plain data: sheets of typed columns and rows of plain values.

Everything is rendered text or a number already (labels in Vietnamese), so that a report
round-trips through JSON unchanged: what a version stores is exactly what its files show.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

#: Column kinds: how a writer shows a value.
TEXT, CODE, COUNT, PERCENT, NUMBER, FLAG = "text", "code", "count", "percent", "number", "flag"


@dataclass(frozen=True)
class Column:
    """``code`` is the stable machine name (the second header row), ``label`` the
    Vietnamese header, ``kind`` one of the kinds above, ``width`` in characters."""

    code: str
    label: str
    kind: str = TEXT
    width: int = 12


@dataclass
class Sheet:
    """One sheet: ``name`` is the sheet (and CSV file) name, e.g. ``TongHop``."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def column(self, code: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.code == code)

    def records(self) -> list[dict[str, Any]]:
        """The rows as dictionaries by column code (tests, the change log)."""
        codes = [c.code for c in self.columns]
        return [dict(zip(codes, row)) for row in self.rows]


@dataclass
class Report:
    """The data of a report: its unit and period and its data sheets (every sheet but
    ThongTin, which the writers add from :class:`Header`)."""

    unit: str
    unit_name: str
    period: str
    first_day: str
    last_day: str
    annual: bool
    questionnaires: list[str]
    sheets: list[Sheet]
    #: The annual narrative (paragraphs), generated from the figures; editable.
    narrative: list[str] = field(default_factory=list)
    #: True once a person edited the narrative: regenerating keeps their text.
    narrative_edited: bool = False

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        sheets = [Sheet(s["name"], s["title"], [Column(**c) for c in s["columns"]],
                        [list(r) for r in s["rows"]], list(s["notes"]))
                  for s in data["sheets"]]
        fields = {k: v for k, v in data.items() if k != "sheets"}
        return cls(sheets=sheets, **fields)

    def figures_sha256(self) -> str:
        """SHA-256 of the data sheets (canonical JSON), as ThongTin states it: the same
        figures give the same digest whatever the status or the narrative."""
        payload = json.dumps([asdict(s) for s in self.sheets], ensure_ascii=False,
                             sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Header:
    """What ThongTin says beside the figures: the version and its sign-off."""

    version: int = 1
    status: str = ""
    receiver: str = ""
    prepared_by: str = ""
    approved_by: str = ""
    sent_on: str = ""
    approved_on: str = ""
    software: str = ""
    extra: tuple[tuple[str, str, str], ...] = ()


def file_name(unit: str, period: str, version: int, ext: str) -> str:
    """``BHTN_HaiLong_<unit>_<period>_v<n>.<ext>``."""
    return f"BHTN_HaiLong_{unit}_{period}_v{version}.{ext}"


def _row_keys(sheet: Sheet) -> list[int]:
    """The columns that name a row: its code columns (the first column if none)."""
    return [i for i, c in enumerate(sheet.columns) if c.kind == CODE] or [0]


def changes(old: Optional[Report], new: Report) -> list[dict[str, Any]]:
    """What changed between two versions' figures: one entry per changed cell (sheet, row,
    column code, old value, new value); a row that is new or gone is one entry."""
    if old is None:
        return []
    found: list[dict[str, Any]] = []
    before = {s.name: s for s in old.sheets}
    for sheet in new.sheets:
        prior = before.get(sheet.name)
        if prior is None or [c.code for c in prior.columns] != [c.code for c in sheet.columns]:
            found.append({"sheet": sheet.name, "row": "", "column": "", "old": None,
                          "new": "columns"})
            continue
        keys = _row_keys(sheet)
        was_rows = {tuple(r[i] for i in keys): r for r in prior.rows}
        now_rows = {tuple(r[i] for i in keys): r for r in sheet.rows}
        for key, row in now_rows.items():
            label = " · ".join(str(k) for k in key)
            was = was_rows.get(key)
            if was is None:
                found.append({"sheet": sheet.name, "row": label, "column": "", "old": None,
                              "new": "added"})
                continue
            for i, column in enumerate(sheet.columns):
                if was[i] != row[i]:
                    found.append({"sheet": sheet.name, "row": label, "column": column.code,
                                  "old": was[i], "new": row[i]})
        for key in was_rows.keys() - now_rows.keys():
            found.append({"sheet": sheet.name, "row": " · ".join(str(k) for k in key),
                          "column": "", "old": "removed", "new": None})
    return found
