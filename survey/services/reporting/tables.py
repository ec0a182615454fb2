"""Report tables as plain data: each table is built once here, and every writer (the CLI's
aligned text, the API's JSON; later the dashboard, XLSX, CSV and print) only lays it out.

A :class:`ReportTable` has a title, typed columns (a key, a lazy label, a :class:`Kind`),
rows of plain values (numbers as numbers, shares in [0, 1], ``None`` for a cell with
nothing to show), a total row and notes (lazy strings). Labels and notes render in the
active locale (``force_locale`` in the CLI, the request's locale in the API); numbers are
formatted by the writer, for people with :func:`format_value`.

What a row shows at small n is decided once, here (:func:`disclosure`), for every writer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping, Optional

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .index import (LONELY_NOTE, UNWEIGHTED_NOTE, Breakdown, IndexRow, IndexTable, Method,
                    VerdictCode)


class Kind(StrEnum):
    """What a column holds, so that each writer knows how to show it."""

    TEXT = "text"          #: str or lazy string
    CODE = "code"          #: a StrEnum member with a ``label``: machines read the value
    COUNT = "count"        #: int
    PERCENT = "percent"    #: a share in [0, 1], shown to people as a percentage
    INTERVAL = "interval"  #: (low, high), shares in [0, 1]
    NUMBER = "number"      #: float (a standard error, a p-value)
    RATIO = "ratio"        #: float shown with two decimals (a design effect)
    FLAG = "flag"          #: bool


@dataclass(frozen=True)
class Column:
    """One column. ``detail`` columns are for machine-readable writers (JSON, XLSX);
    a table for people (the CLI, print) leaves them out."""

    key: str
    label: Any
    kind: Kind
    detail: bool = False


@dataclass(frozen=True)
class Note:
    """A note under the table. ``mark`` is the sign that rows carry when the note is
    about them (shown once, only when some row carries it); ``rule`` notes state how
    verdicts are given, which the API already states as fields (level, min_n)."""

    text: Any
    mark: str = ""
    rule: bool = False


@dataclass(frozen=True)
class ReportRow:
    """Plain values by column key; ``marks`` maps a column key to a note's sign."""

    values: Mapping[str, Any]
    marks: Mapping[str, str] = field(default_factory=dict)
    #: Depth in a tree of rows (0: top level); writers for people indent the label.
    indent: int = 0

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


@dataclass(frozen=True)
class ReportTable:
    """A table for every writer. ``meta`` says what the table is about (period, unit,
    target, ...) for writers that state it apart from the title."""

    title: Any
    columns: tuple[Column, ...]
    rows: list[ReportRow]
    total: Optional[ReportRow]
    notes: list[Note]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> tuple[Column, ...]:
        """The columns a table for people shows."""
        return tuple(c for c in self.columns if not c.detail)


class Disclosure(StrEnum):
    """What a row shows (one rule for every writer, every row and the total)."""

    FULL = "full"              #: the figure, its interval and a verdict
    NO_VERDICT = "no_verdict"  #: n < min_n: the figure and its (wide) interval, no verdict
    NO_DATA = "no_data"        #: nothing to estimate: no figure, no interval, no verdict


def disclosure(n: int, estimate: float, min_n: int) -> Disclosure:
    """The small-sample rule (docs/methodology.md §7): no figure without data; fewer than
    ``min_n`` responses (answers, for an item) show the figure but get no verdict."""
    if n <= 0 or estimate is None or math.isnan(estimate):
        return Disclosure.NO_DATA
    if n < min_n:
        return Disclosure.NO_VERDICT
    return Disclosure.FULL


@dataclass(frozen=True)
class Figure:
    """A share inside a lazy string (a title, a label; the message has the % sign):
    formatted as a percentage when rendered, in the locale active then (0.9 → "90",
    0.875 → "87.5" / "87,5")."""

    value: float

    def __str__(self) -> str:
        return _percent_text(self.value, str(get_locale() or "vi"), digits=None)


def _percent_text(share: float, locale: str, digits: Optional[int]) -> str:
    """0.862 → "86.2" (en) / "86,2" (vi) with ``digits`` decimals; ``None``: at most one,
    only when needed (0.9 → "90", 0.875 → "87.5")."""
    pattern = "#,##0.#" if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(100 * share, format=pattern, locale=locale)


