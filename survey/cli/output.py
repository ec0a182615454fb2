"""How a ``flask survey`` command writes a report table: ``--format text|json|csv``.

``text`` is for people: every column as wide as its longest cell (names are never cut),
numbers in the output language's format (86.2 % / 86,2 %), one footnote per mark.
``json`` is what the API returns for the same request (the caller passes the API's
writer), so a script gets the same figures from either. ``csv`` is for spreadsheets and
R: one header row of stable column keys, then the total row (when there is one) and
the rows; shares stay shares in [0, 1] with full precision, an interval is two columns
(``<key>_low``, ``<key>_high``), a coded value is its code, a missing value is empty.
"""
from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from typing import Any, Callable, Optional

import click

from ..services.reporting.tables import Column, Kind, ReportRow, ReportTable, format_value

FORMATS = ("text", "json", "csv")
#: Kinds of column aligned to the right (numbers).
NUMERIC = {Kind.COUNT, Kind.PERCENT, Kind.INTERVAL, Kind.NUMBER, Kind.RATIO}


def format_option() -> Callable:
    """The ``--format`` option shared by the commands that print a report table."""
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
                        show_default=True,
                        help="text for people; json (as the API) or csv for machines.")


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining marks take none, wide signs two."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_cells(row: ReportRow, columns: tuple[Column, ...], locale: str) -> list[str]:
    """The printed cells of one row, marks (``*``) included; the label indented by the
    row's depth in a tree."""
    return [("  " * row.indent if c.key == "label" else "")
            + format_value(row[c.key], c.kind, locale) + row.marks.get(c.key, "")
            for c in columns]


def render_text(table: ReportTable, locale: str) -> str:
    """The table as aligned plain text; labels and notes in the active locale, numbers
    in ``locale``'s format."""
    columns = table.shown
    headers = [str(c.label) for c in columns]
    body = [row_cells(row, columns, locale) for row in table.rows]
    total = [row_cells(table.total, columns, locale)] if table.total else []
    widths = [max(text_width(line[i]) for line in [headers] + body + total)
              for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        padded = []
        for cell, width, column in zip(cells, widths, columns):
            pad = " " * (width - text_width(cell))
            padded.append(pad + cell if column.kind in NUMERIC else cell + pad)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [str(table.title), "", line(headers), rule] + [line(cells) for cells in body]
    if total:
        out += [rule, line(total[0])]
    out.append("")
    out += [f"{note.mark} {note.text}" if note.mark else str(note.text) for note in table.notes]
    return "\n".join(out)


def _csv_value(value: Any, kind: Kind) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == Kind.CODE:
        return str(value.value)
    if kind == Kind.FLAG:
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def render_csv(table: ReportTable) -> str:
    """The table as CSV (every column, detail columns too); see the module docstring."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header: list[str] = []
    for column in table.columns:
        header += ([f"{column.key}_low", f"{column.key}_high"] if column.kind == Kind.INTERVAL
                   else [column.key])
    writer.writerow(header)
    for row in ([table.total] if table.total else []) + table.rows:
        cells: list[str] = []
        for column in table.columns:
            value = row[column.key]
            if column.kind == Kind.INTERVAL:
                low, high = value or (None, None)
                cells += [_csv_value(low, Kind.NUMBER), _csv_value(high, Kind.NUMBER)]
            else:
                cells.append(_csv_value(value, column.kind))
        writer.writerow(cells)
    return out.getvalue()


def emit(table: ReportTable, fmt: str, locale: str,
         to_json: Optional[Callable[[ReportTable], Any]] = None) -> None:
    """Write ``table`` to standard output in ``fmt`` (``to_json`` builds the JSON)."""
    if fmt == "json":
        if to_json is None:  # pragma: no cover - every command with json passes one
            raise click.UsageError("this command has no JSON output")
        click.echo(json.dumps(to_json(table), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(render_csv(table), nl=False)
    else:
        click.echo(render_text(table, locale))