def format_value(value: Any, kind: Kind, locale: str, digits: Optional[int] = 1,
                 empty: str = "—") -> str:
    """One cell as people read it in ``locale``: "86.2 %" / "86,2 %", "1,234" / "1.234",
    an interval "80.1–90.3" / "80,1–90,3"; a missing value is ``empty``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    if kind == Kind.PERCENT:
        return f"{_percent_text(value, locale, digits)} %"
    if kind == Kind.INTERVAL:
        low, high = value
        return f"{_percent_text(low, locale, digits)}–{_percent_text(high, locale, digits)}"
    if kind == Kind.COUNT:
        return format_decimal(value, format="#,##0", locale=locale)
    if kind == Kind.NUMBER:
        return format_decimal(value, format="#,##0.0###", locale=locale)
    if kind == Kind.RATIO:
        return format_decimal(value, format="#,##0.00", locale=locale)
    if kind == Kind.CODE:
        return str(value.label)
    if kind == Kind.FLAG:
        return "✓" if value else ""
    return str(value)


UNWEIGHTED_MARK = "*"
LONELY_MARK = "†"
NO_COUNT_MARK = "‡"
NO_COUNT_NOTE = _l("No served count for this period, so no response rate: import the "
                   "served counts (flask survey served import).")

INDEX_COLUMNS = (
    Column("key", _l("Key"), Kind.TEXT),
    Column("label", _l("Name"), Kind.TEXT),
    Column("n", "n", Kind.COUNT),
    Column("estimate", _l("Index"), Kind.PERCENT),
    Column("interval", None, Kind.INTERVAL),  # label: the level, set per table
    Column("deff", _l("Design effect"), Kind.RATIO),
    Column("method", _l("Method"), Kind.CODE),
    Column("verdict", _l("Verdict"), Kind.CODE),
    Column("served", _l("Served"), Kind.COUNT),
    Column("response_rate", _l("Response rate"), Kind.PERCENT),
    Column("se", _l("Standard error"), Kind.NUMBER, detail=True),
    Column("df", _l("Degrees of freedom"), Kind.COUNT, detail=True),
    Column("weighted", _l("Weighted"), Kind.FLAG, detail=True),
    Column("verdict_bound", _l("One-sided bound of the verdict"), Kind.PERCENT, detail=True),
    Column("p_value", _l("p-value"), Kind.NUMBER, detail=True),
    Column("responses", _l("Responses"), Kind.COUNT, detail=True),
    Column("default_weighted", _l("Responses with the default weight"), Kind.COUNT,
           detail=True),
    Column("lonely", _l("Strata with a single primary sampling unit"), Kind.COUNT,
           detail=True),
    Column("adjusted", _l("Verdict adjusted for multiple comparisons"), Kind.FLAG,
           detail=True),
    Column("level", _l("Level below the scope"), Kind.COUNT, detail=True),
)


def index_report(table: IndexTable) -> ReportTable:
    """The satisfaction-index table for every writer, from :func:`index.index_table`."""
    level = Figure(table.level)
    columns = tuple(
        Column(c.key, _l("%(level)s %% interval", level=level), c.kind, c.detail)
        if c.key == "interval" else c for c in INDEX_COLUMNS)
    counted = table.by not in (Breakdown.CHANNEL, Breakdown.FACT)  # no counts per channel
    rows = [_index_row(row, table.min_n, counted) for row in table.rows]
    total = _index_row(table.total, table.min_n, counted)
    notes = [Note(text) for text in table.notes]
    for mark, text in ((UNWEIGHTED_MARK, UNWEIGHTED_NOTE), (LONELY_MARK, LONELY_NOTE),
                       (NO_COUNT_MARK, NO_COUNT_NOTE)):
        if any(mark in row.marks.values() for row in rows + [total]):
            notes.append(Note(text, mark=mark))
    if table.verified:
        notes.append(Note(_l("Verified responses only: those given with a receipt code or "
                             "on a kiosk. Phone responses by QR code are left out.")))
    notes.append(Note(_l("“Met” means the data show the index above the target with "
                         "%(level)s %% confidence (a one-sided bound), “not met” that it is "
                         "below; otherwise there is not enough evidence to conclude. Fewer "
                         "than %(min_n)s responses (answers, for an item): the figure is "
                         "shown without a verdict.", level=level, min_n=table.min_n),
                      rule=True))
    title = _l("Satisfaction index (%% satisfied or very satisfied): %(unit)s (%(code)s), "
               "period %(period)s, target %(target)s %%", unit=table.unit_label,
               code=table.unit_code, period=table.period.code, target=Figure(table.target))
    meta = {"period": table.period, "unit": table.unit_code, "unit_label": table.unit_label,
            "by": table.by, "target": table.target, "level": table.level,
            "min_n": table.min_n, "design": table.design, "fdr": table.fdr,
            "verified": table.verified}
    return ReportTable(title, columns, rows, total, notes, meta)


def _index_row(row: IndexRow, min_n: int, counted: bool = True) -> ReportRow:
    """One row, with :func:`disclosure` applied: cells it withholds are ``None``."""
    shown = disclosure(row.n, row.estimate, min_n)
    has_data = shown != Disclosure.NO_DATA
    judged = shown == Disclosure.FULL
    values = {
        "key": row.key, "label": row.label, "n": row.n,
        "estimate": row.estimate if has_data else None,
        "interval": (row.low, row.high) if has_data else None,
        "method": Method(row.method) if has_data else None,
        "verdict": VerdictCode(row.verdict) if judged else VerdictCode.INSUFFICIENT,
        "served": row.served, "response_rate": row.response_rate,
        "deff": row.deff if has_data else None,
        "se": row.se if has_data else None, "df": row.df, "weighted": row.weighted,
        "verdict_bound": row.bound if judged else None,
        "p_value": row.p_value if judged else None,
        "responses": row.responses, "default_weighted": row.default_weighted,
        "lonely": row.lonely, "adjusted": row.adjusted and judged,
    }
    marks = {}
    if has_data and not row.weighted:
        marks["method"] = UNWEIGHTED_MARK
    if has_data and row.lonely:
        marks["interval"] = LONELY_MARK
    if counted and row.responses and row.response_rate is None:
        marks["response_rate"] = NO_COUNT_MARK
    values["level"] = row.level
    return ReportRow(values, marks, indent=row.level - 1)
